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
  'ig.me',
  'messenger.com',
  'line.me',
  'lin.ee',
  'viber.com',
  'viber.me',
  'vb.me',
  'kik.me',
  'join.skype.com',
  'wechat.com',
  'weixin.qq.com',
  'threema.id',
  'discord.gg',
] as const;

/** Contact channels that live under a path of an otherwise ordinary host (host suffix, path prefix). */
const CONTACT_PATHS = [
  ['discord.com', '/invite'],
  ['discordapp.com', '/invite'],
  ['snapchat.com', '/add'],
  ['instagram.com', '/direct'],
] as const;

/** Link shorteners hide where a link goes (a wa.me link, a phone number), so none may be public. */
const SHORTENER_HOSTS = [
  'bit.ly',
  'tinyurl.com',
  't.co',
  'goo.gl',
  'ow.ly',
  'is.gd',
  'rebrand.ly',
  'cutt.ly',
  'buff.ly',
  'shorturl.at',
  'tiny.cc',
  'rb.gy',
] as const;

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
/** Spelled-out separators of an email address: (at), [at], {at}, (dot), [dot] … */
const AT_WORD = /\s*[([{<]\s*at\s*[)\]}>]\s*/gi;
const DOT_WORD = /\s*[([{<]\s*dot\s*[)\]}>]\s*/gi;
/** A run of digits joined by short stretches of anything but letters and digits (`555_123_4567`, `555/123/4567`). */
const DIGIT_RUN = /\+?\d(?:[^\p{L}\p{N}]{0,3}\d)*/gu;
const DATE_SHAPE = /^(?:19|20)\d\d[^\d]{1,3}[01]?\d(?:[^\d]{1,3}[0-3]?\d)?$/;

export type LinkRefusal = 'INVALID' | 'NOT_HTTPS' | 'USERINFO' | 'CONTACT_HOST' | 'SHORTENER' | 'EMAIL' | 'PHONE';

const MESSAGES: Record<LinkRefusal, string> = {
  INVALID: 'must be a valid URL',
  NOT_HTTPS: 'must be an https:// link',
  USERINFO: 'must not contain a user name or password before the host',
  CONTACT_HOST: 'messaging links are not allowed: clients contact you through RastUp',
  SHORTENER: 'shortened links are not allowed: use the full address',
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

/** Percent-decodes and NFKC-normalises (full-width digits and ＠ become ASCII) until stable, at most 8 rounds. */
export function normaliseLinkText(value: string): string {
  let current = value.normalize('NFKC');
  for (let round = 0; round < 8; round++) {
    const next = safeDecode(current).normalize('NFKC');
    if (next === current) break;
    current = next;
  }
  return current;
}

const onHost = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

/**
 * Phone-like: a leading + with 7+ digits; 7+ digits split by separators (any punctuation, `_`, `/`,
 * spaces), except a date (2024/05/17: blog paths); or 10+ digits in one unbroken run. An unbroken
 * 7-9 digit run stays allowed on purpose: portfolio sites put such ids in paths (vimeo.com/123456789).
 */
export function containsPhoneNumber(text: string): boolean {
  for (const match of text.matchAll(DIGIT_RUN)) {
    const run = match[0];
    const digits = run.replace(/\D/g, '').length;
    if (digits < 7) continue;
    if (run.startsWith('+') || digits >= 10) return true;
    if (/\D/.test(run) && !DATE_SHAPE.test(run)) return true;
  }
  return false;
}

/** Null when the link may be public; otherwise why not. */
export function publicLinkRefusal(raw: string): LinkRefusal | null {
  let url: URL;
  try {
    // NFKC first: `ｈｔｔｐｓ://`, `＠` and full-width digits are read as what they look like.
    url = new URL(raw.trim().normalize('NFKC'));
  } catch {
    return 'INVALID';
  }
  if (url.protocol !== 'https:') return 'NOT_HTTPS';
  if (url.username || url.password) return 'USERINFO';
  const host = normaliseLinkText(url.hostname).toLowerCase().replace(/\.$/, '');
  const path = normaliseLinkText(url.pathname)
    .toLowerCase()
    .replace(/\/{2,}/g, '/');
  if (CONTACT_HOSTS.some((contact) => onHost(host, contact))) return 'CONTACT_HOST';
  if (host.split('.').some((label) => label === 'wechat' || label === 'viber' || label === 'whatsapp'))
    return 'CONTACT_HOST';
  if (
    CONTACT_PATHS.some(([domain, prefix]) => onHost(host, domain) && (path === prefix || path.startsWith(`${prefix}/`)))
  )
    return 'CONTACT_HOST';
  if (SHORTENER_HOSTS.some((shortener) => onHost(host, shortener))) return 'SHORTENER';
  // Host, path, query and fragment, decoded until stable (%2540 is an encoded %40), as one text.
  const rest = normaliseLinkText(`${host}${url.pathname} ${url.search} ${url.hash}`);
  const spelled = rest.replace(AT_WORD, '@').replace(DOT_WORD, '.');
  if (EMAIL.test(rest) || EMAIL.test(spelled)) return 'EMAIL';
  if (containsPhoneNumber(rest)) return 'PHONE';
  return null;
}

export function isPublicLink(raw: string): boolean {
  return publicLinkRefusal(raw) === null;
}
