// Main step: read inputs, run the command, publish outputs and the report; sets the exit status.
import * as core from '@actions/core';
import { existsSync, writeFileSync } from 'node:fs';
import { readInputs } from './config/read-inputs.js';
import { parseInputs } from './config/parse.js';
import type { Config } from './config/types.js';
import { buildPlan } from './plan/build.js';
import { renderPlanLog, renderPlanMarkdown } from './report/plan-render.js';
import { runEngine } from './engine/engine.js';
import { Timeline } from './engine/timeline.js';
import { systemClock } from './engine/ports.js';
import { Fault } from './engine/fault.js';
import { createRouter } from './traffic/create-router.js';
import { createChecks } from './checks/create-checks.js';
import { ShellHookRunner } from './hooks/runner.js';
import { LogStream } from './report/log-stream.js';
import { publish, publishInputErrors, publishPlan } from './report/publish.js';
import { saveSplit, markHeld } from './engine/run-state.js';
import { Notifier } from './report/notifier.js';
import { GithubReporting } from './report/github-reporting.js';
import type { Plan } from './plan/types.js';

/**
 * The runner creates these files; a local run (act, a script, `npm run demo`) may only name them.
 * @actions/core refuses to write to a missing file, which would lose every output.
 */
function ensureCommandFiles(): void {
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY']) {
    const path = process.env[name];
    if (path && !existsSync(path)) writeFileSync(path, '');
  }
}

/** Which run this is, from the runner's environment: names the report file, the lock and the links. */
function runIdentity(): { runId: string; runUrl?: string } {
  const env = process.env;
  const runId = `${env.GITHUB_RUN_ID ?? 'local'}-${env.GITHUB_RUN_ATTEMPT ?? '1'}-${process.pid}`;
  const runUrl = env.GITHUB_RUN_ID
    ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
    : undefined;
  return { runId, runUrl };
}

async function main(): Promise<void> {
  ensureCommandFiles();
  const parsed = parseInputs(readInputs());
  for (const s of parsed.secrets) core.setSecret(s);
  if (!parsed.ok) {
    await publishInputErrors(parsed.errors, parsed.secrets, runIdentity());
    return;
  }
  const config = parsed.config;
  const plan = buildPlan(config);
  if (config.command === 'plan') {
    for (const line of renderPlanLog(plan)) core.info(line);
    await publishPlan(plan, renderPlanMarkdown(plan));
    return;
  }
  await execute(config, plan, parsed.secrets);
}

async function execute(config: Config, plan: Plan, secrets: string[]): Promise<void> {
  const { runId, runUrl } = runIdentity();

  const cancel = new AbortController();
  const onSignal = (sig: string) => () => {
    // the runner sends SIGINT, then SIGTERM ~7.5 s later: the first one starts the restore
    if (cancel.signal.aborted) return;
    core.warning(`received ${sig}: putting traffic back on the live slot`);
    cancel.abort(new Fault(`the run was cancelled (${sig})`));
  };
  const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM') };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);

  const limits = { maxErrorRate: config.maxErrorRate, maxLatency: config.maxLatency };
  const notifier = new Notifier(config, secrets, { runUrl });
  const log = new LogStream({ limits, secrets });
  const timeline = new Timeline((e) => {
    log.onEvent(e);
    if (e.type === 'run-start' && (config.command === 'deploy' || config.command === 'promote'))
      notifier.start(e.target);
  });

  const router = createRouter(config, secrets, (message) =>
    timeline.add({ at: Date.now(), type: 'warning', message }),
  );
  const { checks, gates } = createChecks(config, secrets);
  const hooks = new ShellHookRunner({ timeoutMs: config.hookTimeoutMs, secrets });
  const github = new GithubReporting(config, secrets, (message) => core.warning(message));
  try {
    await github.start();
    const outcome = await runEngine({
      config,
      plan,
      router,
      checks,
      gates,
      hooks,
      clock: systemClock,
      timeline,
      signal: cancel.signal,
      runId,
      runUrl,
      onSplit: saveSplit,
    });
    if (outcome.result === 'held') markHeld();
    notifier.outcome(outcome.result, {
      live: outcome.live,
      target: log.targetSlot,
      weight: outcome.weight,
      reason: outcome.reason,
    });
    await github.finish(outcome, runUrl);
    await publish({
      config,
      outcome,
      timeline,
      secrets,
      runUrl,
      runId,
      limits,
      deploymentId: github.deploymentId,
    });
    await notifier.settle();
  } finally {
    process.off('SIGINT', handlers.SIGINT);
    process.off('SIGTERM', handlers.SIGTERM);
    await router.close?.();
  }
}

main().catch((e: unknown) => {
  try {
    core.setOutput('result', 'failed');
  } catch {
    // the outputs file itself is the problem; the failure below still reaches the log
  }
  core.setFailed(`Glidepath crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
});
