// The rejected mark's note as text a load balancer can keep: reversible escaping into the few
// characters a HAProxy variable or an ALB tag value accepts.
import type { RejectionNote } from '../ports/traffic.js';

/** Longest reason kept: a note is a pointer to the run, not its report. */
export const NOTE_REASON_MAX = 180;

/**
 * `keep` matches one character (no `g` flag: test() must not carry state between calls).
 * Every character outside `keep` becomes `=XX` per UTF-8 byte (`=` itself too), so the text
 * survives any store that accepts `keep` and `=`: `4.8% (12 of 250)` → `4.8=25=20=2812...` for HAProxy.
 */
export function escapeNote(text: string, keep: RegExp): string {
  let out = '';
  for (const ch of text) {
    if (ch !== '=' && keep.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function unescapeNote(text: string): string {
  const bytes: number[] = [];
  const chars = [...text]; // code points: a kept letter outside the BMP is two UTF-16 units
  for (let i = 0; i < chars.length;) {
    const hex = chars[i] === '=' ? `${chars[i + 1] ?? ''}${chars[i + 2] ?? ''}` : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else {
      bytes.push(...Buffer.from(chars[i]!, 'utf8'));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A reason cut to NOTE_REASON_MAX characters, on one line. */
export function shortReason(reason: string): string {
  const one = reason.replace(/\s+/g, ' ').trim();
  return one.length > NOTE_REASON_MAX ? `${one.slice(0, NOTE_REASON_MAX - 1)}…` : one;
}

/** Fields of a note as stored: the time as ISO text. */
export function noteFields(note: RejectionNote): { run: string; at: string; reason: string } {
  return { run: note.run, at: new Date(note.at).toISOString(), reason: shortReason(note.reason) };
}

/** Back from stored fields; undefined when the time does not read. */
export function noteFrom(fields: { run?: string; at?: string; reason?: string }): RejectionNote | undefined {
  const at = Date.parse(fields.at ?? '');
  if (Number.isNaN(at)) return undefined;
  return { run: fields.run ?? '', at, reason: fields.reason ?? '' };
}
