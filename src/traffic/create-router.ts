// Builds the TrafficRouter the config names; the only place that picks an adapter.
import * as core from '@actions/core';
import type { Config } from '../config/types.js';
import type { TrafficRouter } from '../ports/traffic.js';
import { HaproxyRouter } from './haproxy.js';
import { CommandRouter } from './command.js';
import type { AwsClients } from './aws-clients.js';

/**
 * `onWarning` lets the caller put adapter warnings (ALB stickiness, a lock taken over) on the timeline.
 * The ALB and Lambda adapters and their SDKs are imported only for their provider (see aws-clients.ts).
 */
export async function createRouter(
  config: Config,
  aws: AwsClients,
  secrets: string[] = [],
  onWarning: (message: string) => void = (m) => core.warning(m),
): Promise<TrafficRouter> {
  const p = config.provider;
  switch (p.kind) {
    case 'haproxy':
      return new HaproxyRouter(p, { lock: { warn: onWarning } });
    case 'alb': {
      const [{ AlbRouter }, client] = await Promise.all([import('./alb.js'), aws.elbv2()]);
      return new AlbRouter({ client, provider: p, log: (line) => core.info(line), onWarning });
    }
    case 'lambda': {
      const [{ LambdaRouter }, client] = await Promise.all([import('./lambda.js'), aws.lambda()]);
      return new LambdaRouter({
        client,
        provider: p,
        command: config.command,
        log: (line) => core.info(line),
        onWarning,
      });
    }
    case 'command':
      return new CommandRouter({
        trafficCommand: p.trafficCommand,
        ...(p.statusCommand ? { statusCommand: p.statusCommand } : {}),
        timeoutMs: config.hookTimeoutMs,
        secrets,
      });
    case 'none':
      // the engine runs such a deploy in place (engine/in-place.ts) and never asks for a router
      throw new Error('provider none has no load balancer: there is no traffic to read or move');
  }
}
