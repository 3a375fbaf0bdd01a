// Post step (post-if: always()): if main died or was cancelled mid-shift, put all traffic back on the
// live slot; release a run lock main could not release.
import * as core from '@actions/core';
import { readInputs } from './config/read-inputs.js';
import { parseInputs } from './config/parse.js';
import { loadLock, loadRunId, loadSplit, runIdentity, type SplitState } from './run-state.js';
import { restoreLive } from './engine/restore.js';
import { LEFT_WATCH_MS, watchLeft } from './engine/left.js';
import { leftSentence } from './report/progress.js';
import { systemClock } from './ports/clock.js';
import { slotLabel, type TrafficRouter } from './ports/traffic.js';
import { describeWeights } from './engine/slots.js';
import type { Slot } from './config/types.js';
import { MIN_SECRET_LENGTH } from './shared/redact.js';
import { AwsClients } from './traffic/aws-clients.js';
import { createRouter } from './traffic/create-router.js';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function post(): Promise<void> {
  const { split, held } = loadSplit();
  const restore = split && !held ? split : undefined;
  const runId = loadRunId();
  const lock = loadLock();
  const locked = lock.held && runId !== undefined;
  if (!restore && !locked) {
    core.debug(
      held
        ? 'the deploy was held on purpose: leaving traffic as it is'
        : 'main left traffic at rest: nothing to do',
    );
    return;
  }
  const parsed = parseInputs(readInputs());
  for (const s of parsed.secrets) if (s.length >= MIN_SECRET_LENGTH) core.setSecret(s);
  if (!parsed.ok) {
    core.setFailed(
      restore
        ? `main left traffic split (${describeWeights(restore.weights)}) and the inputs no longer parse: set ${restore.live} to 100% by hand`
        : `main left its run lock behind and the inputs no longer parse: ${lock.clear ? `clear it by hand: ${lock.clear}` : 'remove it by hand'} (it also expires on its own)`,
    );
    return;
  }
  const router = await createRouter(parsed.config, new AwsClients(parsed.config.awsRegion));
  try {
    if (restore) await putBack(router, restore);
  } finally {
    // main died holding the run lock (ALB): without this, abort and rollback would wait for its expiry
    if (locked && router.unlock) {
      await router
        .unlock(runId!)
        .catch((e: unknown) =>
          core.warning(
            `could not release the lock: ${message(e)}${lock.clear ? `; it expires on its own, or clear it by hand: ${lock.clear}` : ''}`,
          ),
        );
    }
    await router.close?.();
  }
}

async function putBack(router: TrafficRouter, split: SplitState): Promise<void> {
  core.warning(
    `the main step did not finish its shift (last set ${describeWeights(split.weights)}): restoring ${split.live} to 100%`,
  );
  const restored = await restoreLive({ router, clock: systemClock }, split.live, split.weights);
  // the target holds a version nobody verified: a manual rollback must not switch to it, and the
  // mark moves clients pinned to it off it (worth trying even when the restore failed)
  const { runId, runUrl } = runIdentity();
  const note = {
    run: runUrl ?? runId,
    at: Date.now(),
    reason: `not verified: the main step stopped mid-shift; the post step put ${split.live} back to 100%`,
  };
  for (const [what, call] of [
    [`mark ${split.target} as rejected`, () => router.reject?.(split.target, note)],
    ['forget the target', () => router.markTarget?.(undefined)],
  ] as const) {
    if (!restored.ok && what === 'forget the target') continue;
    await Promise.resolve(call()).catch((e: unknown) => core.warning(`could not ${what}: ${message(e)}`));
  }
  if (!restored.ok) {
    core.setFailed(restored.message);
    return;
  }
  const names = router.slotNames?.();
  const L = (s: Slot) => slotLabel(s, names);
  // did traffic really leave the target? the same short watch as after a restore in the main step
  const seen = await watchLeft({ router, clock: systemClock }, split.target, LEFT_WATCH_MS);
  if (seen) {
    const text = leftSentence(L(split.target), seen);
    if ('requests' in seen && seen.requests === 0) core.info(`traffic left: ${text}`);
    else core.warning(text);
  }
  // traffic is safe again: the step stays green, and the warning says the deploy did not finish
  // (only a restore that failed turns the post step red, above); a router that names its slots
  // (Lambda versions) knows them once it has read and written
  core.warning(
    `the deploy to ${L(split.target)} did not finish (the main step stopped mid-shift); ${L(split.live)} has 100% of traffic again: ${describeWeights(restored.state.weights, names)} on ${router.description}`,
    { title: 'Glidepath restored the live slot' },
  );
}

/** The post step; src/post-index.ts starts it for the bundle. */
export async function run(): Promise<void> {
  await post().catch((e: unknown) => core.setFailed(`Glidepath post step crashed: ${message(e)}`));
}
