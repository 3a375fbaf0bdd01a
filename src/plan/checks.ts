// What is checked while a shift step holds, in words for the log and the summary.
import type { Config } from '../config/types.js';
import { formatDuration } from '../config/durations.js';

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * Derived from the Config and the provider the same way checks/ and judge/ pick their sources:
 * real-traffic 5xx comes from HAProxy stats or ALB metrics (Lambda: errors and throttles of the new
 * version's invocations); with the command provider the only
 * error rate there is comes from the probes. No user text here, only counts and limits.
 */
export function describeChecks(config: Config, weight: number): string[] {
  const out: string[] = [];
  const probes = config.healthUrls.length;
  if (probes > 0) out.push(`health probes (${plural(probes, 'URL', 'URLs')})`);

  const rate = `${config.maxErrorRate}%`;
  const confidence = `${Number((config.confidence * 100).toFixed(4))}%`;
  const judged = `sequential, ${confidence} confidence; min ${plural(config.minRequests, 'request', 'requests')} per step`;
  switch (config.provider.kind) {
    case 'haproxy':
      out.push(`HAProxy real-traffic 5xx ≤ ${rate} (${judged})`);
      break;
    case 'alb':
      out.push(`ALB real-traffic 5xx ≤ ${rate} (${judged})`);
      break;
    case 'lambda':
      // Invocations leave throttled requests out: they count as failed requests here
      out.push(`Lambda errors + throttles ≤ ${rate} of invocations + throttles (${judged})`);
      break;
    default:
      break;
  }
  if (config.compareToStable) {
    out.push(
      `compared with the live slot (5xx within +${config.maxErrorRateIncrease} points, latency within ${config.maxLatencyIncrease.text})`,
    );
  }
  if (config.maxFailedRequests !== undefined)
    out.push(
      `at most ${plural(config.maxFailedRequests, 'failed request', 'failed requests')} on the new slot`,
    );
  if (config.maxLatency)
    out.push(`p${config.maxLatency.percentile} < ${formatDuration(config.maxLatency.maxMs)}`);
  if (config.cloudwatchAlarms.length > 0) out.push(`CloudWatch alarms (${config.cloudwatchAlarms.length})`);
  if (config.provider.kind === 'alb') {
    out.push(
      config.maxUnhealthyTargets > 0
        ? `target health (≤ ${config.maxUnhealthyTargets} unhealthy)`
        : 'target health',
    );
  }
  if (config.checkCommand) out.push('check-command');
  // verify-command runs once the new slot takes all traffic (see Phase 'shift' in types.ts)
  if (weight === 100 && config.hooks.verify) out.push('verify-command');
  return out;
}
