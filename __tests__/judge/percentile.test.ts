// Nearest-rank percentile: table of known answers and the defining property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentile } from '../../src/judge/percentile.js';

describe('percentile (nearest rank)', () => {
  it.each([
    { values: [], p: 99, want: undefined },
    { values: [7], p: 50, want: 7 },
    { values: [15, 20, 35, 40, 50], p: 5, want: 15 },
    { values: [15, 20, 35, 40, 50], p: 30, want: 20 },
    { values: [15, 20, 35, 40, 50], p: 40, want: 20 },
    { values: [15, 20, 35, 40, 50], p: 50, want: 35 },
    { values: [15, 20, 35, 40, 50], p: 100, want: 50 },
    { values: [50, 15, 40, 20, 35], p: 50, want: 35 },
    { values: [3, 6, 7, 8, 8, 10, 13, 15, 16, 20], p: 25, want: 7 },
    { values: [3, 6, 7, 8, 8, 10, 13, 15, 16, 20], p: 75, want: 15 },
    { values: Array.from({ length: 100 }, (_, i) => i + 1), p: 99, want: 99 },
    { values: Array.from({ length: 10 }, (_, i) => i + 1), p: 99, want: 10 },
    { values: [4, 2], p: 0, want: 2 },
  ])('p$p of $values is $want', ({ values, p, want }) => {
    expect(percentile(values, p)).toBe(want);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it('is the smallest measured value with at least p% of values at or below it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 100 }),
        (values, p) => {
          const r = percentile(values, p);
          expect(r).toBeDefined();
          if (r === undefined) return;
          const need = (p / 100) * values.length;
          expect(values).toContain(r);
          expect(values.filter((v) => v <= r).length).toBeGreaterThanOrEqual(need);
          expect(values.filter((v) => v < r).length).toBeLessThan(need);
        },
      ),
    );
  });
});
