import { describe, expect, it } from 'vitest';
import { redact, redactDeep } from '../../src/shared/redact.js';

describe('redact', () => {
  it('masks every occurrence of every secret', () => {
    expect(redact('a=s3cr3t b=s3cr3t c=t0ken!', ['s3cr3t', 't0ken!'])).toBe('a=*** b=*** c=***');
  });

  it('masks the URL-encoded and JSON-escaped spellings', () => {
    const url = 'https://hooks.example/T1/B2/abc?x=1&y=2';
    expect(redact(`posting to ${encodeURIComponent(url)}`, [url])).toBe('posting to ***');
    const quoted = 'pa"ss\\word';
    expect(redact(JSON.stringify({ h: quoted }), [quoted])).toBe('{"h":"***"}');
    expect(redact('v=p%40ss%2Fw0rd', ['p@ss/w0rd'])).toBe('v=***');
  });

  it('masks a secret containing another one whole', () => {
    expect(redact('key=abcd-efgh', ['abcd', 'abcd-efgh'])).toBe('key=***');
  });

  it('leaves secrets shorter than 4 characters alone (they would mask ordinary words)', () => {
    expect(redact('the abc of it', ['abc', ''])).toBe('the abc of it');
  });

  it('masks a secret typed with stray whitespace', () => {
    expect(redact('Bearer tok-12345', ['  tok-12345\n'])).toBe('Bearer ***');
  });

  it('masks strings deep in objects and arrays, not keys or numbers', () => {
    const out = redactDeep({ step: 1234, list: ['x tok-12345 y'], nested: { reason: 'tok-12345' } }, [
      'tok-12345',
      '1234',
      'step',
    ]);
    expect(out).toEqual({ step: 1234, list: ['x *** y'], nested: { reason: '***' } });
  });
});
