// Escaping for markdown that GitHub renders (job summary, PR comment): user text must stay text.

/** Terminal colour codes and other control sequences that hook output carries. */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-_]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/**
 * Inline text and table cells: HTML entities for everything markdown or HTML would interpret
 * (`|` would split a cell, `<` open a tag, backticks open code), and newlines become spaces
 * so a value cannot break out of its line or row. Entities render as the plain character.
 */
export function escapeInline(text: string): string {
  return stripAnsi(String(text))
    .replace(/\r\n|\r|\n|\t/g, ' ')
    .replace(CONTROL, '')
    .replace(/[&<>|`\\*_[\]~"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Same as escapeInline; named for where it is used. */
export const escapeCell = escapeInline;

/** Cuts text to at most `max` characters, marking the cut with `…`; never splits a surrogate pair. */
export function truncate(text: string, max: number, keep: 'head' | 'tail' = 'head'): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  if (max <= 1) return '…'.slice(0, Math.max(0, max));
  return keep === 'head'
    ? chars.slice(0, max - 1).join('') + '…'
    : '…' + chars.slice(chars.length - (max - 1)).join('');
}

/**
 * A fenced code block whose content cannot close it: the fence is one backtick longer than the
 * longest backtick run inside (CommonMark), so hook output is shown verbatim, never rendered.
 */
export function codeBlock(text: string, lang = 'text'): string {
  const body = stripAnsi(text).replace(/\r\n?/g, '\n').replace(CONTROL, '').replace(/\n+$/, '');
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${body}\n${fence}`;
}

/**
 * A URL safe to put in `[text](url)`: only http(s) (no `javascript:`), with the characters that
 * would end the link percent-encoded. Undefined when the value is not such a URL.
 */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  return parsed.href.replace(
    /[()<>\s"'`|\\]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'),
  );
}

/** `[label](url)` with the label escaped, or the escaped label alone when the URL is unusable. */
export function link(label: string, url: string | undefined): string {
  const u = safeUrl(url);
  return u ? `[${escapeInline(label)}](${u})` : escapeInline(label);
}
