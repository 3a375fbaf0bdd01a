// One HAProxy instance's runtime API: the few commands Glidepath sends, each answered or refused in HAProxy's words.
// The router, the stats check and the run lock run these on every instance of a deploy, in the order given.
import type { HaproxySlot, Slot, SocketAddress } from '../config/types.js';
import { SHOW_SERVER_STATS, formatAddress, parseShowStat, sendCommand } from './haproxy-socket.js';
import { resolveSlots, serverName, type ServerView, type SlotServers } from './haproxy-servers.js';

/** What a process variable's str() takes without quoting (mark-note.ts escapes the rest into `=XX`). */
export const VAR_SAFE = /^[A-Za-z0-9._:/@+=-]*$/;

export class HaproxyInstance {
  /** the address as given in haproxy-socket: how messages name this instance */
  readonly name: string;

  constructor(
    readonly address: SocketAddress,
    private readonly opts: { timeoutMs?: number } = {},
  ) {
    this.name = formatAddress(address);
  }

  /** `HAProxy at /run/haproxy.sock`, for messages */
  get where(): string {
    return `HAProxy at ${this.name}`;
  }

  send(line: string): Promise<string> {
    return sendCommand(
      this.address,
      line,
      this.opts.timeoutMs === undefined ? {} : { timeoutMs: this.opts.timeoutMs },
    );
  }

  /**
   * Sends a line of commands that answer nothing on success; anything else is HAProxy's own words,
   * kept verbatim (one answer per refused command, joined for the log).
   */
  async run(line: string): Promise<void> {
    const reply = await this.send(line);
    const answers = reply
      .split(/\n\s*\n/)
      .map((a) => a.trim())
      .filter((a) => a !== '');
    if (answers.length > 0) {
      const several = line.includes(';') ? ' (commands before the refused one may have applied)' : '';
      throw new Error(`${this.where} refused "${line}": ${answers.join(' / ')}${several}`);
    }
  }

  /** Every server row of `show stat` (one round trip; well under a millisecond on a unix socket). */
  async serverRows(): Promise<Record<string, string>[]> {
    return parseShowStat(await this.send(SHOW_SERVER_STATS));
  }

  /** The servers of both slots as this instance has them now. */
  async slots(
    slots: Record<Slot, HaproxySlot>,
    lack?: { mayLack?: Slot; missing?: string[] },
  ): Promise<SlotServers> {
    return resolveSlots(await this.serverRows(), slots, this.where, lack);
  }

  /** `set server … state …` for each server, in one line; nothing to send for none. */
  async setState(servers: readonly ServerView[], state: 'ready' | 'drain' | 'maint'): Promise<void> {
    if (servers.length === 0) return;
    await this.run(servers.map((s) => `set server ${serverName(s)} state ${state}`).join('; '));
  }

  /**
   * A process-wide variable (`proc.…`). `set var` is an experimental-mode CLI command in 2.6 (admin
   * level is enough); like runtime weights it is lost on reload. '' empties it.
   */
  async setVar(name: string, value: string): Promise<void> {
    if (!VAR_SAFE.test(value))
      throw new Error(`${this.where}: "${value}" cannot be stored in ${name} unescaped`);
    await this.run(`experimental-mode on; set var ${name} str(${value})`);
  }

  /**
   * Sets the variable to `value` only if it still holds `expected` ('' matches empty and never set),
   * in one command: HAProxy reads the current value (`concat` of the variable, '' when unset) and
   * rewrites it with `regsub` anchored on `expected` within that command, so a run that wrote since
   * the caller read is never overwritten. Whether the write happened is the caller's to read back.
   */
  async setVarIf(name: string, expected: string, value: string): Promise<void> {
    for (const v of [expected, value])
      if (!VAR_SAFE.test(v)) throw new Error(`${this.where}: "${v}" cannot be stored in ${name} unescaped`);
    // of the characters VAR_SAFE lets through only `.` and `+` mean something in a regex
    const pattern = `^${expected.replace(/[.+]/g, (c) => `[${c}]`)}$`;
    await this.run(
      `experimental-mode on; set var ${name} str(),concat(,${name},),regsub(${pattern},${value})`,
    );
  }

  /** The variable's value, '' when empty, undefined when it was never set since HAProxy started. */
  async getVar(name: string): Promise<string | undefined> {
    const reply = await this.send(`get var ${name}`);
    return /value=<([^>]*)>/.exec(reply)?.[1];
  }
}
