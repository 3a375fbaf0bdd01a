// Glidepath's mark on a slot's HAProxy servers, kept as text in a process variable beside the MAINT it
// put them in: which slot, why (the note), and exactly which servers are Glidepath's to lift.
import type { Slot } from '../config/types.js';
import type { RejectionNote } from '../ports/traffic.js';
import { escapeNote, noteFields, noteFrom, unescapeNote } from './mark-note.js';

/**
 * `rejected`: the version was rolled back, aborted or never verified (a manual rollback refuses
 * it without force). `left`: an on-call rollback moved everyone off the slot, which still holds the
 * previous version (a rollback back to it lifts the mark).
 */
export type MarkKind = 'rejected' | 'left';

export interface ServerMark {
  slot: Slot;
  kind: MarkKind;
  note?: RejectionNote;
  /**
   * the servers Glidepath put in MAINT, by name; undefined for a mark an older Glidepath left
   * (it drained the slot's servers and listed none)
   */
  servers?: string[];
  /** those of `servers` an operator had drained before: lifting the mark drains them again */
  drained: string[];
}

/** What a process variable's str() takes without quoting: the rest is escaped; `+` joins fields. */
const VAR_SAFE = /[A-Za-z0-9._:/@-]/;

/** `slot+run+at+reason+kind+servers+drained`, each field escaped; the first four as the note has them. */
export function encodeMark(mark: ServerMark): string {
  const f = mark.note ? noteFields(mark.note) : { run: '', at: '', reason: '' };
  return [mark.slot, f.run, f.at, f.reason, mark.kind, (mark.servers ?? []).join(','), mark.drained.join(',')]
    .map((v) => escapeNote(v, VAR_SAFE))
    .join('+');
}

/** The mark, or undefined when the variable holds none (empty, never set, or unreadable). */
export function decodeMark(value: string | undefined): ServerMark | undefined {
  const [slot, run, at, reason, kind, servers, drained] = (value ?? '').split('+').map(unescapeNote);
  if (slot !== 'blue' && slot !== 'green') return undefined;
  const note = noteFrom({ run, at, reason });
  const list = (text: string | undefined) => (text ? text.split(',').filter(Boolean) : []);
  return {
    slot,
    kind: kind === 'left' ? 'left' : 'rejected',
    ...(note ? { note } : {}),
    // four fields: a mark from before the servers were listed
    ...(kind === undefined ? {} : { servers: list(servers) }),
    drained: list(drained),
  };
}
