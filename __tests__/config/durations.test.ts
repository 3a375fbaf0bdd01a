import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDuration, parseDuration } from '../../src/config/durations.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2m30s', 150_000],
    ['1s500ms', 1_500],
    ['1h2m3s4ms', 3_723_004],
    ['0s', 0],
    ['0ms', 0],
    ['90m', 5_400_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['', 'empty'],
    ['5', 'bare number: seconds or minutes?'],
    ['1h 30m', 'spaces'],
    ['30m1h', 'units out of order'],
    ['1m1m', 'unit repeated'],
    ['1.5s', 'fraction'],
    ['-5s', 'negative'],
    ['5M', 'upper case unit'],
    ['5min', 'unknown unit'],
    ['5d', 'days'],
    ['s', 'no number'],
    ['5s ', 'trailing space (callers trim)'],
    ['99999999999999999999h', 'beyond safe integers'],
  ])('rejects %j (%s)', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [5_400_000, '1h30m'],
    [300_000, '5m'],
    [30_000, '30s'],
    [500, '500ms'],
    [0, '0s'],
    [1_500, '1s500ms'],
    [3_600_000, '1h'],
    [3_723_004, '1h2m3s4ms'],
    [-20, '0s'],
    [1_499.6, '1s500ms'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips every whole number of ms through text', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 24 * 3_600_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });

  it('writes the canonical form back for canonical text', () => {
    const canonical = fc
      .tuple(fc.nat(200), fc.nat(59), fc.nat(59), fc.nat(999))
      .filter((parts) => parts.some((n) => n > 0))
      .map(([h, m, s, ms]) =>
        [h && `${h}h`, m && `${m}m`, s && `${s}s`, ms && `${ms}ms`].filter(Boolean).join(''),
      );
    fc.assert(
      fc.property(canonical, (text) => {
        const ms = parseDuration(text);
        expect(ms).toBeDefined();
        expect(formatDuration(ms ?? -1)).toBe(text);
      }),
    );
  });
});
