// A run that moves traffic (every command but plan): wires the adapters, the engine and the report.
// main.ts imports it only for such a run, so `command: plan` never loads the engine, undici or the SDK.
import * as core from '@actions/core';
import type { Config } from './config/types.js';
import { runEngine } from './engine/engine.js';
import { IN_PLACE_ROUTER, runInPlace } from './engine/in-place.js';
import { runCleanup } from './engine/cleanup.js';
import { Timeline, slotNamesOf } from './ports/timeline.js';
import { slotLabel, type TrafficRouter } from './ports/traffic.js';
import { handedBackUrl } from './ports/handed-back.js';
import { systemClock } from './ports/clock.js';
import { Fault } from './engine/fault.js';
import { createRouter } from './traffic/create-router.js';
import { createChecks } from './checks/create-checks.js';
import { ShellHookRunner } from './hooks/runner.js';
import { LogStream } from './report/log-stream.js';
import { publish } from './report/publish.js';
import { saveSplit, markHeld, runIdentity, saveLock, saveRunId } from './run-state.js';
import { AwsClients } from './traffic/aws-clients.js';
import { Notifier } from './report/notifier.js';
import { GithubReporting } from './report/github-reporting.js';
import type { Plan } from './plan/types.js';

export async function execute(config: Config, plan: Plan, secrets: string[]): Promise<void> {
  const { runId, runUrl } = runIdentity();
  saveRunId(runId); // the post step releases this run's lock if main dies holding it

  const cancel = new AbortController();
  let engineDone = false;
  // whether a deploy or promote has traffic split right now, so the words on a signal say what happens
  let split = false;
  const onSplit: typeof saveSplit = (s) => {
    split = s !== undefined;
    saveSplit(s);
  };
  const onSignal = (sig: string) => () => {
    // the runner sends SIGINT, then SIGTERM ~7.5 s later: the first one starts the restore
    if (engineDone) return core.info(`received ${sig} after traffic was settled: finishing the report`);
    if (cancel.signal.aborted) return;
    core.warning(
      split || (config.command !== 'deploy' && config.command !== 'promote')
        ? `received ${sig}: putting traffic back on the live slot`
        : `received ${sig}: stopping the run (traffic is not split: nothing to put back)`,
    );
    cancel.abort(new Fault(`the run was cancelled (${sig})`));
  };
  const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM') };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);

  const limits = {
    maxErrorRate: config.maxErrorRate,
    maxLatency: config.maxLatency,
    minRequests: config.minRequests,
  };
  const notifier = new Notifier(config, secrets, { runUrl });
  const log = new LogStream({ limits, secrets });
  const timeline = new Timeline((e) => {
    log.onEvent(e);
    if (e.type === 'run-start' && (config.command === 'deploy' || config.command === 'promote'))
      notifier.start(e.target && slotLabel(e.target, slotNamesOf(timeline.events)));
  });

  const aws = new AwsClients(config.awsRegion);
  // provider none has no load balancer; cleanup removes a preview and never touches one
  const routed = config.provider.kind !== 'none' && config.command !== 'cleanup';
  // set up inside the try: a router or check that fails to start must leave no signal handler and
  // no open router behind
  let router: TrafficRouter | undefined;
  try {
    router = routed
      ? await createRouter(config, aws, secrets, (message) =>
          timeline.add({ at: Date.now(), type: 'warning', message }),
        )
      : undefined;
    const { checks, gates } =
      config.command === 'cleanup'
        ? { checks: [], gates: [] }
        : await createChecks(config, aws, secrets, systemClock, router ?? {}, () =>
            handedBackUrl(timeline.events),
          );
    const hooks = new ShellHookRunner({ timeoutMs: config.hookTimeoutMs, secrets });
    const github = new GithubReporting(config, secrets, (message) => core.warning(message));
    await github.start();
    const common = {
      config,
      plan,
      checks,
      hooks,
      clock: systemClock,
      timeline,
      signal: cancel.signal,
      runId,
      runUrl,
      ...(process.env.GITHUB_ACTOR ? { actor: process.env.GITHUB_ACTOR } : {}),
    };
    const outcome =
      config.command === 'cleanup'
        ? await runCleanup({ ...common, routerDescription: router?.description ?? describeProvider(config) })
        : router
          ? await runEngine({ ...common, router, gates, onSplit, onLock: saveLock })
          : await runInPlace({ ...common, gates });
    engineDone = true;
    if (outcome.result === 'held') markHeld();
    const names = outcome.names ?? slotNamesOf(timeline.events);
    notifier.outcome(outcome.result, {
      live: outcome.live && slotLabel(outcome.live, names),
      target: log.targetSlot && slotLabel(log.targetSlot, names),
      weight: outcome.weight,
      reason: outcome.reason,
    });
    // outputs, summary and report first: after a cancellation the runner kills us within seconds,
    // and GitHub's API or a webhook may take up to their own bounds
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
    await github.finish(outcome, runUrl, handedBackUrl(timeline.events));
    await notifier.settle();
  } finally {
    process.off('SIGINT', handlers.SIGINT);
    process.off('SIGTERM', handlers.SIGTERM);
    await router?.close?.();
  }
}

/** What carries the traffic, in words, for a run that does not connect to it. */
function describeProvider(config: Config): string {
  return config.provider.kind === 'none'
    ? IN_PLACE_ROUTER
    : `provider ${config.provider.kind} (not used by cleanup)`;
}
