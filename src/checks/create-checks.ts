// Builds the checks sampled at every evaluation and the gates passed once before any traffic moves.
// The AWS checks and their SDK clients are imported only when the config asks for them (aws-clients.ts).
import * as core from '@actions/core';
import type { Config } from '../config/types.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { Check, Gate } from '../ports/checks.js';
import { CHECK_COMMAND_GRACE_MS, TARGET_HEALTH_WAIT_MS } from '../config/limits.js';
import type { AwsClients } from '../traffic/aws-clients.js';
import type { SlotNames } from '../ports/traffic.js';
import { functionNameOf } from '../traffic/lambda-arn.js';
import { HAPROXY_STATS_CADENCE_MS, HaproxyStatsCheck } from './haproxy-stats.js';
import { HttpProbeCheck } from './http-probe.js';
import { PairedProbeCheck, haproxyServerPairs, preTrafficPairs } from './paired-probe.js';
import { usesHandedBackUrl, withHandedBackUrl } from '../ports/handed-back.js';
import { CommandCheck } from './command-check.js';
import { loadBalancerDimension, targetGroupDimension } from '../traffic/alb-arn.js';

type Built = { checks: Check[]; gates: Gate[] };

/**
 * `router.slotNames` tells the Lambda checks which version each slot stands for (the router maps them,
 * and learns the new one only when it publishes it).
 */
export async function createChecks(
  config: Config,
  aws: AwsClients,
  secrets: string[] = [],
  clock: Clock = systemClock,
  router: { slotNames?: () => SlotNames } = {},
  /** the URL a hook of this run handed back so far (url= in GLIDEPATH_OUTPUT), for `{url}` */
  handedBack: () => string | undefined = () => undefined,
): Promise<Built> {
  const built: Built = { checks: [], gates: [] };
  addUrlGate(config, built, handedBack);
  addProbes(config, built, handedBack);
  if (config.checkCommand) {
    built.checks.push(
      new CommandCheck({
        command: config.checkCommand,
        timeoutMs: Math.min(config.hookTimeoutMs, config.probeTimeoutMs + CHECK_COMMAND_GRACE_MS),
        secrets,
      }),
    );
  }
  const p = config.provider;
  if (p.kind === 'haproxy') {
    // read far more often than probes: a hard failure is settled by its first few failed requests
    built.checks.push(
      new HaproxyStatsCheck(p, { cadenceMs: Math.min(HAPROXY_STATS_CADENCE_MS, config.probeIntervalMs) }),
    );
  }
  if (p.kind === 'alb') await addAlbChecks(config, p, aws, clock, built);
  if (p.kind === 'lambda') await addLambdaChecks(config, p, aws, clock, router, built);
  if (p.kind !== 'alb' && config.cloudwatchAlarms.length > 0) {
    // alarms work with any provider: only the ALB metrics need the ALB
    const [{ CloudWatchCheck }, client] = await Promise.all([import('./cloudwatch.js'), aws.cloudwatch()]);
    built.checks.push(
      new CloudWatchCheck({
        client,
        loadBalancer: '',
        targetGroups: { blue: '', green: '' },
        alarms: config.cloudwatchAlarms,
        metrics: false,
        sleep: (ms) => clock.sleep(ms),
      }),
    );
  }
  return built;
}

/**
 * URL inputs made from `{url}` need a hook to have handed one back: checked first, before any probe
 * and before any traffic moves, naming the inputs.
 */
function addUrlGate(config: Config, built: Built, handedBack: () => string | undefined): void {
  const inputs = [
    config.healthUrls.some((t) => usesHandedBackUrl(t.url)) && 'health-urls',
    config.preTrafficUrls.some((t) => usesHandedBackUrl(t.url)) && 'pre-traffic-urls',
    usesHandedBackUrl(config.environmentUrl ?? '') && 'environment-url',
  ].filter((x): x is string => Boolean(x));
  if (inputs.length === 0) return;
  const named = inputs.length === 1 ? `${inputs[0]} uses` : `${inputs.join(' and ')} use`;
  built.gates.push({
    name: '{url}',
    aboutRun: true,
    run: async () =>
      handedBack() !== undefined
        ? undefined
        : `${named} {url}, but no hook handed back a URL: write it to the file named in GLIDEPATH_OUTPUT, ` +
          'like echo "url=https://pr-42.example.com/" >> "$GLIDEPATH_OUTPUT" in deploy-command',
  });
}

/** health-urls and pre-traffic-urls probes, and the pre-traffic gate on the idle slot. */
function addProbes(config: Config, built: Built, handedBack: () => string | undefined): void {
  if (config.healthUrls.length === 0 && config.preTrafficUrls.length === 0) return;
  const paired = pairedSource(config, handedBack);
  const probes = new HttpProbeCheck(config, { preTrafficPaired: paired?.kind === 'pre-traffic', handedBack });
  built.checks.push(probes);
  if (paired) {
    // a TLS server or a missing address is said once, as a warning: the comparison falls back
    built.checks.push(new PairedProbeCheck(config, paired.source, { warn: (m) => core.warning(m) }));
  }
  if (config.preTrafficUrls.length === 0) return;
  built.gates.push({
    name: 'pre-traffic-urls',
    run: async ({ target, signal }) => {
      const failing = (await probes.probeSlot(target, signal)).filter((r) => !r.ok);
      return failing.length
        ? failing.map((r) => `GET ${r.url}: ${r.error ?? 'failed'}`).join('; ')
        : undefined;
    },
  });
}

/** Each version's own metrics through the alias, and the new version invoked with pre-traffic-payload. */
async function addLambdaChecks(
  config: Config,
  p: Extract<Config['provider'], { kind: 'lambda' }>,
  aws: AwsClients,
  clock: Clock,
  router: { slotNames?: () => SlotNames },
  built: Built,
): Promise<void> {
  const versionOf = (slot: 'blue' | 'green') => router.slotNames?.()[slot]?.id || undefined;
  const [{ LambdaMetricsCheck }, cloudwatch] = await Promise.all([
    import('./lambda-metrics.js'),
    aws.cloudwatch(),
  ]);
  built.checks.push(
    new LambdaMetricsCheck({
      client: cloudwatch,
      functionName: functionNameOf(p.functionName),
      alias: p.alias,
      versionOf,
      sleep: (ms) => clock.sleep(ms),
      ...(config.maxLatency ? { maxLatency: config.maxLatency } : {}),
    }),
  );
  if (p.preTrafficPayload === undefined) return;
  const [{ lambdaInvokeGate }, client] = await Promise.all([import('./lambda-invoke.js'), aws.lambda()]);
  built.gates.push(
    lambdaInvokeGate({
      client,
      functionName: p.functionName,
      payload: p.preTrafficPayload,
      versionOf,
      timeoutMs: config.hookTimeoutMs,
      sleep: (ms) => clock.sleep(ms),
    }),
  );
}

/** Target health (a gate and a check) and CloudWatch metrics and alarms of both target groups. */
async function addAlbChecks(
  config: Config,
  p: Extract<Config['provider'], { kind: 'alb' }>,
  aws: AwsClients,
  clock: Clock,
  built: Built,
): Promise<void> {
  const [{ TargetHealthCheck, targetHealthGate }, { CloudWatchCheck }, client, cloudwatch] =
    await Promise.all([
      import('./target-health.js'),
      import('./cloudwatch.js'),
      aws.elbv2(),
      aws.cloudwatch(),
    ]);
  const targetGroups = { blue: p.blueTargetGroupArn, green: p.greenTargetGroupArn };
  built.checks.push(new TargetHealthCheck({ client, targetGroups, sleep: (ms) => clock.sleep(ms) }));
  // ALB metrics of both target groups (and the alarms) in one call each per evaluation
  built.checks.push(
    new CloudWatchCheck({
      client: cloudwatch,
      loadBalancer: loadBalancerDimension((p.ruleArn ?? p.listenerArn)!),
      targetGroups: {
        blue: targetGroupDimension(p.blueTargetGroupArn),
        green: targetGroupDimension(p.greenTargetGroupArn),
      },
      alarms: config.cloudwatchAlarms,
      sleep: (ms) => clock.sleep(ms),
      ...(config.maxLatency ? { maxLatency: config.maxLatency } : {}),
      ...(config.compareToStable ? { median: true } : {}),
    }),
  );
  built.gates.push(
    targetHealthGate({
      client,
      targetGroups,
      timeoutMs: Math.min(TARGET_HEALTH_WAIT_MS, config.timeoutMs),
      intervalMs: 10_000,
      sleep: (ms, signal) => clock.sleep(ms, signal),
      now: () => clock.now(),
      log: (line) => core.info(line),
    }),
  );
}

/**
 * With compare-to-stable, latency is compared on probes sent to both slots at the same instant:
 * pre-traffic-urls at both slots, else (HAProxy) the health URLs at the two servers' own addresses.
 * judge/setup.ts budgets for these tests on the same condition.
 */
function pairedSource(
  config: Config,
  handedBack: () => string | undefined,
): { kind: 'pre-traffic' | 'haproxy'; source: ReturnType<typeof preTrafficPairs> } | undefined {
  if (!config.compareToStable) return undefined;
  // the pairs are made once the deploy hook has run: a {url} it handed back is known then
  const fill = (url: string) => withHandedBackUrl(url, handedBack()) ?? url;
  if (config.preTrafficUrls.length > 0)
    return { kind: 'pre-traffic', source: preTrafficPairs(config.preTrafficUrls, fill) };
  const p = config.provider;
  if (p.kind === 'haproxy' && config.healthUrls.length > 0)
    return { kind: 'haproxy', source: haproxyServerPairs(p, config.healthUrls, fill) };
  return undefined;
}
