/**
 * The slug an erased listing keeps (NTB-SEC-003): a listing's slug is built from its display name,
 * so after account deletion it is replaced by one built from the listing's id (the ULID's random
 * part), which names nobody and stays unique.
 */
export const erasedSlugSql = (alias: string) => `'erased-' || lower(right(${alias}.id, 16))`;

/** The same rule in TypeScript (tests, tools). */
export const erasedSlug = (listingId: string) => `erased-${listingId.slice(-16).toLowerCase()}`;
