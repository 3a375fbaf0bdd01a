// A run lock kept in a resource tag (ALB listener or rule, Lambda function): take, read back, release.
//
// Tags have no compare-and-swap: two runs may both write the tag; the read-back after the write says
// who won. The value is `<run id> <expiry ISO time>`: a lock left by a run that died expires.

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
  now: () => number;
  warn: (message: string) => void;
}

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

/** Takes the lock for `ttlMs`, or throws naming the run that holds it. */
export async function takeTagLock(o: TagLockOptions, runId: string, ttlMs: number): Promise<void> {
  const now = o.now();
  const current = (await o.store.read())[o.key];
  if (current !== undefined && current !== '') {
    const held = parseLock(current);
    if (!held) {
      o.warn(`${o.system}: replaced an unreadable ${o.key} tag "${current}" on ${o.thing}`);
    } else if (held.runId !== holder(runId)) {
      const until = new Date(held.expiresAt).toISOString();
      if (held.expiresAt > now) {
        throw new Error(
          `${o.system}: ${o.thing} is locked by run ${held.runId} until ${until} (tag ${o.key}); ` +
            'another deploy is shifting this traffic. Wait for it, or remove the tag if that run is gone.',
        );
      }
      o.warn(`${o.system}: took over the expired lock of run ${held.runId} (expired ${until}) on ${o.thing}`);
    }
  }
  const value = lockValue(runId, now + ttlMs);
  await o.store.write({ [o.key]: value });
  const after = (await o.store.read())[o.key];
  if (after !== value) {
    const other = after ? (parseLock(after)?.runId ?? after) : 'nobody';
    throw new Error(`${o.system}: lost the lock on ${o.thing} to run ${other} (tag ${o.key})`);
  }
}

/** Removes the lock if this run holds it (or nobody can tell who does); another run's lock stays. */
export async function releaseTagLock(o: TagLockOptions, runId: string): Promise<void> {
  const current = (await o.store.read())[o.key];
  if (current === undefined) return;
  const held = parseLock(current);
  if (held && held.runId !== holder(runId)) {
    o.warn(`${o.system}: lock now held by run ${held.runId}; left in place`);
    return;
  }
  await o.store.remove([o.key]);
}
