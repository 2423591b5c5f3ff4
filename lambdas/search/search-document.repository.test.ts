import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundingBox, cityTsQuery, fieldTsQueries, toTsQuery, unitVector } from './search-document.repository.ts';

/** Great-circle distance on earthdistance's sphere (metres), the check the query applies after the box. */
function greatCircleM(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }) {
  const rad = Math.PI / 180;
  const h =
    Math.sin(((b.latitude - a.latitude) * rad) / 2) ** 2 +
    Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(((b.longitude - a.longitude) * rad) / 2) ** 2;
  return 2 * 6_378_168 * Math.asin(Math.min(1, Math.sqrt(h)));
}

describe('boundingBox', () => {
  it('holds every point within the radius (it only narrows candidates; the exact distance decides)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -89.9, max: 89.9, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.double({ min: 0.01, max: 500, noNaN: true }),
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        (latitude, longitude, radiusKm, pLat, pLng) => {
          const near = { latitude, longitude, radiusKm };
          // Points near the centre and anywhere on the globe.
          for (const point of [
            { latitude: pLat, longitude: pLng },
            {
              latitude: Math.max(-90, Math.min(90, latitude + (pLat / 90) * (radiusKm / 111))),
              longitude: longitude + (pLng / 180) * (radiusKm / 111),
            },
          ]) {
            if (point.longitude > 180 || point.longitude < -180) continue;
            if (greatCircleM(near, point) > radiusKm * 1000) continue;
            const box = boundingBox(near);
            expect(point.latitude).toBeGreaterThanOrEqual(box.minLat);
            expect(point.latitude).toBeLessThanOrEqual(box.maxLat);
            if (box.minLng !== null && box.maxLng !== null) {
              expect(point.longitude).toBeGreaterThanOrEqual(box.minLng);
              expect(point.longitude).toBeLessThanOrEqual(box.maxLng);
            }
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('drops the longitude bound when the circle crosses ±180° or reaches a pole', () => {
    expect(boundingBox({ latitude: 10, longitude: 179.9, radiusKm: 50 }).minLng).toBeNull();
    expect(boundingBox({ latitude: 89.8, longitude: 0, radiusKm: 50 }).minLng).toBeNull();
    const nyc = boundingBox({ latitude: 40.7128, longitude: -74.006, radiusKm: 25 });
    expect(nyc.maxLat - nyc.minLat).toBeCloseTo(0.449, 2);
    expect(nyc.maxLng! - nyc.minLng!).toBeCloseTo(0.593, 2);
  });
});

describe('toTsQuery', () => {
  it('matches synonyms and takes only the last word as a prefix', () => {
    expect(toTsQuery([['pat'], ['photographer', 'photo']])).toBe('(pat) & (photographer:* | photo)');
    expect(toTsQuery([['wed']])).toBe('(wed:*)');
    expect(toTsQuery([['!!']])).toBeNull();
  });
});

describe('fieldTsQueries', () => {
  it('restricts each word group to the name (A) and to name, role, tags or city (A or B), prefix on the last word only', () => {
    expect(fieldTsQueries([['pat'], ['photographer', 'photo']])).toEqual([
      { name: '(pat:A)', tagged: '(pat:AB)' },
      { name: '(photographer:*A | photo:A)', tagged: '(photographer:*AB | photo:AB)' },
    ]);
    expect(fieldTsQueries([['!!'], ['wed']])).toEqual([{ name: '(wed:*A)', tagged: '(wed:*AB)' }]);
  });
});

describe('unitVector (the chord distance search_rank ranks with)', () => {
  it('gives the haversine great-circle distance: 2R·asin(chord/2)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        (lat1, lng1, lat2, lng2) => {
          const a = unitVector(lat1, lng1);
          const b = unitVector(lat2, lng2);
          const chord = Math.hypot(a.x - b.x, a.y - b.y, a.z - b.z);
          const metres = 2 * 6_378_168 * Math.asin(Math.min(1, chord / 2));
          const expected = greatCircleM({ latitude: lat1, longitude: lng1 }, { latitude: lat2, longitude: lng2 });
          // Both are float arithmetic of the same value: within a millimetre, except near the antipode,
          // where asin near 1 (in both formulas) magnifies rounding to ~√ε·R, a few centimetres at most
          // (a search radius is at most 500 km, far from it).
          expect(Math.abs(metres - expected)).toBeLessThan(expected < 19_000_000 ? 1e-3 : 0.5);
        },
      ),
    );
  });
});

describe('cityTsQuery', () => {
  it('qualifies every term by the city, with the same groups, synonyms and last-word prefix as toTsQuery', () => {
    expect(cityTsQuery('us-nyc', [['pat'], ['photographer', 'photo']])).toBe(
      "('us-nyc/pat') & ('us-nyc/photographer':* | 'us-nyc/photo')",
    );
    expect(cityTsQuery('us-nyc', [['!!'], ['wed']])).toBe("('us-nyc/wed':*)");
    expect(cityTsQuery('us-nyc', [['!!']])).toBeNull();
    // Never a lexeme the cast would split or unquote: anything but a plain city code falls back to toTsQuery.
    expect(cityTsQuery("us-x'y", [['pat']])).toBeNull();
  });
});
