// Builds the checks sampled at every evaluation and the gates passed once before any traffic moves.
import * as core from '@actions/core';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Config } from '../config/types.js';
import { systemClock, type Check } from '../engine/ports.js';
import type { Gate } from '../engine/engine.js';
import { awsClientConfig } from '../traffic/create-router.js';
import { HaproxyStatsCheck } from './haproxy-stats.js';
import { HttpProbeCheck, preTrafficProbe } from './http-probe.js';
import { CommandCheck } from './command-check.js';
import { TargetHealthCheck, targetHealthGate } from './target-health.js';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchCheck } from './cloudwatch.js';
import { loadBalancerDimension, targetGroupDimension } from '../traffic/alb-arn.js';

/** Bound on waiting for the new slot's targets to turn healthy before any shift. */
const TARGET_HEALTH_WAIT_MS = 5 * 60_000;

export function createChecks(config: Config, secrets: string[] = []): { checks: Check[]; gates: Gate[] } {
  const checks: Check[] = [];
  const gates: Gate[] = [];
  const p = config.provider;

  if (config.healthUrls.length > 0 || config.preTrafficUrls.length > 0)
    checks.push(new HttpProbeCheck(config));
  if (config.preTrafficUrls.length > 0) {
    gates.push({
      name: 'pre-traffic-urls',
      run: async ({ target, signal }) => {
        const results = await preTrafficProbe(config.preTrafficUrls, target, {
          expect: config.healthExpect,
          ...(config.healthBody ? { body: config.healthBody } : {}),
          headers: config.healthHeaders,
          timeoutMs: config.probeTimeoutMs,
          now: Date.now,
          signal,
        });
        const failedProbes = results.filter((r) => !r.ok);
        return failedProbes.length
          ? failedProbes.map((r) => `GET ${r.url}: ${r.error ?? 'failed'}`).join('; ')
          : undefined;
      },
    });
  }
  if (config.checkCommand) {
    checks.push(
      new CommandCheck({
        command: config.checkCommand,
        timeoutMs: Math.min(config.hookTimeoutMs, config.probeTimeoutMs + 4000),
        secrets,
      }),
    );
  }

  switch (p.kind) {
    case 'haproxy':
      checks.push(new HaproxyStatsCheck(p));
      break;
    case 'alb': {
      const client = new ElasticLoadBalancingV2Client(awsClientConfig(config));
      const targetGroups = { blue: p.blueTargetGroupArn, green: p.greenTargetGroupArn };
      checks.push(new TargetHealthCheck({ client, targetGroups }));
      // ALB metrics of both target groups (and the alarms) in one call each per evaluation
      checks.push(
        new CloudWatchCheck({
          client: new CloudWatchClient(awsClientConfig(config)),
          loadBalancer: loadBalancerDimension((p.ruleArn ?? p.listenerArn)!),
          targetGroups: {
            blue: targetGroupDimension(p.blueTargetGroupArn),
            green: targetGroupDimension(p.greenTargetGroupArn),
          },
          alarms: config.cloudwatchAlarms,
          ...(config.maxLatency ? { maxLatency: config.maxLatency } : {}),
        }),
      );
      gates.push(
        targetHealthGate({
          client,
          targetGroups,
          timeoutMs: Math.min(TARGET_HEALTH_WAIT_MS, config.timeoutMs),
          intervalMs: 10_000,
          sleep: systemClock.sleep,
          now: Date.now,
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
    checks.push(
      new CloudWatchCheck({
        client: new CloudWatchClient(awsClientConfig(config)),
        loadBalancer: '',
        targetGroups: { blue: '', green: '' },
        alarms: config.cloudwatchAlarms,
        metrics: false,
      }),
    );
  }
  return { checks, gates };
}
