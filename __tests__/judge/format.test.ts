// Numbers in verdict sentences.
import { describe, expect, it } from 'vitest';
import { formatLimitMs, formatMs, formatPercent, truncate } from '../../src/judge/format.js';

describe('format', () => {
  it.each([
    [0, '0%'],
    [4.8, '4.8%'],
    [4.8387, '4.8%'],
    [40, '40%'],
    [99.96, '100%'],
    [0.2083, '0.2%'],
    [0.02, '0.02%'],
    [0.012345, '0.012%'],
  ])('percent %s → %s', (v, want) => expect(formatPercent(v)).toBe(want));

  it('rounds milliseconds to integers and writes limits in input notation', () => {
    expect(formatMs(611.6)).toBe('612ms');
    expect(formatLimitMs(2000)).toBe('2s');
    expect(formatLimitMs(250)).toBe('250ms');
  });

  it('truncates and flattens quoted text', () => {
    expect(truncate('a\n  b', 10)).toBe('a b');
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
  });
});
