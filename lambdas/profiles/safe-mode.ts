/**
 * Safe-Mode for public responses: contact details typed into free text (a bio with an email, a
 * package name with a phone number) are masked, so no public response ever carries an email
 * address or a phone number. URLs and ids are structural and left alone here: our own URLs are
 * built by the mappers, and people's links are held to link-policy.ts on save and on render (a
 * masked URL would be broken, so a link that carries contact details is dropped, not masked).
 */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// 9+ digits with common separators: phone-like, but not prices ("150.00") or years.
const PHONE = /\+?\d(?:[\s().-]*\d){8,}/g;
const STRUCTURAL_KEYS = new Set([
  'id',
  'slug',
  'url',
  'canonicalUrl',
  'contentUrl',
  'thumbnailUrl',
  '@id',
  '@context',
  '@type',
  'sameAs',
  'encodingFormat',
  'price',
]);

export function maskContacts(text: string): string {
  return text.replace(EMAIL, '[hidden]').replace(PHONE, '[hidden]');
}

export function safeModeDeep<T>(value: T, key = ''): T {
  if (typeof value === 'string') return (STRUCTURAL_KEYS.has(key) ? value : maskContacts(value)) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => safeModeDeep(item, key)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [inner, item] of Object.entries(value))
      out[inner] = STRUCTURAL_KEYS.has(inner) && typeof item === 'string' ? item : safeModeDeep(item, inner);
    return out as T;
  }
  return value;
}
