/**
 * Synonyms (NTB-SEARCH-005): a query word matches its synonyms too. Kept in code (reviewed like
 * code); Typesense gets the same sets as a synonyms resource.
 */
export const SYNONYM_SETS: readonly (readonly string[])[] = [
  ['photographer', 'photography', 'photo', 'photos', 'photog', 'shooter'],
  ['videographer', 'video', 'videography', 'filmmaker', 'cinematographer', 'film'],
  ['model', 'models', 'modeling', 'modelling'],
  ['creator', 'influencer', 'ugc'],
  ['studio', 'studios', 'space', 'loft'],
  ['headshot', 'headshots', 'portrait', 'portraits'],
  ['wedding', 'weddings', 'bridal'],
  ['nyc', 'new york'],
  ['la', 'los angeles'],
];

const byWord = new Map<string, readonly string[]>();
for (const set of SYNONYM_SETS) for (const word of set) if (!word.includes(' ')) byWord.set(word, set);

/** The word and its single-word synonyms, the word first. */
export function expandWord(word: string): string[] {
  const set = byWord.get(word) ?? [];
  return [word, ...set.filter((other) => other !== word && !other.includes(' '))];
}
