import { seededRandom } from "@fer/preprocess";

/**
 * A small seeded pseudo-random generator (mulberry32) so that every randomised step
 * (folds, bootstrap samples, feature draws) is reproducible from one integer seed.
 */
export class Rng {
  private readonly random: () => number;

  /** `seed` is any integer; equal seeds give equal sequences. */
  constructor(seed: number) {
    this.random = seededRandom(mixSeed(seed, 0x9e3779b9) >>> 0);
  }

  /** A uniform float in [0, 1) (`seededRandom` of `@fer/preprocess`, the one mulberry32 of fer). */
  next(): number {
    return this.random();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Shuffles `a` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

/** Mixes a seed with a stream number into a well-spread 32-bit integer (e.g. one stream per tree). */
export function mixSeed(seed: number, stream: number): number {
  let h = (Math.trunc(seed) ^ Math.imul(stream | 0, 0x85ebca6b)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) | 0;
}
