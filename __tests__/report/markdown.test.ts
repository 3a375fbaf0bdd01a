import { describe, expect, it } from 'vitest';
import { codeBlock, escapeInline, link, safeUrl, truncate } from '../../src/report/markdown.js';

describe('escapeInline', () => {
  it.each([
    ['a | b', 'a &#124; b'],
    ['<img src=x onerror=alert(1)>', '&#60;img src=x onerror=alert(1)&#62;'],
    ['R&D', 'R&#38;D'],
    ['`code`', '&#96;code&#96;'],
    ['line1\nline2\r\nline3', 'line1 line2 line3'],
    ['**bold** _it_ [l](u)', '&#42;&#42;bold&#42;&#42; &#95;it&#95; &#91;l&#93;(u)'],
    ['ends with \\', 'ends with &#92;'],
    ['\u001b[31mred\u001b[0m', 'red'],
  ])('%j → %j', (input, expected) => {
    expect(escapeInline(input)).toBe(expected);
  });

  it('never leaves a raw pipe, angle bracket, backtick or newline', () => {
    const nasty = 'x|y<z>`w`\n\r|&amp;';
    expect(escapeInline(nasty)).not.toMatch(/[|<>`\n\r]/);
  });
});

describe('truncate', () => {
  it('keeps text within the limit as is', () => {
    expect(truncate('hello', 5)).toBe('hello');
  });
  it('cuts the head or the tail with a marker, within the limit', () => {
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
    expect(truncate('abcdefghij', 5, 'tail')).toBe('…ghij');
  });
  it('never splits a surrogate pair', () => {
    const out = truncate('😀😀😀😀', 3);
    expect(out).toBe('😀😀…');
    expect(Array.from(out)).toHaveLength(3);
  });
});

describe('codeBlock', () => {
  it('uses a fence longer than any backtick run inside, so the content cannot close it', () => {
    const out = codeBlock('a\n```\nb ````` c');
    expect(out.startsWith('``````text\n')).toBe(true);
    expect(out.endsWith('\n``````')).toBe(true);
  });
  it('uses three backticks for plain text and strips colour codes', () => {
    expect(codeBlock('\u001b[32mok\u001b[0m\n')).toBe('```text\nok\n```');
  });
});

describe('links', () => {
  it('accepts http(s) only', () => {
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('not a url')).toBeUndefined();
    expect(safeUrl('https://x.example/a')).toBe('https://x.example/a');
  });
  it('encodes characters that would end the link', () => {
    expect(safeUrl('https://x.example/a(b)c')).toBe('https://x.example/a%28b%29c');
  });
  it('falls back to the escaped label when the URL is unusable', () => {
    expect(link('run <1>', 'javascript:x')).toBe('run &#60;1&#62;');
    expect(link('run', 'https://x.example/')).toBe('[run](https://x.example/)');
  });
});
