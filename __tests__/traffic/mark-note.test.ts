import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { escapeNote, shortReason, unescapeNote, NOTE_REASON_MAX } from '../../src/traffic/mark-note.js';

const HAPROXY_VAR = /[A-Za-z0-9._:/@-]/;
const ALB_TAG = /[\p{L}\p{Z}\p{N}_.:/+\-@]/u;

describe('the rejected note as a load balancer keeps it', () => {
  it.each([
    ['an HAProxy variable', HAPROXY_VAR, /^[A-Za-z0-9._:/@=-]*$/],
    ['an ALB tag value', ALB_TAG, /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u],
  ])('round-trips any text through %s, using only the characters it takes', (_where, keep, stored) => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (text) => {
        const escaped = escapeNote(text, keep);
        expect(escaped).toMatch(stored);
        expect(unescapeNote(escaped)).toBe(text);
      }),
    );
  });

  it('reads like the text where it can', () => {
    expect(escapeNote('aborted by alice at 25%', ALB_TAG)).toBe('aborted by alice at 25=25');
    expect(escapeNote('a=b', ALB_TAG)).toBe('a=3Db');
  });

  it('keeps a reason short and on one line', () => {
    expect(shortReason('a\n  b')).toBe('a b');
    expect(shortReason('x'.repeat(500))).toHaveLength(NOTE_REASON_MAX);
  });
});
