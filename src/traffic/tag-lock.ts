// A run lock kept in a resource tag (ALB listener or rule, Lambda function): take, read back, release.
//
// Tags have no compare-and-swap: two runs may both write the tag; the read-back after the write says
// who won. The value is `<run id> <expiry ISO time>`: a lock left by a run that died expires. A value
// in any other form is never replaced: it may be another tool's lock, and taking it over unread is
// how two deploys end up shifting the same traffic.
import { LOCK_CLOCK_SKEW_MS } from '../config/limits.js';
import { formatDuration } from '../config/durations.js';

/** Reads and writes the tags of the one resource that holds the lock. */
export interface TagStore {
  read(): Promise<Record<string, string>>;
  write(tags: Record<string, string>): Promise<void>;
  remove(keys: string[]): Promise<void>;
}

export interface TagLockOptions {
  store: TagStore;
  /** the tag key, e.g. `glidepath:lock` */
  key: string;
  /** how messages start, e.g. `ALB` */
  system: string;
  /** what is locked, as messages name it, e.g. `the rule arn:aws:...` */
  thing: string;
  /** the exact shell command that removes the tag by hand, for messages that ask a person to */
  clear: string;
  now: () => number;
  warn: (message: string) => void;
}

/** How a lock tag's value reads, for messages and the README. */
export const TAG_LOCK_FORM = '`<run id> <expiry, ISO 8601 UTC>`, like `4242-1-1234 2026-12-01T04:12:00.000Z`';

/** Tag values accept letters, digits, spaces and `_ . : / = + - @` only (max 256), in ELBv2 and Lambda alike. */
export function tagSafe(value: string): string {
  return value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, 256);
}

const holder = (runId: string) => tagSafe(runId).replace(/\s/g, '_');

function lockValue(runId: string, expiresAt: number): string {
  // `;` is not allowed in tag values, so the two parts are separated by a space.
  return `${holder(runId)} ${new Date(expiresAt).toISOString()}`;
}

export function parseLock(value: string): { runId: string; expiresAt: number } | undefined {
  const m = /^(\S+) (\d{4}-\d{2}-\d{2}T\S+)$/.exec(value.trim());
  if (!m) return undefined;
  const expiresAt = Date.parse(m[2]!);
  return Number.isNaN(expiresAt) ? undefined : { runId: m[1]!, expiresAt };
}

/** Whether a lock that expires at `expiresAt` by its holder's clock may be taken over at `now` by ours. */
export function lockExpired(expiresAt: number, now: number): boolean {
  return now > expiresAt + LOCK_CLOCK_SKEW_MS;
}

/**
 * Why a live lock stops this run: the holder, the expiry, and when a crashed holder's lock is taken
 * over (the expiry plus the clock-skew tolerance).
 */
export function lockedMessage(what: string, run: string, expiresAt: number, now: number): string {
  const until = new Date(expiresAt).toISOString();
  const over = new Date(expiresAt + LOCK_CLOCK_SKEW_MS).toISOString();
  const grace =
    expiresAt <= now
      ? ` (expired by this runner's clock, but clocks may differ by up to ${formatDuration(LOCK_CLOCK_SKEW_MS)}: it is taken over after ${over})`
      : '';
  return `${what} is locked by run ${run} until ${until}${grace}`;
}

/** Why a lock that does not read as one stops this run: where it is, what it holds, how to clear it. */
export function unreadableLockMessage(o: {
  system: string;
  thing: string;
  where: string;
  value: string;
  form: string;
  clear: string;
  /** true when a run is refused for it (else it is status describing it) */
  refusing: boolean;
}): string {
  const then = o.refusing ? 'so nothing was moved' : 'so every run is refused until it is cleared';
  return (
    `${o.system}: ${o.where} on ${o.thing} holds ${JSON.stringify(o.value)}, which is not a Glidepath lock ` +
    `(a lock reads ${o.form}): another tool's lock, or a damaged one. Glidepath never takes over a lock it cannot read, ` +
    `${then}. If no deploy is running there, clear it: ${o.clear}`
  );
}

/** Takes the lock for `ttlMs`, or throws naming the run that holds it. */
export async function takeTagLock(o: TagLockOptions, runId: string, ttlMs: number): Promise<void> {
  const now = o.now();
  const current = (await o.store.read())[o.key];
  if (current !== undefined && current !== '') {
    const held = parseLock(current);
    if (!held) {
      throw new Error(
        unreadableLockMessage({
          system: o.system,
          thing: o.thing,
          where: `the tag ${o.key}`,
          value: current,
          form: TAG_LOCK_FORM,
          clear: o.clear,
          refusing: true,
        }),
      );
    } else if (held.runId !== holder(runId)) {
      if (!lockExpired(held.expiresAt, now)) {
        throw new Error(
          `${o.system}: ${lockedMessage(o.thing, held.runId, held.expiresAt, now)} (tag ${o.key}); ` +
            `another deploy is shifting this traffic. Wait for it; if that run is gone, clear the lock: ${o.clear}`,
        );
      }
      const until = new Date(held.expiresAt).toISOString();
      o.warn(`${o.system}: took over the expired lock of run ${held.runId} (expired ${until}) on ${o.thing}`);
    }
  }
  const value = lockValue(runId, now + ttlMs);
  let after: string | undefined;
  try {
    await o.store.write({ [o.key]: value });
    after = (await o.store.read())[o.key];
  } catch (e) {
    // the write may have landed before the call failed: leave nothing of this run's behind
    await release(o, runId, false).catch(() => undefined);
    throw e;
  }
  if (after !== value) {
    const other = after ? (parseLock(after)?.runId ?? after) : 'nobody';
    throw new Error(`${o.system}: lost the lock on ${o.thing} to run ${other} (tag ${o.key})`);
  }
}

/**
 * Removes the lock if this run holds it; another run's lock stays (with a warning), and so does a
 * value that is not a lock at all: this run never wrote it.
 */
export async function releaseTagLock(o: TagLockOptions, runId: string): Promise<void> {
  await release(o, runId, true);
}

async function release(o: TagLockOptions, runId: string, say: boolean): Promise<void> {
  const current = (await o.store.read())[o.key];
  if (current === undefined || current === '') return;
  const held = parseLock(current);
  if (!held) return;
  if (held.runId !== holder(runId)) {
    if (say) o.warn(`${o.system}: lock now held by run ${held.runId}; left in place`);
    return;
  }
  await o.store.remove([o.key]);
}

/** The lock as status shows it: the holder, or what the tag holds when it is no lock. */
export function tagLockHolder(
  o: Pick<TagLockOptions, 'system' | 'thing' | 'key' | 'clear'>,
  current: string | undefined,
): { run: string; expiresAt: number; problem?: string } | undefined {
  if (!current) return undefined;
  const held = parseLock(current);
  if (held) return { run: held.runId, expiresAt: held.expiresAt };
  return {
    run: 'unknown',
    expiresAt: NaN,
    problem: unreadableLockMessage({
      system: o.system,
      thing: o.thing,
      where: `the tag ${o.key}`,
      value: current,
      form: TAG_LOCK_FORM,
      clear: o.clear,
      refusing: false,
    }),
  };
}
