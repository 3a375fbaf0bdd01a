// Post step (post-if: always()): if main died or was cancelled mid-shift, put all traffic back on the live slot.
import * as core from '@actions/core';
import { readInputs } from './config/read-inputs.js';
import { parseInputs } from './config/parse.js';
import { loadRunId, loadSplit } from './engine/run-state.js';
import { MIN_SECRET_LENGTH } from './report/redact.js';
import { AwsClients } from './traffic/aws-clients.js';
import { restoreLive } from './engine/restore.js';
import { systemClock } from './engine/ports.js';
import { describeWeights } from './engine/slots.js';
import { createRouter } from './traffic/create-router.js';

async function post(): Promise<void> {
  const { split, held } = loadSplit();
  if (!split || held) {
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
      `main left traffic split (${describeWeights(split.weights)}) and the inputs no longer parse: set ${split.live} to 100% by hand`,
    );
    return;
  }
  const router = createRouter(parsed.config, new AwsClients(parsed.config.awsRegion));
  try {
    core.warning(
      `the main step did not finish its shift (last set ${describeWeights(split.weights)}): restoring ${split.live} to 100%`,
    );
    const restored = await restoreLive({ router, clock: systemClock }, split.live, split.weights);
    if (restored.ok) {
      core.notice(`traffic restored: ${describeWeights(restored.state.weights)} on ${router.description}`, {
        title: 'Glidepath restored the live slot',
      });
      core.setFailed(`the deploy did not finish; ${split.live} has 100% of traffic again`);
    } else {
      core.setFailed(restored.message);
    }
  } finally {
    // main died holding the run lock (ALB): without this, abort and rollback would wait for its expiry
    const runId = loadRunId();
    if (runId && router.unlock) {
      await router
        .unlock(runId)
        .catch((e: unknown) =>
          core.warning(`could not release the lock: ${e instanceof Error ? e.message : String(e)}`),
        );
    }
    await router.close?.();
  }
}

post().catch((e: unknown) =>
  core.setFailed(`Glidepath post step crashed: ${e instanceof Error ? e.message : String(e)}`),
);
