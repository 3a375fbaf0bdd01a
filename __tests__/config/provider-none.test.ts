// provider none: what it asks for (nothing), what it refuses and why, each error naming the input.
import { describe, expect, it } from 'vitest';
import { parseInputs } from '../../src/config/parse.js';
import { validateInputs } from '../../src/plan/feasibility.js';
import { buildPlan } from '../../src/plan/build.js';

const NONE = {
  provider: 'none',
  'deploy-command': './deploy.sh',
  'health-urls': 'https://pr-1.example.com/health',
};

describe('provider none', () => {
  it('asks for no targets or socket, and plans one deploy and one bake of interval', () => {
    const r = validateInputs({
      ...NONE,
      strategy: 'canary',
      'canary-steps': '5,25,50',
      interval: '2m',
      'verify-command': './v.sh',
    });
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([]);
    if (!r.ok) return;
    expect(r.config.provider).toEqual({ kind: 'none' });
    const plan = buildPlan(r.config);
    expect(plan.phases.map((p) => p.kind)).toEqual(['deploy', 'bake']);
    expect(plan).toMatchObject({ strategy: 'in place (provider none)', inPlace: true, totalMs: 120_000 });
    expect(plan.phases[1]).toMatchObject({
      holdMs: 120_000,
      checks: ['health probes (1 URL)', 'verify-command'],
    });
  });

  it.each(['deploy', 'plan', 'cleanup'])('takes command %s', (command) => {
    const r = parseInputs({ ...NONE, command, 'cleanup-command': './remove.sh' });
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([]);
  });

  it.each<[string, Record<string, string>, string, RegExp]>([
    [
      'promote',
      { command: 'promote' },
      'command',
      /^command: "promote" cannot be used with provider none: there is no held split to continue.*; use deploy, cleanup or plan$/,
    ],
    [
      'abort',
      { command: 'abort' },
      'command',
      /cannot be used with provider none: there is no split to abort/,
    ],
    [
      'rollback',
      { command: 'rollback' },
      'command',
      /no previous slot to switch back to: redeploy the previous version with command deploy/,
    ],
    ['status', { command: 'status' }, 'command', /there is no load balancer to read/],
    [
      'hold-at',
      { 'hold-at': '25' },
      'hold-at',
      /^hold-at: "25" cannot be used with provider none: there is no traffic split to hold; remove hold-at$/,
    ],
    [
      '{slot}',
      { 'pre-traffic-urls': 'https://{slot}.example.com/health' },
      'pre-traffic-urls',
      /uses \{slot\}, but provider none has no slots.*use \{url\}/,
    ],
    [
      'compare-to-stable',
      { 'compare-to-stable': 'true' },
      'compare-to-stable',
      /no stable version serves beside the new one/,
    ],
    [
      'keep-previous',
      { 'keep-previous': '10m' },
      'keep-previous',
      /does not apply with provider none: there is no previous slot to keep/,
    ],
    [
      'blue-target',
      { 'blue-target': 'web/blue' },
      'blue-target',
      /^blue-target is not used with provider none: there are no slots/,
    ],
    [
      'haproxy-socket',
      { 'haproxy-socket': '/run/haproxy.sock' },
      'haproxy-socket',
      /is not used with provider none \(it belongs to provider haproxy\)/,
    ],
  ])('refuses %s, saying why', (_name, inputs, input, message) => {
    const r = parseInputs({ ...NONE, ...inputs });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.input)).toEqual([input]);
    expect(r.errors[0]!.message).toMatch(message);
  });

  it('plan refuses what deploy refuses (hold-at) and still draws the plan', () => {
    const r = validateInputs({ ...NONE, command: 'plan', 'hold-at': '10' });
    expect(r.ok).toBe(false);
  });
});

describe('command cleanup', () => {
  it('needs cleanup-command: without it the deployment would go inactive while the preview runs', () => {
    const r = parseInputs({ ...NONE, command: 'cleanup' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.input, e.message])).toEqual([
      [
        'cleanup-command',
        expect.stringMatching(
          /^cleanup-command is required with command cleanup: the command that removes the preview/,
        ),
      ],
    ]);
  });

  it('is fine with any provider: it never touches the load balancer', () => {
    const r = parseInputs({
      command: 'cleanup',
      provider: 'haproxy',
      'haproxy-socket': '/run/haproxy/admin.sock',
      'blue-target': 'web/blue',
      'green-target': 'web/green',
      'cleanup-command': './remove-preview.sh',
    });
    expect(r.ok).toBe(true);
  });
});
