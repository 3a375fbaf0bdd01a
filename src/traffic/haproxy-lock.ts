// The run lock on HAProxy: a process variable per backend on every instance of the deploy, holding
// the run and an expiry, so two deploys never shift (or deploy to) the same backend at once.
//
// The runtime API has no compare-and-set. A take reads the variable, writes its own value with a
// command that only writes when the variable still holds what was read (`regsub` over its current
// value: HAProxy reads and writes it within one command), pauses a short random time, and reads it
// back. Two runs that read "free" at the same instant both write; the second write finds the
// first's value and changes nothing, and the read-back after the pause tells each who won. The
// pause covers what one command cannot: two CLI commands run at once on two HAProxy threads.
//
// The value is `<run id>+<expiry, ISO 8601 UTC>[+<run URL>]`, the id and URL escaped (mark-note.ts)
// into the characters `str()` takes. The expiry is an absolute time from the holder's clock; another
// run takes the lock over once that time is LOCK_CLOCK_SKEW_MS (config/limits.ts) past by its own clock. Like runtime
// weights, the variable is lost when HAProxy reloads: the lock is then simply gone.
import type { LockHolder } from '../ports/traffic.js';
import { HaproxyInstance } from './haproxy-instance.js';
import { escapeNote, unescapeNote } from './mark-note.js';
import { lockExpired, lockedMessage, unreadableLockMessage } from './tag-lock.js';

/** The pause between writing the lock and reading it back, drawn at random in [min, max). */
export const LOCK_PAUSE_MS = { min: 100, max: 200 };

/** How the variable's value reads, for messages and the README. */
export const HAPROXY_LOCK_FORM =
  '`<run id>+<expiry, ISO 8601 UTC>[+<run URL>]`, like `4242-1-1234+2026-12-01T04:12:00.000Z+https://github.com/o/r/actions/runs/4242`';

/** The characters a field keeps as they are (no `+`: it joins the fields; `=` is the escape). */
const FIELD_SAFE = /[A-Za-z0-9._:/@-]/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

export interface HaproxyLockValue {
  runId: string;
  expiresAt: number;
  url?: string;
}

export function formatHaproxyLock(v: HaproxyLockValue): string {
  const fields = [escapeNote(v.runId, FIELD_SAFE), new Date(v.expiresAt).toISOString()];
  if (v.url) fields.push(escapeNote(v.url, FIELD_SAFE));
  return fields.join('+');
}

/** The lock a value holds; 'free' for none; undefined when it is something else. */
export function parseHaproxyLock(value: string | undefined): HaproxyLockValue | 'free' | undefined {
  if (value === undefined || value === '') return 'free';
  const fields = value.split('+');
  if (fields.length < 2 || fields.length > 3) return undefined;
  const [id, at, url] = fields as [string, string, string | undefined];
  if (id === '' || !ISO.test(at)) return undefined;
  const expiresAt = Date.parse(at);
  if (Number.isNaN(expiresAt)) return undefined;
  return { runId: unescapeNote(id), expiresAt, ...(url ? { url: unescapeNote(url) } : {}) };
}

export interface HaproxyLockOptions {
  /** epoch ms by this run's clock (default Date.now) */
  now?: () => number;
  /** an expired lock taken over, a lock left in place */
  warn?: (message: string) => void;
  /** the wait between the write and the read-back (default: random, LOCK_PAUSE_MS) */
  pause?: () => Promise<void>;
}

const randomPause = () =>
  new Promise<void>((resolve) =>
    setTimeout(resolve, LOCK_PAUSE_MS.min + Math.random() * (LOCK_PAUSE_MS.max - LOCK_PAUSE_MS.min)),
  );

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class HaproxyRunLock {
  /** `proc.glidepath_lock_<backend>`: one lock per backend, several services may share an HAProxy */
  readonly variable: string;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private readonly pause: () => Promise<void>;

  constructor(
    private readonly instances: readonly HaproxyInstance[],
    /** the backend both slots' servers are in */
    private readonly backend: string,
    opts: HaproxyLockOptions = {},
  ) {
    this.variable = `proc.glidepath_lock_${backend.replace(/[^A-Za-z0-9_]/g, '_')}`;
    this.now = opts.now ?? Date.now;
    this.warn = opts.warn ?? (() => undefined);
    this.pause = opts.pause ?? randomPause;
  }

  /**
   * The exact commands that clear the lock by hand, one instance after the other (socat speaks the
   * runtime API as HAProxy's own documentation shows).
   */
  clearCommand(only?: readonly HaproxyInstance[]): string {
    return (only ?? this.instances)
      .map((i) => {
        const to =
          i.address.kind === 'unix' ? i.address.path : `tcp4-connect:${i.address.host}:${i.address.port}`;
        return `echo 'experimental-mode on; set var ${this.variable} str()' | socat stdio ${to}`;
      })
      .join(' && ');
  }

  /**
   * Takes the lock on every instance, in the order haproxy-socket lists them, so that of two runs
   * the one that wins the first instance goes on; a run that fails on a later instance takes its
   * own lock off the earlier ones before it throws.
   */
  async take(runId: string, ttlMs: number, runUrl?: string): Promise<void> {
    const now = this.now();
    const value = formatHaproxyLock({ runId, expiresAt: now + ttlMs, ...(runUrl ? { url: runUrl } : {}) });
    const taken: HaproxyInstance[] = [];
    try {
      for (const instance of this.instances) {
        await this.takeOn(instance, runId, value, now);
        taken.push(instance);
      }
    } catch (e) {
      const undo = await Promise.allSettled(taken.map((i) => this.releaseOn(i, runId)));
      const left = taken.filter((_, n) => undo[n]!.status === 'rejected');
      if (left.length === 0) throw e;
      throw new Error(
        `${message(e)}; and this run's lock could not be taken off ${left.map((i) => i.name).join(', ')} ` +
          `(${undo.flatMap((u) => (u.status === 'rejected' ? [message(u.reason)] : [])).join('; ')}): ` +
          `it expires ${new Date(now + ttlMs).toISOString()}, or clear it: ${this.clearCommand(left)}`,
        { cause: e },
      );
    }
  }

  private async takeOn(instance: HaproxyInstance, runId: string, value: string, now: number): Promise<void> {
    const before = await instance.getVar(this.variable);
    const held = parseHaproxyLock(before);
    if (held === undefined) {
      throw new Error(
        unreadableLockMessage({
          system: 'HAProxy',
          thing: instance.where,
          where: `the variable ${this.variable}`,
          value: before ?? '',
          form: HAPROXY_LOCK_FORM,
          clear: this.clearCommand([instance]),
          refusing: true,
        }),
      );
    }
    if (held !== 'free' && held.runId !== runId) {
      if (!lockExpired(held.expiresAt, now)) {
        const who = held.url ? `${held.runId} (${held.url})` : held.runId;
        throw new Error(
          `${lockedMessage(`backend ${this.backend} on ${instance.where}`, who, held.expiresAt, now)} ` +
            `(variable ${this.variable}); another deploy is using this backend. Wait for it; if that run is gone, clear the lock: ${this.clearCommand([instance])}`,
        );
      }
      this.warn(
        `HAProxy: took over the expired lock of run ${held.runId} (expired ${new Date(held.expiresAt).toISOString()}) on ${instance.where}`,
      );
    }
    await instance.setVarIf(this.variable, before ?? '', value);
    await this.pause();
    const after = await instance.getVar(this.variable);
    if (after === value) return;
    const other = parseHaproxyLock(after);
    const winner =
      other === 'free'
        ? 'nobody (the variable was emptied meanwhile: HAProxy reloaded, or someone cleared it)'
        : other
          ? `run ${other.runId}`
          : JSON.stringify(after);
    throw new Error(
      `HAProxy: lost the lock on backend ${this.backend} on ${instance.where} to ${winner} (variable ${this.variable}): another deploy started at the same moment`,
    );
  }

  /**
   * Takes this run's lock off every instance that has it; another run's lock stays (with a warning),
   * and so does a value that is no lock. Throws naming the instances that did not answer.
   */
  async release(runId: string): Promise<void> {
    const settled = await Promise.allSettled(this.instances.map((i) => this.releaseOn(i, runId)));
    const failed = this.instances.filter((_, n) => settled[n]!.status === 'rejected');
    if (failed.length === 0) return;
    const why = settled.flatMap((s) => (s.status === 'rejected' ? [message(s.reason)] : [])).join('; ');
    throw new Error(`${why}; clear it by hand once HAProxy answers: ${this.clearCommand(failed)}`);
  }

  private async releaseOn(instance: HaproxyInstance, runId: string): Promise<void> {
    const current = await instance.getVar(this.variable);
    const held = parseHaproxyLock(current);
    if (held === 'free' || held === undefined) return;
    if (held.runId !== runId) {
      this.warn(`HAProxy: the lock on ${instance.where} is now held by run ${held.runId}; left in place`);
      return;
    }
    // only if it is still ours: a run that took it over meanwhile keeps it
    await instance.setVarIf(this.variable, current ?? '', '');
  }

  /**
   * Who holds the lock, for status: undefined when no instance keeps one. A lock some instances keep
   * and others do not (one reloaded), or a value that is no lock, is said in `problem`.
   */
  async holder(): Promise<LockHolder | undefined> {
    const values = await Promise.all(this.instances.map((i) => i.getVar(this.variable)));
    const read = values.map((v, n) => ({
      instance: this.instances[n]!,
      value: v,
      lock: parseHaproxyLock(v),
    }));
    const unreadable = read.filter((r) => r.lock === undefined);
    if (unreadable.length > 0) {
      const r = unreadable[0]!;
      return {
        run: 'unknown',
        expiresAt: NaN,
        problem: unreadableLockMessage({
          system: 'HAProxy',
          thing: r.instance.where,
          where: `the variable ${this.variable}`,
          value: r.value ?? '',
          form: HAPROXY_LOCK_FORM,
          clear: this.clearCommand(unreadable.map((u) => u.instance)),
          refusing: false,
        }),
      };
    }
    const held = read.flatMap((r) => (r.lock && r.lock !== 'free' ? [{ ...r, lock: r.lock }] : []));
    if (held.length === 0) return undefined;
    const first = held[0]!.lock;
    const free = read.filter((r) => r.lock === 'free').map((r) => r.instance.name);
    const others = held.filter((h) => h.lock.runId !== first.runId);
    const problem = others.length
      ? `the instances hold different runs' locks: ${held.map((h) => `${h.instance.name} run ${h.lock.runId}`).join(', ')}`
      : free.length
        ? `only ${held.map((h) => h.instance.name).join(', ')} ${held.length > 1 ? 'keep' : 'keeps'} it; ${free.join(', ')} ${free.length > 1 ? 'have' : 'has'} none (reloaded since the lock was taken?)`
        : undefined;
    return {
      run: first.runId,
      expiresAt: first.expiresAt,
      ...(first.url ? { url: first.url } : {}),
      ...(problem ? { problem } : {}),
    };
  }
}
