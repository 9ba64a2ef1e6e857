import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSeededRandom, mixSeed } from '../src/index.js';

const draw = (seed: number, n: number) => {
  const r = createSeededRandom(seed);
  return Array.from({ length: n }, () => r.nextUint32());
};

describe('createSeededRandom', () => {
  it('gives the same sequence for the same seed, and unrelated sequences for neighbouring seeds', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const a = draw(seed, 64);
        expect(draw(seed, 64)).toEqual(a);
        const b = draw(seed + 1, 64);
        // Two independent sequences of 64 words share a value at the same place with probability ~64/2^32.
        expect(a.filter((x, i) => x === b[i]).length).toBeLessThanOrEqual(1);
        for (const x of a) expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('below(n) stays in [0, n) and is close to uniform (chi-square over 10 buckets)', () => {
    const r = createSeededRandom(2024);
    const buckets = new Array<number>(10).fill(0);
    const draws = 100_000;
    let outside = 0;
    for (let i = 0; i < draws; i++) {
      const x = r.below(10);
      if (x >= 0 && x < 10 && Number.isInteger(x)) buckets[x]! += 1;
      else outside++;
    }
    expect(outside).toBe(0);
    const expected = draws / 10;
    const chi2 = buckets.reduce((s, b) => s + (b - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: above 27.9 happens with probability 0.001 for a uniform source.
    expect(chi2).toBeLessThan(27.9);
  });

  it('fraction() is in [0, 1) with a mean near 1/2', () => {
    const r = createSeededRandom(5);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 50_000; i++) {
      const f = r.fraction();
      if (!(f >= 0 && f < 1)) outside++;
      sum += f;
    }
    expect(outside).toBe(0);
    expect(Math.abs(sum / 50_000 - 0.5)).toBeLessThan(0.01);
  });

  it('rejects a seed or a bound it cannot honour, naming it', () => {
    expect(() => createSeededRandom(0.5)).toThrow(/seed must be an integer, got 0\.5/);
    const r = createSeededRandom(1);
    expect(() => r.below(0)).toThrow(/n must be an integer from 1 to 2097152, got 0/);
    expect(() => r.below(2 ** 22)).toThrow(/got 4194304/);
  });
});

describe('mixSeed', () => {
  it('is a pure 32-bit hash: same parts, same value; order matters', () => {
    expect(mixSeed(1, 2, 3)).toBe(mixSeed(1, 2, 3));
    expect(mixSeed(1, 2, 3)).not.toBe(mixSeed(3, 2, 1));
    expect(Number.isInteger(mixSeed(42, 7)) && Math.abs(mixSeed(42, 7)) < 2 ** 31 + 1).toBe(true);
  });
});
