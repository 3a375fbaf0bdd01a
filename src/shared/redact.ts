// Masks secrets (header values, webhook URLs, tokens) in any text that leaves the process.

/** Shorter values are too likely to be ordinary words or numbers to mask safely. */
export const MIN_SECRET_LENGTH = 4;
export const MASK = '***';

/**
 * The spellings a secret takes on its way out: as typed, URL-encoded (query strings, webhook
 * paths) and JSON-escaped (a value that went through JSON.stringify before reaching us).
 */
function spellings(secret: string): string[] {
  const out = new Set<string>([secret]);
  try {
    out.add(encodeURIComponent(secret));
    out.add(encodeURI(secret));
  } catch {
    // lone surrogates cannot be URL-encoded; the raw form is still masked
  }
  out.add(JSON.stringify(secret).slice(1, -1));
  return [...out].filter((s) => s.length >= MIN_SECRET_LENGTH);
}

/** Replaces every occurrence of every secret (≥ 4 chars, raw or encoded) with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  if (!text || secrets.length === 0) return text;
  const needles = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) continue;
    for (const v of spellings(s)) needles.add(v);
    // a secret pasted with stray whitespace is still the same secret
    const trimmed = s.trim();
    if (trimmed !== s && trimmed.length >= MIN_SECRET_LENGTH)
      for (const v of spellings(trimmed)) needles.add(v);
  }
  // longest first, so a secret containing another is masked whole
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  let out = text;
  for (const n of ordered) if (out.includes(n)) out = out.split(n).join(MASK);
  return out;
}

/** Deep copy of a JSON-like value with every string redacted (keys are ours and left alone). */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  if (typeof value === 'string') return redact(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, secrets);
    return out as T;
  }
  return value;
}
