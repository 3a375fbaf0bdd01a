// Builds the TrafficRouter the config names; the only place that picks an adapter.
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import * as core from '@actions/core';
import type { Config } from '../config/types.js';
import type { TrafficRouter } from '../engine/ports.js';
import { HaproxyRouter } from './haproxy.js';
import { AlbRouter } from './alb.js';
import { CommandRouter } from './command.js';

/** Region from the input, else the SDK's own chain (AWS_REGION, profile): credentials and endpoints stay standard. */
export const awsClientConfig = (config: Config) => (config.awsRegion ? { region: config.awsRegion } : {});

/** `onWarning` lets the caller put adapter warnings (ALB stickiness, lock take-over) on the timeline. */
export function createRouter(
  config: Config,
  secrets: string[] = [],
  onWarning: (message: string) => void = (m) => core.warning(m),
): TrafficRouter {
  const p = config.provider;
  switch (p.kind) {
    case 'haproxy':
      return new HaproxyRouter(p);
    case 'alb':
      return new AlbRouter({
        client: new ElasticLoadBalancingV2Client(awsClientConfig(config)),
        provider: p,
        log: (line) => core.info(line),
        onWarning,
      });
    case 'command':
      return new CommandRouter({
        trafficCommand: p.trafficCommand,
        ...(p.statusCommand ? { statusCommand: p.statusCommand } : {}),
        timeoutMs: config.hookTimeoutMs,
        secrets,
      });
  }
}
