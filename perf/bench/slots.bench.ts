/**
 * `npm run bench:slots`: the feasibility engine (lambdas/booking/feasibility.ts) computing the next
 * 14 days of slots, in process (no stack: the engine is pure; the slot query adds one indexed
 * PostgreSQL read of the blocked ranges in front of it).
 *  - one provider in America/New_York with 300 bookings over a window that crosses the fall-back
 *    change (Nov 1 2026), weekly 08:00–20:00, 15-minute grid, 60-minute slots, 15/15 buffers;
 *  - that provider + a studio with 200 bookings and its own buffers (the intersection).
 * Aims (issue #11): p50/p95 ≤ 5 ms for one provider, ≤ 20 ms for provider + studio.
 * BENCH_ITERATIONS (default 500) sets the sample size.
 */
import { availabilitySchema } from '../../lambdas/booking/availability.ts';
import { feasibleSlots, type Interval, type ResourceCalendar } from '../../lambdas/booking/feasibility.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 500);
const MINUTE = 60_000;
const now = Date.parse('2026-10-22T12:00:00Z');

/** A deterministic PRNG (mulberry32), so runs are comparable. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` non-overlapping 30-minute bookings on the half-hour grid inside the 14-day window. */
function bookings(count: number, seed: number): Interval[] {
  const next = random(seed);
  const halfHours = 14 * 48;
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(Math.floor(next() * halfHours));
  return [...chosen].map((h) => ({ start: now + h * 30 * MINUTE, end: now + (h + 1) * 30 * MINUTE }));
}

const availability = (buffer: number) =>
  availabilitySchema.parse({
    timezone: 'America/New_York',
    weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '20:00' })),
    granularityMinutes: 15,
    minDurationMinutes: 60,
    minNoticeMinutes: 60,
    maxHorizonDays: 90,
    bufferBeforeMinutes: buffer,
    bufferAfterMinutes: buffer,
  });

const provider: ResourceCalendar = { availability: availability(15), blocked: bookings(300, 1) };
const studio: ResourceCalendar = { availability: availability(30), blocked: bookings(200, 2) };

function measure(label: string, resources: ResourceCalendar[]) {
  const run = () => feasibleSlots(resources, { now, durationMinutes: 60, days: 14 });
  let slots = 0;
  for (let i = 0; i < 50; i++) slots = run().length; // warm-up (JIT, Intl caches)
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const started = performance.now();
    run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!;
  console.log(
    `${label}: ${slots} slots; p50 ${pct(50).toFixed(2)} ms, p95 ${pct(95).toFixed(2)} ms, max ${samples.at(-1)!.toFixed(2)} ms (${ITERATIONS} runs)`,
  );
}

measure('provider, 300 bookings, 14 days across a DST change', [provider]);
measure('provider + studio (300 + 200 bookings), 14 days', [provider, studio]);
