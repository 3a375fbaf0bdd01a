// Publishes a run: outputs (every outcome), job summary, JSON report, notification, and the exit status.
import * as core from '@actions/core';
import { tmpdir } from 'node:os';
import type { Config, ConfigError, Slot } from '../config/types.js';
import type { Plan } from '../plan/types.js';
import type { RunOutcome } from '../ports/timeline.js';
import { Timeline, slotNamesOf, type Result } from '../ports/timeline.js';
import { renderSummary, writeSummary } from './summary.js';
import { buildReport, writeReport } from './json-report.js';
import { redact } from '../shared/redact.js';
import { environmentLink, handedBackUrl } from '../ports/handed-back.js';
import { renderPlanLog, renderPlanMarkdown } from './plan-render.js';
import type { DisplayLimits } from './progress.js';

export interface Outputs {
  result: Result;
  'live-slot'?: string;
  'previous-slot'?: string;
  weight?: number;
  'rollback-reason'?: string;
  'deployment-id'?: string;
  report?: string;
  url?: string;
}

/** Every output is set in every outcome (empty when it has no value), so `steps.x.outputs.y` never surprises. */
export function setOutputs(o: Outputs, secrets: readonly string[]): void {
  const names = [
    'result',
    'live-slot',
    'previous-slot',
    'weight',
    'rollback-reason',
    'deployment-id',
    'report',
    'url',
  ] as const;
  for (const name of names) {
    const v = o[name];
    core.setOutput(name, v === undefined ? '' : redact(String(v), secrets));
  }
}

/** Whether the step should fail for this outcome (design: rolled-back fails unless fail-on-rollback is false). */
export function failsStep(outcome: RunOutcome, config: Pick<Config, 'failOnRollback' | 'command'>): boolean {
  switch (outcome.result) {
    case 'failed':
      return true;
    case 'rolled-back':
      // an on-call `rollback` asked for it; a deploy that rolled back is a failed deploy
      return config.command !== 'rollback' && config.failOnRollback;
    default:
      return false;
  }
}

/**
 * Bad input: one annotation per problem, and the same outputs, summary and JSON report as any run,
 * rendered from a timeline of the errors (so there is one way a summary is made). `plan`: the plan
 * the refused inputs describe, drawn after the errors, so the user sees what was refused.
 */
export async function publishInputErrors(
  errors: ConfigError[],
  secrets: readonly string[],
  meta: { runId: string; runUrl?: string },
  plan?: Plan,
): Promise<void> {
  for (const e of errors) core.error(redact(e.message, secrets), { title: `Glidepath input ${e.input}` });
  if (plan) for (const line of renderPlanLog(plan)) core.info(redact(line, secrets));
  const timeline = new Timeline();
  const now = Date.now();
  for (const e of errors) timeline.add({ at: now, type: 'error', message: e.message });
  const reason = `${errors.length} input${errors.length === 1 ? ' is' : 's are'} invalid: no traffic was moved`;
  timeline.add({ at: now, type: 'run-end', result: 'failed', reason });
  const report = await writeJsonReport(timeline, secrets, meta);
  setOutputs({ result: 'failed', 'rollback-reason': reason, report }, secrets);
  const summary = renderSummary({ events: timeline.events, secrets: [...secrets], runUrl: meta.runUrl });
  await writeSummary(plan ? `${summary}\n${redact(renderPlanMarkdown(plan), secrets)}` : summary);
  core.setFailed(reason);
}

async function writeJsonReport(
  timeline: Timeline,
  secrets: readonly string[],
  meta: { runId: string; runUrl?: string },
): Promise<string | undefined> {
  try {
    return await writeReport(
      process.env.RUNNER_TEMP || tmpdir(),
      buildReport(timeline.events, meta),
      secrets,
    );
  } catch (e) {
    core.warning(`could not write the JSON report: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

/** Plan mode: the plan's lines in the log, its table and chart in the summary, result=planned. */
export async function publishPlan(plan: Plan, secrets: readonly string[]): Promise<void> {
  // URLs and commands in the plan may carry a password the config marked secret
  for (const line of renderPlanLog(plan)) core.info(redact(line, secrets));
  setOutputs({ result: 'planned', weight: plan.holdAt ?? 100 }, secrets);
  await writeSummary(redact(renderPlanMarkdown(plan), secrets));
}

export async function publish(p: {
  config: Config;
  outcome: RunOutcome;
  timeline: Timeline;
  secrets: readonly string[];
  runUrl?: string;
  runId: string;
  limits?: DisplayLimits;
  deploymentId?: string;
}): Promise<void> {
  const { config, outcome, timeline, secrets } = p;
  // with named slots (Lambda) the outputs carry the names (version numbers), not blue/green
  const names = outcome.names ?? slotNamesOf(timeline.events);
  const slotOutput = (s: Slot | undefined) => (s && names[s] ? names[s].id : s);
  const reportPath = await writeJsonReport(timeline, secrets, { runId: p.runId, runUrl: p.runUrl });
  const handed = handedBackUrl(timeline.events);
  setOutputs(
    {
      result: outcome.result,
      'live-slot': slotOutput(outcome.live),
      'previous-slot': slotOutput(outcome.previous),
      weight: outcome.weight,
      'rollback-reason':
        outcome.result === 'rolled-back' || outcome.result === 'failed' ? outcome.reason : undefined,
      report: reportPath,
      'deployment-id': p.deploymentId,
      url: handed,
    },
    secrets,
  );
  await writeSummary(
    renderSummary({
      events: timeline.events,
      secrets: [...secrets],
      runUrl: p.runUrl,
      environmentUrl: environmentLink(config.environmentUrl, handed),
      limits: p.limits,
    }),
  );
  const reason = outcome.reason ? redact(outcome.reason, secrets) : undefined;
  if (failsStep(outcome, config)) {
    core.setFailed(`${outcome.result}${reason ? `: ${reason}` : ''}`);
  } else if (reason) {
    core.info(`${outcome.result}: ${reason}`);
  }
}
