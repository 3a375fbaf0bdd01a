// A Config built by hand (defaults as the inputs' defaults), for tests of pure modules that take a Config.
import type { Config } from '../../src/config/types.js';

const MIN = 60_000;

export function configWith(overrides: Partial<Config> = {}): Config {
  return {
    command: 'deploy',
    strategy: { name: 'canary', strategy: { kind: 'canary', steps: [10, 50] } },
    intervalMs: 5 * MIN,
    provider: { kind: 'command', trafficCommand: 'true' },
    healthUrls: [],
    preTrafficUrls: [],
    healthExpect: [{ min: 200, max: 299 }],
    healthHeaders: {},
    probeIntervalMs: 5000,
    probeTimeoutMs: 3000,
    failureThreshold: 2,
    maxErrorRate: 1,
    compareToStable: false,
    minRequests: 20,
    confidence: 0.99,
    maxErrorRateIncrease: 0.5,
    maxLatencyIncrease: { kind: 'percent', value: 20, text: '20%' },
    cloudwatchAlarms: [],
    maxUnhealthyTargets: 0,
    hooks: {},
    hookTimeoutMs: 10 * MIN,
    keepPreviousMs: 0,
    drainTimeoutMs: 30_000,
    timeoutMs: 60 * MIN,
    failOnRollback: true,
    force: false,
    prComment: true,
    ...overrides,
  };
}

/** Lines of health-urls / pre-traffic-urls as the parser makes them, with the default expectations. */
export function probeTargets(...urls: string[]): Config['healthUrls'] {
  return urls.map((url) => ({ url, expect: [{ min: 200, max: 299 }], text: url }));
}
