// Builds the checks sampled at every evaluation and the gates passed once before any traffic moves.
import * as core from '@actions/core';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Config } from '../config/types.js';
import type { Check } from '../engine/ports.js';
import type { Gate } from '../engine/engine.js';
import { awsClientConfig } from '../traffic/create-router.js';
import { HaproxyStatsCheck } from './haproxy-stats.js';
import { HttpProbeCheck, preTrafficProbe } from './http-probe.js';
import { CommandCheck } from './command-check.js';
import { TargetHealthCheck, waitForHealthyTargets } from './target-health.js';

/** Bound on waiting for the new slot's targets to turn healthy before any shift. */
const TARGET_HEALTH_WAIT_MS = 5 * 60_000;

export function createChecks(config: Config, secrets: string[] = []): { checks: Check[]; gates: Gate[] } {
  const checks: Check[] = [];
  const gates: Gate[] = [];
  const p = config.provider;

  if (config.healthUrls.length > 0 || config.preTrafficUrls.length > 0) checks.push(new HttpProbeCheck(config));
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
        return failedProbes.length ? failedProbes.map((r) => `GET ${r.url}: ${r.error ?? 'failed'}`).join('; ') : undefined;
      },
    });
  }
  if (config.checkCommand) {
    checks.push(new CommandCheck({ command: config.checkCommand, timeoutMs: Math.min(config.hookTimeoutMs, config.probeTimeoutMs + 4000), secrets }));
  }

  switch (p.kind) {
    case 'haproxy':
      checks.push(new HaproxyStatsCheck(p));
      break;
    case 'alb': {
      const client = new ElasticLoadBalancingV2Client(awsClientConfig(config));
      const targetGroups = { blue: p.blueTargetGroupArn, green: p.greenTargetGroupArn };
      checks.push(new TargetHealthCheck({ client, targetGroups }));
      gates.push({
        name: 'target health',
        run: async ({ target, signal }) => {
          try {
            await waitForHealthyTargets(client, targetGroups[target], {
              timeoutMs: Math.min(TARGET_HEALTH_WAIT_MS, config.timeoutMs),
              intervalMs: 10_000,
              sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
              now: Date.now,
              log: (line) => core.info(line),
              label: target,
              signal,
            });
            return undefined;
          } catch (e) {
            return e instanceof Error ? e.message : String(e);
          }
        },
      });
      break;
    }
    case 'command':
      break;
  }
  return { checks, gates };
}
