import { describe, expect, it } from 'vitest';
import { bandFromNsfwjs, bandFromRekognition } from './nsfw-bands.ts';

const predictions = (values: Record<string, number>) =>
  Object.entries(values).map(([className, probability]) => ({ className, probability }));

describe('nsfwBand from nsfwjs', () => {
  it('maps neutral and drawings to 0, sexy to 1, porn/hentai to 2', () => {
    expect(bandFromNsfwjs(predictions({ Neutral: 0.9, Drawing: 0.08, Sexy: 0.02 }))).toBe(0);
    expect(bandFromNsfwjs(predictions({ Neutral: 0.3, Sexy: 0.6, Porn: 0.1 }))).toBe(1);
    expect(bandFromNsfwjs(predictions({ Neutral: 0.5, Porn: 0.2, Hentai: 0.15 }))).toBe(1);
    expect(bandFromNsfwjs(predictions({ Porn: 0.5, Hentai: 0.2, Neutral: 0.3 }))).toBe(2);
  });
});

describe('nsfwBand from Rekognition', () => {
  it('is 0 without labels or below the confidence floor', () => {
    expect(bandFromRekognition([])).toBe(0);
    expect(bandFromRekognition([{ Name: 'Explicit Nudity', Confidence: 40 }])).toBe(0);
  });
  it('is 2 for explicit categories (by name or parent) and 1 for any other moderation label', () => {
    expect(
      bandFromRekognition([{ Name: 'Exposed Male Genitalia', ParentName: 'Explicit Nudity', Confidence: 91 }]),
    ).toBe(2);
    expect(bandFromRekognition([{ Name: 'Explicit Sexual Activity', ParentName: 'Explicit', Confidence: 80 }])).toBe(2);
    expect(
      bandFromRekognition([
        {
          Name: 'Swimwear or Underwear',
          ParentName: 'Non-Explicit Nudity of Intimate parts and Kissing',
          Confidence: 88,
        },
      ]),
    ).toBe(1);
    expect(bandFromRekognition([{ Name: 'Graphic Violence', ParentName: 'Violence', Confidence: 75 }])).toBe(1);
  });
});
