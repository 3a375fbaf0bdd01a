// A clock for tests: sleeping advances virtual time at once, so a five-minute bake runs in milliseconds.
// Deadlines (timer) fire when virtual time reaches them, in order, before a sleeper past them resumes.
import type { Clock, ClockTimer } from '../../src/ports/clock.js';

interface Pending {
  due: number;
  controller: AbortController;
  reason: () => unknown;
}

export class FakeClock implements Clock {
  private t: number;
  private timers: Pending[] = [];
  /** every sleep requested, in order (ms) */
  readonly sleeps: number[] = [];
  /** called after time advanced, before the sleeper resumes: lets a test change the world at a time */
  onAdvance?: (now: number) => void | Promise<void>;

  constructor(start = Date.UTC(2026, 10, 22, 12, 0, 0)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  timer(ms: number, reason: () => unknown): ClockTimer {
    const p: Pending = { due: this.t + Math.max(0, ms), controller: new AbortController(), reason };
    this.timers.push(p);
    return {
      signal: p.controller.signal,
      cancel: () => {
        this.timers = this.timers.filter((x) => x !== p);
      },
    };
  }

  /** deadlines pending, for tests that assert none is left behind */
  get pendingTimers(): number {
    return this.timers.length;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    const end = this.t + Math.max(0, ms);
    // a deadline inside the sleep fires at its own time: a sleeper it aborts wakes there, not at the end
    for (let next = this.nextDue(end); next; next = this.nextDue(end)) {
      this.t = next.due;
      this.fire(next);
      await new Promise((r) => setImmediate(r));
      if (signal?.aborted) throw signal.reason;
    }
    this.t = end;
    await this.onAdvance?.(this.t);
    // let other pending promises run, as real time would
    await new Promise((r) => setImmediate(r));
    if (signal?.aborted) throw signal.reason;
  }

  /** Moves time forward without anyone sleeping (e.g. while the engine waits on a check that hangs). */
  async advance(ms: number): Promise<void> {
    const end = this.t + Math.max(0, ms);
    for (let next = this.nextDue(end); next; next = this.nextDue(end)) {
      this.t = next.due;
      this.fire(next);
      await new Promise((r) => setImmediate(r));
    }
    this.t = end;
    await this.onAdvance?.(this.t);
    await new Promise((r) => setImmediate(r));
  }

  private nextDue(end: number): Pending | undefined {
    let first: Pending | undefined;
    for (const p of this.timers) if (p.due <= end && (!first || p.due < first.due)) first = p;
    return first;
  }

  private fire(p: Pending): void {
    this.timers = this.timers.filter((x) => x !== p);
    p.controller.abort(p.reason());
  }
}
