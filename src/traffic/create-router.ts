// Builds the TrafficRouter the config names; the only place that picks an adapter.
import * as core from '@actions/core';
import type { Config } from '../config/types.js';
import type { TrafficRouter } from '../ports/traffic.js';
import { HaproxyRouter } from './haproxy.js';
import { AlbRouter } from './alb.js';
import { CommandRouter } from './command.js';
import type { AwsClients } from './aws-clients.js';

/** `onWarning` lets the caller put adapter warnings (ALB stickiness, lock take-over) on the timeline. */
export function createRouter(
  config: Config,
  aws: AwsClients,
  secrets: string[] = [],
  onWarning: (message: string) => void = (m) => core.warning(m),
): TrafficRouter {
  const p = config.provider;
  switch (p.kind) {
    case 'haproxy':
      return new HaproxyRouter(p);
    case 'alb':
      return new AlbRouter({
        client: aws.elbv2,
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
