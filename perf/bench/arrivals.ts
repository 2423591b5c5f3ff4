/**
 * When an open-loop load generator sends: a Poisson process (independent visitors), seeded so runs
 * compare. Offsets in ms from the start, ascending, all before `seconds`.
 */
export function poissonArrivals(rate: number, seconds: number, seed: number): number[] {
  // mulberry32: 32-bit state kept exact with Math.imul (a float LCG loses its low bits past 2^53).
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const out: number[] = [];
  let at = 0;
  for (;;) {
    at += (-Math.log(1 - random()) / rate) * 1000; // exponential gaps make a Poisson process
    if (at >= seconds * 1000) return out;
    out.push(at);
  }
}
