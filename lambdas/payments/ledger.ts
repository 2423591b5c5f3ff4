/**
 * Double-entry postings for every money movement (architecture decision 10). Debits are positive,
 * credits negative; an entry's lines sum to zero per currency (checked here and, at commit, by the
 * database's deferred constraint trigger). Accounts:
 *   stripe_balance                  asset: money in the platform's Stripe balance
 *   client_funds_held               liability: captured client money held in escrow until release
 *   platform_fee                    revenue: the platform's fee on released legs
 *   tax_payable                     liability: tax collected on released legs
 *   provider_payable:<userId>       liability: owed to a provider / studio host until transferred
 *   card_authorization:<pi>         memorandum (off the balance sheet): a card hold a renewal moved
 * Each entry names its `sourceRef` (`capture:pi_…`, `refund:re_…`, `release:<group>:<leg>`,
 * `transfer:tr_…`); the database keeps one entry per source, so an API answer and its webhook (or a
 * hundred deliveries of it) record a movement once.
 */
export type LedgerEntryKind = 'capture' | 'refund' | 'release' | 'transfer' | 'transfer_reversal' | 'reauthorization';

export interface LedgerLine {
  readonly account: string;
  readonly amountCents: number;
  readonly currency: string;
}

export interface LedgerEntry {
  readonly kind: LedgerEntryKind;
  readonly groupId: string | null;
  readonly sourceRef: string;
  readonly memo: string | null;
  readonly lines: readonly LedgerLine[];
}

export class UnbalancedEntryError extends Error {}

/** Throws unless the entry has two or more non-zero integer lines summing to zero in each currency. */
export function assertBalanced(entry: LedgerEntry): LedgerEntry {
  if (entry.lines.length < 2) throw new UnbalancedEntryError(`${entry.sourceRef}: double entry needs two lines`);
  const sums = new Map<string, number>();
  for (const line of entry.lines) {
    if (!Number.isSafeInteger(line.amountCents) || line.amountCents === 0)
      throw new UnbalancedEntryError(`${entry.sourceRef}: amounts are non-zero integer cents`);
    sums.set(line.currency, (sums.get(line.currency) ?? 0) + line.amountCents);
  }
  for (const [currency, sum] of sums)
    if (sum !== 0) throw new UnbalancedEntryError(`${entry.sourceRef}: off by ${sum} ${currency}`);
  return entry;
}

export const providerPayable = (userId: string) => `provider_payable:${userId}`;

const nonZero = (lines: LedgerLine[]) => lines.filter((line) => line.amountCents !== 0);

/** Client money captured into the platform's balance, held for the client until release. */
export function captureEntry(groupId: string, paymentIntentId: string, amountCents: number, currency: string) {
  return assertBalanced({
    kind: 'capture',
    groupId,
    sourceRef: `capture:${paymentIntentId}`,
    memo: null,
    lines: [
      { account: 'stripe_balance', amountCents, currency },
      { account: 'client_funds_held', amountCents: -amountCents, currency },
    ],
  });
}

/** Money returned to the client out of the held funds. */
export function refundEntry(groupId: string, refundId: string, amountCents: number, currency: string) {
  return assertBalanced({
    kind: 'refund',
    groupId,
    sourceRef: `refund:${refundId}`,
    memo: null,
    lines: [
      { account: 'client_funds_held', amountCents, currency },
      { account: 'stripe_balance', amountCents: -amountCents, currency },
    ],
  });
}

/** A completed leg: its held funds become the payee's payable, the platform's fee and tax owed. */
export function releaseEntry(input: {
  groupId: string;
  legId: string;
  payeeUserId: string;
  payeeCents: number;
  feeCents: number;
  taxCents: number;
  currency: string;
}) {
  const { currency } = input;
  return assertBalanced({
    kind: 'release',
    groupId: input.groupId,
    sourceRef: `release:${input.groupId}:${input.legId}`,
    memo: null,
    lines: nonZero([
      { account: 'client_funds_held', amountCents: input.payeeCents + input.feeCents + input.taxCents, currency },
      { account: providerPayable(input.payeeUserId), amountCents: -input.payeeCents, currency },
      { account: 'platform_fee', amountCents: -input.feeCents, currency },
      { account: 'tax_payable', amountCents: -input.taxCents, currency },
    ]),
  });
}

/** The payee's payable paid out of the platform's balance by a Connect transfer. */
export function transferEntry(
  groupId: string,
  transferId: string,
  payeeUserId: string,
  amountCents: number,
  currency: string,
) {
  return assertBalanced({
    kind: 'transfer',
    groupId,
    sourceRef: `transfer:${transferId}`,
    memo: null,
    lines: [
      { account: providerPayable(payeeUserId), amountCents, currency },
      { account: 'stripe_balance', amountCents: -amountCents, currency },
    ],
  });
}

/** A transfer taken back from the payee (a chargeback): the payable owed again, the balance restored. */
export function transferReversalEntry(
  groupId: string,
  reversalId: string,
  payeeUserId: string,
  amountCents: number,
  currency: string,
) {
  return assertBalanced({
    kind: 'transfer_reversal',
    groupId,
    sourceRef: `transfer_reversal:${reversalId}`,
    memo: null,
    lines: [
      { account: 'stripe_balance', amountCents, currency },
      { account: providerPayable(payeeUserId), amountCents: -amountCents, currency },
    ],
  });
}

/**
 * A lapsing card authorisation renewed off-session (no money moves until capture): a memorandum entry
 * moving the hold from the old PaymentIntent to the new one, so the ledger shows which intent holds it.
 */
export function reauthorizationEntry(
  groupId: string,
  oldIntentId: string,
  newIntentId: string,
  amountCents: number,
  currency: string,
) {
  return assertBalanced({
    kind: 'reauthorization',
    groupId,
    sourceRef: `reauthorization:${newIntentId}`,
    memo: `renews ${oldIntentId}`,
    lines: [
      { account: `card_authorization:${newIntentId}`, amountCents, currency },
      { account: `card_authorization:${oldIntentId}`, amountCents: -amountCents, currency },
    ],
  });
}
