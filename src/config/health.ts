// What a healthy probe response is: accepted status codes, a body check, and the headers probes send.
import type { BodyCheck, StatusRange } from './types.js';

export const STATUS_FORM =
  'HTTP status codes and ranges between 100 and 599 separated by commas, like 200,204 or 200-299,304';

export function parseStatusRanges(text: string): StatusRange[] | undefined {
  const items = text.split(',').map((s) => s.trim());
  const out: StatusRange[] = [];
  for (const item of items) {
    const m = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(item);
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : Number(m[2]);
    if (min < 100 || max > 599 || min > max) return undefined;
    out.push({ min, max });
  }
  return out;
}

export const BODY_JSON_FORM = 'a JSON check like $.status == "ready" or $.checks.db != false';

// `$.a.b` then == or != then a JSON scalar; path segments are object keys or array indexes.
const JSON_CHECK = /^\$\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\s*(==|!=)\s*(.+)$/;

/** Text starting with `$.` is a JSON check; anything else is a substring the body must contain. */
export function parseBodyCheck(text: string): { check: BodyCheck } | { error: string } {
  if (!text.startsWith('$.')) return { check: { kind: 'contains', text } };
  const m = JSON_CHECK.exec(text);
  if (!m)
    return { error: `is read as a JSON check (it starts with $.) but is not one: use ${BODY_JSON_FORM}` };
  const [, path = '', op, literal = ''] = m;
  let value: unknown;
  try {
    value = JSON.parse(literal);
  } catch {
    return {
      error: `compares with ${literal}, which is not a JSON value: put strings in double quotes, as in ${BODY_JSON_FORM}`,
    };
  }
  if (value !== null && typeof value === 'object') {
    return {
      error: `compares with an object or array; compare one field with a string, number, true, false or null, as in ${BODY_JSON_FORM}`,
    };
  }
  return { check: { kind: 'json', path: path.split('.'), op: op === '!=' ? '!=' : '==', value, text } };
}

export const HEADER_FORM = 'one "Name: value" per line, like Authorization: Bearer <token>';

// RFC 9110 token characters.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface ParsedHeaders {
  headers: Record<string, string>;
  /** what is wrong, per line; never contains a header value */
  problems: string[];
  /** values to mask: every header value, and whole lines that could not be split safely */
  secrets: string[];
}

/** Newline-separated headers; blank lines are skipped but still counted, so `line N` matches the input. */
export function parseHeaders(text: string): ParsedHeaders {
  const headers: Record<string, string> = {};
  const problems: string[] = [];
  const secrets: string[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === '') return;
    const where = `line ${i + 1}`;
    const colon = line.indexOf(':');
    if (colon < 0) {
      secrets.push(line);
      problems.push(`${where} has no colon; write ${HEADER_FORM}`);
      return;
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (value !== '') secrets.push(value);
    if (!TOKEN.test(name)) {
      // the "name" may be part of a value pasted on its own line: never echo it
      secrets.push(line);
      problems.push(
        `${where} has a header name that is not a valid HTTP token (letters, digits, -); write ${HEADER_FORM}`,
      );
      return;
    }
    if (value === '') {
      problems.push(
        `${where} has a header with an empty value; is the secret it comes from set? Write ${HEADER_FORM}`,
      );
      return;
    }
    if (seen.has(name.toLowerCase())) {
      problems.push(`${where} repeats header ${name}; give each header once, as ${HEADER_FORM}`);
      return;
    }
    seen.add(name.toLowerCase());
    headers[name] = value;
  });
  return { headers, problems, secrets };
}

export const PROBE_LINE_FORM =
  'a URL, then optionally expect=CODES and body=CHECK, like https://app.example.com/ready expect=200 body=$.status == "ready"';

/** What a line of health-urls or pre-traffic-urls says, before defaults fill it in. */
export interface ProbeLine {
  url: string;
  expect?: StatusRange[];
  body?: BodyCheck;
}

// a key starts a word: `?expect=1` inside the URL's query is part of the URL
const KEY = /\s+(expect|body)=/g;

/**
 * `URL [expect=CODES] [body=CHECK]`: the URL runs to the first space (URLs have none), `expect=` to
 * the next key, and `body=` to the end of the line, so a JSON check keeps its spaces. Problems are
 * returned as sentences that the caller prefixes with the input and the line.
 */
export function parseProbeLine(line: string): { line: ProbeLine } | { error: string } {
  const text = line.trim();
  const firstSpace = text.search(/\s/);
  const url = firstSpace < 0 ? text : text.slice(0, firstSpace);
  const rest = firstSpace < 0 ? '' : text.slice(firstSpace);
  const keys = [...rest.matchAll(KEY)];
  const before = rest.slice(0, keys[0]?.index ?? rest.length).trim();
  if (before !== '') {
    const hint = /^\d{3}\b/.test(before) ? `; for a status write expect=${before.split(/\s/)[0]}` : '';
    return {
      error: `has "${before}" after the URL, which is neither expect= nor body=${hint}; write ${PROBE_LINE_FORM}`,
    };
  }
  const out: ProbeLine = { url };
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]![1] as 'expect' | 'body';
    const start = keys[i]!.index! + keys[i]![0].length;
    const end = key === 'body' ? rest.length : (keys[i + 1]?.index ?? rest.length);
    const value = rest.slice(start, end).trim();
    if (key === 'body') {
      if (/\sexpect=/.test(value))
        return {
          error: 'has expect= after body=; put expect= first, because body= takes the rest of the line',
        };
      if (value === '')
        return { error: `has an empty body=; give text the body must contain or ${BODY_JSON_FORM}` };
      const body = parseBodyCheck(value);
      if ('error' in body) return { error: `has body=${value}, which ${body.error}` };
      out.body = body.check;
      break;
    }
    if (out.expect) return { error: 'has expect= twice; give one list, like expect=200,204' };
    const expect = value === '' ? undefined : parseStatusRanges(value);
    if (!expect) return { error: `has expect=${value}, which must be ${STATUS_FORM}` };
    out.expect = expect;
  }
  return { line: out };
}
