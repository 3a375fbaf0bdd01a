// Which latency figure stands for the new slot, from the best source available in a window.
import type { Slot } from '../../src/config/types.js';
import type { Signal } from './baseline-types.js';
import { percentile } from '../../src/judge/percentile.js';

type Traffic = Extract<Signal, { kind: 'traffic' }>;
type Probe = Extract<Signal, { kind: 'probe' }>;

export interface LatencyFigure {
  ms: number;
  /** `p99` or `mean` */
  stat: string;
  /** `ALB`, `HAProxy`, `slot probes`, `service probes` */
  source: string;
}

export const SOURCE_LABEL: Record<Traffic['source'], string> = {
  haproxy: 'HAProxy',
  alb: 'ALB',
  lambda: 'Lambda',
};

/**
 * The first available of, in order of how well each speaks for the new slot's real users:
 *  1. the target slot's traffic percentile (ALB pNN over real requests);
 *  2. the percentile of probes that hit the target slot directly;
 *  3. the target slot's traffic mean (HAProxy `rtime`). A mean above a pNN limit fails as surely as the
 *     pNN would, since a high percentile is at least the mean for the right-skewed latencies of web
 *     services; the sentence says "mean" so nobody reads it as a percentile;
 *  4. the percentile of probes through the service (they mix both slots).
 * Several traffic readings in one window: the worst one counts. Only successful probes count, so a
 * fast 503 cannot pull a percentile down (probe failures are judged by the probe criterion).
 */
export function latencyFigure(
  signals: readonly Signal[],
  target: Slot,
  p: number,
): LatencyFigure | undefined {
  const traffic = signals.filter((s): s is Traffic => s.kind === 'traffic' && s.slot === target);
  const probes = signals.filter((s): s is Probe => s.kind === 'probe' && s.ok);

  const withPct = traffic.filter((t) => t.latencyPercentilesMs?.[p] !== undefined);
  if (withPct.length > 0) {
    return {
      ms: Math.max(...withPct.map((t) => t.latencyPercentilesMs?.[p] ?? 0)),
      stat: `p${p}`,
      source: sourceOf(withPct),
    };
  }
  const slotMs = percentile(
    probes.filter((s) => s.via === 'slot').map((s) => s.latencyMs),
    p,
  );
  if (slotMs !== undefined) return { ms: slotMs, stat: `p${p}`, source: 'slot probes' };

  const withMean = traffic.filter((t) => t.meanLatencyMs !== undefined);
  if (withMean.length > 0) {
    return {
      ms: Math.max(...withMean.map((t) => t.meanLatencyMs ?? 0)),
      stat: 'mean',
      source: sourceOf(withMean),
    };
  }
  const serviceMs = percentile(
    probes.filter((s) => s.via === 'service').map((s) => s.latencyMs),
    p,
  );
  if (serviceMs !== undefined) return { ms: serviceMs, stat: `p${p}`, source: 'service probes' };
  return undefined;
}

/** `HAProxy`, `ALB`, or both joined when a window mixes sources. */
export function sourceOf(traffic: readonly Traffic[]): string {
  return [...new Set(traffic.map((t) => SOURCE_LABEL[t.source]))].join('+');
}
