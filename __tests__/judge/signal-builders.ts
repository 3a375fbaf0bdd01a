// Builders for judge tests: one signal each, defaults that pass, overrides per row.
import type { Slot } from '../../src/config/types.js';
import type { Limits, Signal } from '../../src/judge/types.js';

type Of<K extends Signal['kind']> = Extract<Signal, { kind: K }>;

export const limits = (over: Partial<Limits> = {}): Limits => ({
  maxErrorRate: 1,
  minRequests: 20,
  compareToStable: false,
  maxUnhealthyTargets: 0,
  confidence: 0.99,
  failureThreshold: 2,
  maxErrorRateIncrease: 0.5,
  maxLatencyIncrease: { kind: 'percent', value: 20, text: '20%' },
  ...over,
});

export const traffic = (
  slot: Slot,
  requests: number,
  errors5xx: number,
  over: Partial<Of<'traffic'>> = {},
): Of<'traffic'> => ({
  kind: 'traffic',
  at: 1000,
  slot,
  source: 'haproxy',
  requests,
  errors5xx,
  ...over,
});

export const probe = (over: Partial<Of<'probe'>> = {}): Of<'probe'> => ({
  kind: 'probe',
  at: 1000,
  url: 'http://app.test/health',
  via: 'service',
  ok: true,
  status: 200,
  latencyMs: 20,
  ...over,
});

export const failedProbe = (over: Partial<Of<'probe'>> = {}): Of<'probe'> =>
  probe({ ok: false, status: 503, error: 'status 503 not in 200-299', ...over });

export const probes = (n: number, over: Partial<Of<'probe'>> = {}): Of<'probe'>[] =>
  Array.from({ length: n }, () => probe(over));

export const alarm = (
  name: string,
  state: Of<'alarm'>['state'],
  over: Partial<Of<'alarm'>> = {},
): Of<'alarm'> => ({
  kind: 'alarm',
  at: 1000,
  name,
  state,
  ...over,
});

export const targets = (
  slot: Slot,
  total: number,
  unhealthy: number,
  reasons: string[] = [],
  at = 1000,
): Of<'targets'> => ({
  kind: 'targets',
  at,
  slot,
  total,
  unhealthy,
  reasons,
});

export const command = (exitCode: number, output = ''): Of<'command'> => ({
  kind: 'command',
  at: 1000,
  command: './check.sh',
  exitCode,
  output,
});
