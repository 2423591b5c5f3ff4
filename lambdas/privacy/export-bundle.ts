/**
 * The DSAR export bundle (NTB-EXPORT-001 "bundle with receipts and redaction"): one JSON document
 * with a manifest, one section per owning domain and a receipt per section (its SHA-256 over the
 * canonical JSON of the section, record count), so a recipient can check each part on its own.
 *
 * Redaction of other people: every user id in the sections that is not the subject's own becomes
 * a pseudonym (`person-1`, `person-2`, ... stable within one bundle, meaningless outside it), so
 * the bundle shows "the same other person" without naming them. Their words in messages arrive
 * with contact details already hidden by the owning domain (messaging).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/db/audit-log.ts';
import type { JsonRow } from '../core/db/json-rows.ts';

export const EXPORT_FORMAT = 'rastup-data-export/2';

export type SectionData = Readonly<Record<string, readonly JsonRow[]>>;

export interface ExportReceipt {
  readonly section: string;
  readonly sha256: string;
  readonly records: number;
}

export interface ExportBundle {
  readonly manifest: {
    readonly format: typeof EXPORT_FORMAT;
    readonly exportId: string;
    readonly subjectUserId: string;
    readonly generatedAt: string;
    readonly sections: readonly string[];
    readonly excluded: Readonly<Record<string, string>>;
    readonly redaction: string;
    readonly receiptHash: 'sha256 over the canonical JSON (sorted keys) of sections[<section>]';
  };
  readonly sections: Readonly<Record<string, SectionData>>;
  readonly receipts: readonly ExportReceipt[];
}

const USER_ID = /usr_[0-9A-HJKMNP-TV-Z]{26}/g;

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Other people's user ids in `value`, in order of first appearance. */
export function otherUserIds(value: unknown, subjectUserId: string): string[] {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (typeof node === 'string') {
      for (const match of node.matchAll(USER_ID)) if (match[0] !== subjectUserId) found.add(match[0]);
    } else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(value);
  return [...found];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Fields that hold identifiers, codes, links or timestamps, never prose: names are not looked for in
 * them (an id or slug that happens to contain "Ann" stays as it is; other people's user ids are
 * replaced everywhere regardless).
 */
const STRUCTURED_KEY =
  /(^id$|Id$|_id$|Ids$|_ids$|^key$|Key$|_key$|slug|url|Url|sha256|hash|Hash|email|Email|phone|Phone|status|Status|^kind$|^type$|Type$|_type$|^role$|At$|_at$|code|Code|currency|token|Token|^tab$)/;

/** A lone identifier-shaped value (`bkl_…`, `lst_…`): not prose, whatever its field is called. */
const IDENTIFIER_VALUE = /^[a-z]{2,12}_[0-9A-Za-z]{10,}$/;

/**
 * Replaces other people's user ids in every string of `value` (keys stay) by `aliases`, and their
 * known names (`names`: alias -> names, e.g. display names) in free-text fields only, as whole words
 * (Unicode letters and digits around a match keep it from matching: "Ann" is not replaced inside
 * "Annual" or "Joanna"). Longer names go first, so "Ann Lee" becomes one alias, not "person-1 Lee".
 */
export function pseudonymiseOthers(
  value: unknown,
  aliases: ReadonlyMap<string, string>,
  names: ReadonlyMap<string, readonly string[]> = new Map(),
): unknown {
  // One pass over all names (longest first in the alternation), so an alias already written is
  // never matched again by a shorter name.
  const byName = new Map<string, string>();
  for (const [alias, list] of names)
    for (const raw of list) {
      const name = raw.trim().replace(/\s+/g, ' ').toLocaleLowerCase();
      if (name.length >= 3 && !byName.has(name)) byName.set(name, alias);
    }
  const alternation = [...byName.keys()]
    .sort((a, b) => b.length - a.length)
    .map((name) => escapeRegExp(name).replace(/ /g, '\\s+'))
    .join('|');
  // User ids and names in one alternation and one pass: an alias written for one is never read
  // again by the other ("person-1" is not a name match for someone called "Person").
  const idOrName = alternation
    ? new RegExp(`${USER_ID.source}|(?<![\\p{L}\\p{N}_])(?:${alternation})(?![\\p{L}\\p{N}_])`, 'giu')
    : undefined;
  const replace = (match: string) =>
    aliases.get(match) ?? byName.get(match.replace(/\s+/g, ' ').toLocaleLowerCase()) ?? match;
  const walk = (node: unknown, freeText: boolean): unknown => {
    if (typeof node === 'string') {
      if (!freeText || !idOrName || IDENTIFIER_VALUE.test(node))
        return node.replace(USER_ID, (id) => aliases.get(id) ?? id);
      return node.replace(idOrName, replace);
    }
    if (Array.isArray(node)) return node.map((inner) => walk(inner, freeText));
    if (node && typeof node === 'object')
      return Object.fromEntries(
        Object.entries(node).map(([key, inner]) => [key, walk(inner, !STRUCTURED_KEY.test(key))]),
      );
    return node;
  };
  return walk(value, true);
}

export function buildExportBundle(input: {
  exportId: string;
  subjectUserId: string;
  generatedAt: Date;
  sections: Readonly<Record<string, SectionData>>;
  excluded: Readonly<Record<string, string>>;
  /** Known names of the other people (user id -> names), pseudonymised in free text too. */
  otherNames?: ReadonlyMap<string, readonly string[]>;
}): { bundle: ExportBundle; bytes: Buffer; sha256: string } {
  const names = Object.keys(input.sections).sort();
  const ordered = Object.fromEntries(names.map((name) => [name, input.sections[name]]));
  const aliases = new Map(otherUserIds(ordered, input.subjectUserId).map((id, i) => [id, `person-${i + 1}`]));
  const aliasNames = new Map(
    [...(input.otherNames ?? new Map<string, readonly string[]>()).entries()].flatMap(([id, list]) =>
      aliases.has(id) ? [[aliases.get(id)!, list] as const] : [],
    ),
  );
  const sections = Object.fromEntries(
    names.map((name) => [name, pseudonymiseOthers(input.sections[name], aliases, aliasNames) as SectionData]),
  );
  const receipts = names.map((name) => ({
    section: name,
    sha256: sha256Hex(canonicalJson(sections[name])),
    records: Object.values(sections[name]!).reduce((sum, rows) => sum + rows.length, 0),
  }));
  const bundle: ExportBundle = {
    manifest: {
      format: EXPORT_FORMAT,
      exportId: input.exportId,
      subjectUserId: input.subjectUserId,
      generatedAt: input.generatedAt.toISOString(),
      sections: names,
      excluded: input.excluded,
      redaction:
        "Other people appear as person-N (stable within this export only); contact details in other people's messages are hidden.",
      receiptHash: 'sha256 over the canonical JSON (sorted keys) of sections[<section>]',
    },
    sections,
    receipts,
  };
  const bytes = Buffer.from(JSON.stringify(bundle, null, 2));
  return { bundle, bytes, sha256: sha256Hex(bytes) };
}
