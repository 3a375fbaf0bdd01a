// Main step: read inputs, run the command, publish outputs and the report; sets the exit status.
import * as core from '@actions/core';
import { existsSync, writeFileSync } from 'node:fs';
import { readInputs } from './config/read-inputs.js';
import { validateInputs } from './plan/feasibility.js';
import { forceIgnored } from './config/combinations.js';
import { buildPlan } from './plan/build.js';
import { publishInputErrors, publishPlan } from './report/publish.js';
import { runIdentity } from './run-state.js';
import { MIN_SECRET_LENGTH } from './shared/redact.js';

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

async function main(): Promise<void> {
  ensureCommandFiles();
  const parsed = validateInputs(readInputs());
  // a 1-3 character value would mask that text everywhere in the log; redact() skips them too
  for (const s of parsed.secrets) if (s.length >= MIN_SECRET_LENGTH) core.setSecret(s);
  if (!parsed.ok) {
    // `plan` refuses what deploy refuses, and still draws the plan when the inputs parse
    const refused = parsed.config?.command === 'plan' ? buildPlan(parsed.config) : undefined;
    await publishInputErrors(parsed.errors, parsed.secrets, runIdentity(), refused);
    return;
  }
  const config = parsed.config;
  const plan = buildPlan(config);
  if (config.command === 'plan') {
    if (config.force) core.warning(forceIgnored('plan'));
    await publishPlan(plan, parsed.secrets);
    return;
  }
  // loaded here, not at start-up: the engine, the adapters and their clients are most of the bundle
  const { execute } = await import('./execute.js');
  await execute(config, plan, parsed.secrets);
}

/** The main step; src/index.ts starts it for the bundle, tests and tools may import it without side effects. */
export async function run(): Promise<void> {
  try {
    await main();
  } catch (e: unknown) {
    try {
      core.setOutput('result', 'failed');
    } catch {
      // the outputs file itself is the problem; the failure below still reaches the log
    }
    core.setFailed(`Glidepath crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
}
