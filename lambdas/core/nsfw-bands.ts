/**
 * How classifier outputs become an nsfwBand (0 safe, 1 suggestive, 2 explicit). Thresholds are
 * deliberately cautious: a false "suggestive" costs a human review, a false "safe" costs trust.
 */
import type { NsfwBand } from './ports.ts';

/** nsfwjs classes: Drawing, Hentai, Neutral, Porn, Sexy (probabilities summing to 1). */
export function bandFromNsfwjs(predictions: readonly { className: string; probability: number }[]): NsfwBand {
  const p = (name: string) => predictions.find((item) => item.className === name)?.probability ?? 0;
  const explicit = p('Porn') + p('Hentai');
  if (explicit >= 0.6) return 2;
  if (explicit >= 0.3 || p('Sexy') >= 0.5) return 1;
  return 0;
}

/** Rekognition DetectModerationLabels (taxonomy v7) top-level categories that mean explicit content. */
const EXPLICIT_CATEGORIES = new Set([
  'Explicit Nudity',
  'Explicit',
  'Explicit Sexual Activity',
  'Sex Toys',
  'Exposed Male Genitalia',
  'Exposed Female Genitalia',
  'Exposed Buttocks or Anus',
  'Exposed Female Nipple',
]);

/**
 * Any moderation label at or above `minConfidence` needs review (band 1: suggestive, violence,
 * drugs, hate symbols …); explicit nudity or sexual content is band 2.
 */
export function bandFromRekognition(
  labels: readonly { Name?: string; ParentName?: string; Confidence?: number }[],
  minConfidence = 60,
): NsfwBand {
  let band: NsfwBand = 0;
  for (const label of labels) {
    if ((label.Confidence ?? 0) < minConfidence) continue;
    if (EXPLICIT_CATEGORIES.has(label.Name ?? '') || EXPLICIT_CATEGORIES.has(label.ParentName ?? '')) return 2;
    band = 1;
  }
  return band;
}
