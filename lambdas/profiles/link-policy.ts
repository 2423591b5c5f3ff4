/**
 * Which profile links may be public. Safe-Mode masks contact details in free text, but a link is
 * rendered as it is (a `url` field, JSON-LD `sameAs`), so a link is itself a way around it:
 * `https://pat.private@gmail.com/` carries an email address as userinfo, `https://wa.me/15551234567`
 * is a phone number, `mailto:`/`tel:` are contact channels. The same check runs when a link is saved
 * (a typed validation error) and when a page is rendered (links stored before the rule are dropped).
 */

/** Hosts whose whole purpose is opening a direct conversation with a person (off-platform contact). */
const CONTACT_HOSTS = [
  'wa.me',
  'whatsapp.com',
  'whatsapp.net',
  't.me',
  'telegram.me',
  'telegram.dog',
  'signal.me',
  'signal.group',
  'm.me',
  'messenger.com',
  'line.me',
  'viber.com',
  'vb.me',
  'kik.me',
  'join.skype.com',
  'wechat.com',
  'weixin.qq.com',
  'threema.id',
] as const;

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
/**
 * Phone-like: 10+ digits allowing separators, or a leading + with 7+. Stricter than the free-text
 * mask (9+) on purpose: portfolio sites put 8-9 digit ids in paths (vimeo.com/123456789).
 */
const PHONE = /(?:\+\d(?:[\s().-]*\d){6,}|\d(?:[\s().-]*\d){9,})/;

export type LinkRefusal = 'INVALID' | 'NOT_HTTPS' | 'USERINFO' | 'CONTACT_HOST' | 'EMAIL' | 'PHONE';

const MESSAGES: Record<LinkRefusal, string> = {
  INVALID: 'must be a valid URL',
  NOT_HTTPS: 'must be an https:// link',
  USERINFO: 'must not contain a user name or password before the host',
  CONTACT_HOST: 'messaging links are not allowed: clients contact you through RastUp',
  EMAIL: 'must not contain an email address',
  PHONE: 'must not contain a phone number',
};

export function linkRefusalMessage(reason: LinkRefusal): string {
  return MESSAGES[reason];
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Null when the link may be public; otherwise why not. */
export function publicLinkRefusal(raw: string): LinkRefusal | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return 'INVALID';
  }
  if (url.protocol !== 'https:') return 'NOT_HTTPS';
  if (url.username || url.password) return 'USERINFO';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (CONTACT_HOSTS.some((contact) => host === contact || host.endsWith(`.${contact}`))) return 'CONTACT_HOST';
  // Host, path, query and fragment, percent-decoded (twice: %2540 is an encoded %40), as one text.
  const rest = safeDecode(safeDecode(`${host}${url.pathname} ${url.search} ${url.hash}`));
  if (EMAIL.test(rest)) return 'EMAIL';
  if (PHONE.test(rest)) return 'PHONE';
  return null;
}

export function isPublicLink(raw: string): boolean {
  return publicLinkRefusal(raw) === null;
}
