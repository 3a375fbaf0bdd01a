// Builds the checks sampled at every evaluation and the gates passed once before any traffic moves.
// The AWS checks and their SDK clients are imported only when the config asks for them (aws-clients.ts).
import * as core from '@actions/core';
import type { Config } from '../config/types.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { Check, Gate } from '../ports/checks.js';
import { CHECK_COMMAND_GRACE_MS, TARGET_HEALTH_WAIT_MS } from '../config/limits.js';
import type { AwsClients } from '../traffic/aws-clients.js';
import { HaproxyStatsCheck } from './haproxy-stats.js';
import { HttpProbeCheck } from './http-probe.js';
import { CommandCheck } from './command-check.js';
import { loadBalancerDimension, targetGroupDimension } from '../traffic/alb-arn.js';

export async function createChecks(
  config: Config,
  aws: AwsClients,
  secrets: string[] = [],
  clock: Clock = systemClock,
): Promise<{ checks: Check[]; gates: Gate[] }> {
  const checks: Check[] = [];
  const gates: Gate[] = [];
  const p = config.provider;

  if (config.healthUrls.length > 0 || config.preTrafficUrls.length > 0) {
    const probes = new HttpProbeCheck(config);
    checks.push(probes);
    if (config.preTrafficUrls.length > 0) {
      gates.push({
        name: 'pre-traffic-urls',
        run: async ({ target, signal }) => {
          const failing = (await probes.probeSlot(target, signal)).filter((r) => !r.ok);
          return failing.length
            ? failing.map((r) => `GET ${r.url}: ${r.error ?? 'failed'}`).join('; ')
            : undefined;
        },
      });
    }
  }
  if (config.checkCommand) {
    checks.push(
      new CommandCheck({
        command: config.checkCommand,
        timeoutMs: Math.min(config.hookTimeoutMs, config.probeTimeoutMs + CHECK_COMMAND_GRACE_MS),
        secrets,
      }),
    );
  }

  switch (p.kind) {
    case 'haproxy':
      checks.push(new HaproxyStatsCheck(p));
      break;
    case 'alb': {
      const [{ TargetHealthCheck, targetHealthGate }, { CloudWatchCheck }, client, cloudwatch] =
        await Promise.all([
          import('./target-health.js'),
          import('./cloudwatch.js'),
          aws.elbv2(),
          aws.cloudwatch(),
        ]);
      const targetGroups = { blue: p.blueTargetGroupArn, green: p.greenTargetGroupArn };
      checks.push(new TargetHealthCheck({ client, targetGroups, sleep: (ms) => clock.sleep(ms) }));
      // ALB metrics of both target groups (and the alarms) in one call each per evaluation
      checks.push(
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
        }),
      );
      gates.push(
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
      break;
    }
    case 'command':
      break;
  }
  if (p.kind !== 'alb' && config.cloudwatchAlarms.length > 0) {
    // alarms work with any provider: only the ALB metrics need the ALB
    const [{ CloudWatchCheck }, client] = await Promise.all([import('./cloudwatch.js'), aws.cloudwatch()]);
    checks.push(
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
  return { checks, gates };
}
