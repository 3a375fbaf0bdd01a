// TrafficRouter over the HAProxy runtime API: percent splits as absolute server weights in one backend.
import type { HaproxyServerRef, ProviderConfig, Slot, SocketAddress } from '../config/types.js';
import type {
  Rejection,
  RejectionNote,
  RouterState,
  SlotState,
  TrafficRouter,
  Weights,
} from '../ports/traffic.js';
import { escapeNote, noteFields, noteFrom, unescapeNote } from './mark-note.js';
import {
  SHOW_SERVER_STATS,
  findServerRow,
  formatAddress,
  parseShowStat,
  sendCommand,
} from './haproxy-socket.js';

export type HaproxyProvider = Extract<ProviderConfig, { kind: 'haproxy' }>;

const SLOTS: readonly Slot[] = ['blue', 'green'];
const inputOf = (slot: Slot) => `${slot}-target`;
/** What a process variable's str() takes without quoting: the rest is escaped (mark-note.ts); `+` joins fields. */
const VAR_SAFE = /[A-Za-z0-9._:/@-]/;
/** The admin state Glidepath's rejected mark puts a server in (`set server … state drain`). */
const MARK_STATE = 'drain';
const refText = (ref: HaproxyServerRef) => `${ref.backend}/${ref.server}`;

/**
 * A server takes balanced traffic when UP (also `UP 1/3`, going down but not yet down) or when it
 * has no health check. DRAIN/MAINT keep their weight column but take no new balanced traffic,
 * so eligibility comes from `status`, never from `weight`.
 */
export function isEligibleStatus(status: string): boolean {
  const s = status.trim();
  return /^UP\b/.test(s) || s === 'no check';
}

/**
 * Percent → HAProxy absolute weight. The percent itself is the weight: 0..100 lies within
 * HAProxy's 0..256, so an integer percent is applied exactly and reads back exactly, with no
 * scale factor to round. The `%` suffix is never used: it is relative to the configured weight,
 * and a server configured `weight 0` would stay 0 whatever percent is sent.
 */
function toAbsolute(w: Weights): Weights {
  const blue = Math.round(w.blue);
  return { blue, green: 100 - blue };
}

function validate(w: Weights): void {
  for (const slot of SLOTS) {
    const v = w[slot];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) {
      throw new Error(`HAProxy weights: ${slot} is ${String(v)}; accepted: a percent from 0 to 100`);
    }
  }
  if (w.blue === 0 && w.green === 0) {
    throw new Error(
      'HAProxy weights: blue 0 and green 0 would send traffic nowhere; accepted: two percents summing to 100',
    );
  }
  if (Math.abs(w.blue + w.green - 100) > 1e-9) {
    throw new Error(
      `HAProxy weights: blue ${w.blue} + green ${w.green} = ${w.blue + w.green}; accepted: two percents summing to 100`,
    );
  }
}

/** `N (initial M)` → N */
function parseGetWeight(reply: string, ref: HaproxyServerRef, slot: Slot, address: SocketAddress): number {
  const m = /^\s*(\d+)\s*\(initial/.exec(reply);
  if (!m) {
    throw new Error(
      `HAProxy at ${formatAddress(address)} answered "get weight ${refText(ref)}" (${inputOf(slot)}) with: ${reply.trim()}`,
    );
  }
  return Number(m[1]);
}

export class HaproxyRouter implements TrafficRouter {
  readonly description: string;
  private readonly timeoutMs: number | undefined;

  constructor(
    private readonly provider: HaproxyProvider,
    opts: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = opts.timeoutMs;
    this.description = `HAProxy ${formatAddress(provider.socket)} (${refText(provider.blue)}, ${refText(provider.green)})`;
  }

  private send(line: string): Promise<string> {
    return sendCommand(
      this.provider.socket,
      line,
      this.timeoutMs === undefined ? {} : { timeoutMs: this.timeoutMs },
    );
  }

  async read(): Promise<RouterState> {
    const rows = parseShowStat(await this.send(SHOW_SERVER_STATS));
    const found = SLOTS.map((slot) => {
      const ref = this.provider[slot];
      const row = findServerRow(rows, ref, inputOf(slot), this.provider.socket);
      // uweight is the weight `set weight` wrote; `weight` is the effective one that slowstart ramps
      const raw = row.uweight !== undefined && row.uweight !== '' ? row.uweight : row.weight;
      const weight = Number(raw);
      if (!Number.isFinite(weight)) {
        throw new Error(
          `HAProxy at ${formatAddress(this.provider.socket)}: unreadable weight "${raw}" for ${refText(ref)} (${inputOf(slot)})`,
        );
      }
      return { slot, ref, weight, status: row.status ?? '' };
    });
    const [b, g] = found as [(typeof found)[0], (typeof found)[0]];
    const sum = b.weight + g.weight;
    // two decimals are plenty for a report; green is the remainder so the pair sums to 100
    const bluePct = sum === 0 ? 0 : Math.round((b.weight / sum) * 10000) / 100;
    const weights: Weights =
      sum === 0 ? { blue: 0, green: 0 } : { blue: bluePct, green: Math.round((100 - bluePct) * 100) / 100 };
    const ineligible = found.filter((f) => !isEligibleStatus(f.status)).map((f) => f.slot);
    const detail = found.map((f) => `${refText(f.ref)} weight ${f.weight} ${f.status}`).join(', ');
    return ineligible.length ? { weights, ineligible, detail } : { weights, detail };
  }

  /**
   * Drains the server of a rolled-back version: it has weight 0 already, and DRAIN makes read()
   * report it ineligible, so a later manual rollback refuses to send traffic to it. The note goes
   * into a process variable beside it: the drain alone cannot tell Glidepath's mark from an operator's.
   */
  async reject(slot: Slot, note?: RejectionNote): Promise<void> {
    await this.setState(slot, MARK_STATE);
    const fields = note ? noteFields(note) : { run: '', at: '', reason: '' };
    await this.setVar(
      this.rejectedVar,
      [slot, fields.run, fields.at, fields.reason].map((f) => escapeNote(f, VAR_SAFE)).join('+'),
    );
  }

  async rejected(): Promise<Rejection | undefined> {
    const value = await this.getVar(this.rejectedVar);
    const [slot, run, at, reason] = (value ?? '').split('+').map(unescapeNote);
    if (slot !== 'blue' && slot !== 'green') return undefined;
    const note = noteFrom({ run, at, reason });
    return note ? { slot, note } : { slot };
  }

  /**
   * Lifts Glidepath's own mark: only from a server in the state the mark put it in, with the note
   * naming it. An operator's MAINT and a DOWN server are never lifted.
   */
  async lift(slot: Slot): Promise<void> {
    const ref = refText(this.provider[slot]);
    if ((await this.rejected())?.slot !== slot)
      throw new Error(`Glidepath has no rejected mark on ${ref} to lift`);
    const rows = parseShowStat(await this.send(SHOW_SERVER_STATS));
    const status = (
      findServerRow(rows, this.provider[slot], inputOf(slot), this.provider.socket).status ?? ''
    ).trim();
    if (/^MAINT/.test(status))
      throw new Error(
        `${ref} is in MAINT, an operator's maintenance that Glidepath never lifts; bring it back by hand first`,
      );
    if (/^DOWN/.test(status))
      throw new Error(`${ref} is DOWN: its health check fails, so it cannot take traffic`);
    await this.setState(slot, 'ready');
    await this.setVar(this.rejectedVar, '');
  }

  /** A drained or maintained server takes no balanced traffic whatever its weight: ready it before a shift. */
  async prepare(slot: Slot): Promise<void> {
    await this.setState(slot, 'ready');
    // a new version is going there: the mark and its note no longer describe it
    if ((await this.rejected())?.slot === slot) await this.setVar(this.rejectedVar, '');
  }

  async slotStates(): Promise<Partial<Record<Slot, SlotState>>> {
    const rows = parseShowStat(await this.send(SHOW_SERVER_STATS));
    const out: Partial<Record<Slot, SlotState>> = {};
    for (const slot of SLOTS) {
      const ref = this.provider[slot];
      const row = findServerRow(rows, ref, inputOf(slot), this.provider.socket);
      const check = row.check_status ? `, check ${row.check_status}` : '';
      out[slot] = { state: (row.status ?? '').trim() || 'unknown', detail: `${refText(ref)}${check}` };
    }
    return out;
  }

  /**
   * The deploy's target slot, kept in HAProxy itself as a process-wide variable so a later promote
   * or abort job tells the new slot from the old one at any split. `set var` is an experimental-mode
   * CLI command in 2.6 (admin level is enough); like runtime weights it is lost on reload.
   */
  async markTarget(slot: Slot | undefined): Promise<void> {
    await this.setVar(this.targetVar, slot ?? 'none');
  }

  async markedTarget(): Promise<Slot | undefined> {
    const value = await this.getVar(this.targetVar);
    return value === 'blue' || value === 'green' ? value : undefined;
  }

  /** one variable per backend: several services may share an HAProxy */
  private get targetVar(): string {
    return `proc.glidepath_target_${this.backendVar}`;
  }

  private get rejectedVar(): string {
    return `proc.glidepath_rejected_${this.backendVar}`;
  }

  private get backendVar(): string {
    return this.provider.blue.backend.replace(/[^A-Za-z0-9_]/g, '_');
  }

  /** `value` must be VAR_SAFE characters (or escaped into them); '' empties the variable */
  private async setVar(name: string, value: string): Promise<void> {
    const line = `experimental-mode on; set var ${name} str(${value})`;
    const reply = (await this.send(line)).trim();
    if (reply !== '')
      throw new Error(`HAProxy at ${formatAddress(this.provider.socket)} refused "${line}": ${reply}`);
  }

  private async getVar(name: string): Promise<string | undefined> {
    const reply = await this.send(`get var ${name}`);
    return /value=<([^>]*)>/.exec(reply)?.[1];
  }

  private async setState(slot: Slot, state: 'ready' | typeof MARK_STATE): Promise<void> {
    const line = `set server ${refText(this.provider[slot])} state ${state}`;
    const reply = (await this.send(line)).trim();
    if (reply !== '') {
      throw new Error(`HAProxy at ${formatAddress(this.provider.socket)} refused "${line}": ${reply}`);
    }
  }

  async set(requested: Weights): Promise<RouterState> {
    validate(requested);
    const target = toAbsolute(requested);
    const { blue, green } = this.provider;

    // Which slot gains decides the order; the current weights come from `get weight`, whose
    // reply is HAProxy's own text (e.g. `No such server.`) when a target is wrong.
    const [curBlue, curGreen] = await Promise.all([
      this.send(`get weight ${refText(blue)}`).then((r) =>
        parseGetWeight(r, blue, 'blue', this.provider.socket),
      ),
      this.send(`get weight ${refText(green)}`).then((r) =>
        parseGetWeight(r, green, 'green', this.provider.socket),
      ),
    ]);
    const curSum = curBlue + curGreen;
    const curGreenPct = curSum === 0 ? 0 : (curGreen / curSum) * 100;
    // Raise the gaining server before lowering the losing one, in one line, so no instant has
    // both at 0. With nothing to compare (both 0 now), the larger target goes first for the same reason.
    const greenFirst = curSum === 0 ? target.green >= target.blue : target.green > curGreenPct;
    const cmds = [
      `set weight ${refText(green)} ${target.green}`,
      `set weight ${refText(blue)} ${target.blue}`,
    ];
    const line = (greenFirst ? cmds : cmds.reverse()).join('; ');

    const reply = await this.send(line);
    // success is an empty answer per command; anything else is HAProxy's own words, kept verbatim
    // (one answer per refused command, joined on one line for the log)
    const answers = reply
      .split(/\n\s*\n/)
      .map((a) => a.trim())
      .filter((a) => a !== '');
    if (answers.length > 0) {
      throw new Error(
        `HAProxy at ${formatAddress(this.provider.socket)} refused "${line}": ${answers.join(' / ')} ` +
          '(commands before the refused one may have applied; read the weights back)',
      );
    }
    return this.read();
  }
}
