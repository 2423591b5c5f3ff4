/**
 * Anti-circumvention for inquiry threads (NTB-MSG-003): emails, phone numbers, off-platform
 * handles and contact links are replaced by `[contact hidden]` in what the recipient sees, until
 * the thread's booking is confirmed. Detection is profiles' (link-policy: NFKC and percent
 * decoding, the phone rule, contact hosts and shorteners), applied here span by span.
 */
import { containsPhoneNumber, normaliseLinkText, publicLinkRefusal } from '../profiles/index.ts';

export const HIDDEN = '[contact hidden]';

const EMAIL =
  /[A-Za-z0-9._%+-]+\s*(?:@|[([{<]\s*at\s*[)\]}>])\s*[A-Za-z0-9-]+(?:\s*(?:\.|[([{<]\s*dot\s*[)\]}>])\s*[A-Za-z0-9-]+)*\s*(?:\.|[([{<]\s*dot\s*[)\]}>])\s*[A-Za-z]{2,}/gi;
/** Digit runs joined by short non-letter stretches; each is judged by profiles' phone rule. */
const DIGIT_RUN = /\+?\d(?:[^\p{L}\p{N}\n]{0,3}\d)*/gu;
/** URLs, with or without a scheme when the host is a known contact host (wa.me/…, t.me/…). */
const URL_LIKE =
  /\b(?:https?:\/\/|www\.)[^\s<>"']+|\b(?:wa\.me|t\.me|m\.me|ig\.me|signal\.me|discord\.gg|lin\.ee|bit\.ly|tinyurl\.com)\/[^\s<>"']*/gi;
/** `@handle` and `<network>: handle` / `my insta is handle`. */
const AT_HANDLE = /(^|[^\w@.])@[A-Za-z0-9_.]{3,30}\b/g;
const NETWORK_HANDLE =
  /\b(?:insta(?:gram)?|ig|snap(?:chat)?|sc|whats ?app|wa|telegram|tg|signal|skype|kik|wechat|line|discord|tiktok|fb|facebook|twitter|x)\b\s*(?:[:=-]|\bis\b|\bat\b|\bme\b|\bon\b)?\s*@?[A-Za-z0-9_.]{3,30}\b/gi;

export interface Redaction {
  readonly text: string;
  /** Whether anything was hidden (a strike for the author, a policy hint on the message). */
  readonly redacted: boolean;
}

function isContactLink(raw: string): boolean {
  const candidate = /^https?:\/\//i.test(raw) ? raw : `https://${raw}`;
  const refusal = publicLinkRefusal(candidate);
  return refusal !== null && refusal !== 'NOT_HTTPS' && refusal !== 'INVALID';
}

export function redactContactDetails(input: string): Redaction {
  // NFKC (full-width ＠ and digits) and percent-decoding first, as profiles reads links.
  let text = normaliseLinkText(input);
  text = text.replace(URL_LIKE, (url) => (isContactLink(url) ? HIDDEN : url));
  text = text.replace(EMAIL, HIDDEN);
  text = text.replace(DIGIT_RUN, (run) => (containsPhoneNumber(run) ? HIDDEN : run));
  text = text.replace(NETWORK_HANDLE, HIDDEN);
  text = text.replace(AT_HANDLE, (_match, before: string) => `${before}${HIDDEN}`);
  const redacted = text !== normaliseLinkText(input);
  return { text: redacted ? text : input, redacted };
}
