/**
 * Whether free text carries contact details (an email, a phone number, a contact link or handle
 * host): the check profiles applies to public links (link-policy.ts), applied to prose. Reviews
 * refuse such text outright (a review is public and permanent); NFKC and percent-decoding first,
 * so full-width `＠` and digits read as what they look like.
 */
import { containsPhoneNumber, normaliseLinkText, publicLinkRefusal } from './link-policy.ts';

export type ContactDetail = 'EMAIL' | 'PHONE' | 'CONTACT_LINK';

const EMAIL =
  /[A-Za-z0-9._%+-]+\s*(?:@|[([{<]\s*at\s*[)\]}>])\s*[A-Za-z0-9-]+(?:\s*(?:\.|[([{<]\s*dot\s*[)\]}>])\s*[A-Za-z0-9-]+)*\s*(?:\.|[([{<]\s*dot\s*[)\]}>])\s*[A-Za-z]{2,}/i;
const DIGIT_RUN = /\+?\d(?:[^\p{L}\p{N}\n]{0,3}\d)*/gu;
const URL_LIKE = /\b(?:https?:\/\/|www\.)[^\s<>"']+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:me|gg|ee|ly|com)\/[^\s<>"']*/gi;

/** The first kind of contact detail found in `text`, or null when there is none. */
export function findContactDetail(text: string): ContactDetail | null {
  const normalised = normaliseLinkText(text);
  if (EMAIL.test(normalised)) return 'EMAIL';
  for (const match of normalised.matchAll(DIGIT_RUN)) if (containsPhoneNumber(match[0])) return 'PHONE';
  for (const match of normalised.matchAll(URL_LIKE)) {
    const raw = match[0];
    const refusal = publicLinkRefusal(/^https?:\/\//i.test(raw) ? raw : `https://${raw}`);
    if (refusal === 'CONTACT_HOST' || refusal === 'SHORTENER' || refusal === 'EMAIL' || refusal === 'PHONE')
      return 'CONTACT_LINK';
  }
  return null;
}
