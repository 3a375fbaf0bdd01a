// Recipes 1, 5 and 6 (examples/) through the bundle, each one's Glidepath step with its inputs as written:
// only addresses (the HAProxy socket, the site's URL, the backup folder, the ALB endpoint) and durations
// (minutes → a second) are replaced, textually, and listed by each test. `docker` and `pg_dump` are
// stand-ins on PATH that record their calls; curl, bash and the app servers are real, on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { haproxyAvailable, startHaproxy, type RunningHaproxy } from '../helpers/haproxy.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { runBundle } from '../helpers/bundle.js';
import { AlbStandin } from '../helpers/alb-standin.js';
import { glidepathStep, loadRecipe, pathWith, standIns, type StandIns } from '../helpers/recipes.js';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Users' traffic through HAProxy, from a second process: the real-traffic judge needs requests. */
async function startLoad(url: string): Promise<ChildProcess> {
  const proc = spawn(
    process.execPath,
    [path.join(here, '../helpers/load.mjs'), `--url=${url}`, '--concurrency=2', '--pause=5', '--ms=120000'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => proc.stdout!.once('data', () => resolve()));
  return proc;
}

const available = haproxyAvailable();
if (!available) {
  if (process.env.GLIDEPATH_REQUIRE_HAPROXY)
    throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');
  console.warn(
    '\n!!! haproxy is not installed: SKIPPING the recipe tests (apt-get install -y haproxy) !!!\n',
  );
}

const SHA = 'f00dfeed'.padEnd(40, '7');

/** Every value with each address replaced textually: the recipe's words, pointed at loopback. */
function pointed(values: Record<string, string>, addresses: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    let t = v;
    for (const [from, to] of Object.entries(addresses)) t = t.split(from).join(to);
    out[k] = t;
  }
  return out;
}

describe.skipIf(!available)(
  'recipes on a real HAProxy: 1 (compose VM), 5 (approval gate), 6 (on-call)',
  () => {
    let blue: AppServer;
    let green: AppServer;
    let hp: RunningHaproxy;
    let bin: StandIns;
    let work: string;
    let router: HaproxyRouter;
    let load: ChildProcess | undefined;

    beforeAll(async () => {
      blue = await startAppServer({ name: 'v1' });
      green = await startAppServer({ name: 'v2' });
      hp = await startHaproxy({
        servers: { blue: blue.port, green: green.port },
        socket: 'unix',
        backend: 'shop',
      });
      work = mkdtempSync(path.join(os.tmpdir(), 'glidepath-recipes-'));
      bin = standIns(path.join(work, 'bin'), ['docker', 'pg_dump']);
      // docker compose: `port web 8000` names the stack's published address; everything else succeeds
      bin.respond(
        'docker',
        `if [ "$4" = port ]; then
  case "$3" in shop-blue) echo "0.0.0.0:${blue.port}" ;; shop-green) echo "0.0.0.0:${green.port}" ;; esac
fi
`,
      );
      // pg_dump writes the file it is given
      bin.respond(
        'pg_dump',
        'for a in "$@"; do case "$a" in --file=*) echo dump > "${a#--file=}" ;; esac; done\n',
      );
      router = new HaproxyRouter({
        kind: 'haproxy',
        sockets: [hp.socketAddress],
        blue: { backend: 'shop', servers: ['blue'] },
        green: { backend: 'shop', servers: ['green'] },
      });
      load = await startLoad(`${hp.frontendUrl}/`);
    });

    afterAll(async () => {
      load?.kill('SIGTERM');
      await hp?.stop();
      await blue?.close();
      await green?.close();
    });

    const addresses = () => ({
      '/run/haproxy/admin.sock': hp.socketPath!,
      'https://shop.example.com': hp.frontendUrl,
      '/var/backups/shop': path.join(work, 'backups'),
    });
    const values = {
      'github.sha': SHA,
      'secrets.DATABASE_URL': 'postgres://shop:secret-pw@db.internal/shop',
      'inputs.command': 'status',
      'inputs.force': 'false',
      'inputs.load-balancer': 'haproxy',
      'needs.canary.outputs.result': 'held',
    };

    async function run(
      file: string,
      job: string,
      durations: Record<string, string>,
      extra: Record<string, string> = {},
    ) {
      const step = glidepathStep(loadRecipe(file), job, { ...values, ...extra }, durations);
      const before = bin.calls().length;
      const r = await runBundle(pointed(step.inputs, addresses()), {
        env: { ...pointed(step.env, addresses()), PATH: pathWith(bin.dir), GITHUB_SHA: SHA },
      });
      return {
        ...r,
        calls: bin
          .calls()
          .slice(before)
          .map((c) => `${c.cmd} ${c.args.join(' ')}`),
        overridden: step.overridden,
      };
    }

    it('recipe 1: backup, the idle stack up, smoke straight at it, canary, verify, keep-previous, drain, the old stack stopped', async () => {
      const r = await run('compose-haproxy-vm.yml', 'deploy', { interval: '5s', 'keep-previous': '1s' });
      expect(r.overridden).toEqual(['interval', 'keep-previous']);
      expect(r.outputs.result, r.stdout).toBe('promoted');
      expect(r.outputs).toMatchObject({ 'live-slot': 'green', 'previous-slot': 'blue', weight: '100' });
      const dump = r.calls.find((c) => c.startsWith('pg_dump'))!;
      expect(dump).toMatch(
        new RegExp(
          `^pg_dump --format=custom --file=${path.join(work, 'backups')}/shop-\\d{8}T\\d{6}Z-f00dfee\\.dump postgres://shop:secret-pw@db\\.internal/shop$`,
        ),
      );
      expect(readdirSync(path.join(work, 'backups'))).toHaveLength(1);
      expect(r.calls.filter((c) => c.startsWith('docker'))).toEqual([
        'docker compose --project-name shop-green up --detach --wait --wait-timeout 180',
        'docker compose --project-name shop-green port web 8000',
        'docker compose --project-name shop-blue stop',
      ]);
      // the smoke test reached the green stack itself, and the verify paths went through HAProxy
      expect(r.stdout).toMatch(/hook smoke ok/);
      expect(r.stdout).toMatch(/hook verify ok/);
      expect(r.stdout).toMatch(/drain: blue has no open session after/);
      expect((await router.read()).weights).toEqual({ blue: 0, green: 100 });
    }, 90_000);

    it('recipe 5: the canary job holds at 10%; the approved job promotes the same deploy to 100%', async () => {
      const held = await run('approval-gate.yml', 'canary', { interval: '5s' });
      expect(held.outputs.result, held.stdout).toBe('held');
      expect(held.outputs.weight).toBe('10');
      expect(held.calls).toEqual([
        'docker compose --project-name shop-blue up --detach --wait --wait-timeout 180',
      ]);
      expect((await router.read()).weights).toEqual({ blue: 10, green: 90 });

      // recipe 6 meanwhile: on-call reads the held split
      const status = await run('on-call.yml', 'haproxy', {}, { 'inputs.command': 'status' });
      expect(status.outputs.result, status.stdout).toBe('unchanged');
      expect(status.stdout).toMatch(/held|in progress/);

      const promoted = await run('approval-gate.yml', 'promote', { interval: '5s' });
      expect(promoted.outputs.result, promoted.stdout).toBe('promoted');
      expect(promoted.outputs['live-slot']).toBe('blue');
      expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
    }, 90_000);

    it('recipe 6 (HAProxy): abort of a held canary puts the live slot back and marks the new one rejected', async () => {
      const held = await run('approval-gate.yml', 'canary', { interval: '5s' });
      expect(held.outputs.result, held.stdout).toBe('held');
      const abort = await run('on-call.yml', 'haproxy', {}, { 'inputs.command': 'abort' });
      expect(abort.outputs.result, abort.stdout).toBe('aborted');
      expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
      const rollback = await run('on-call.yml', 'haproxy', {}, { 'inputs.command': 'rollback' });
      // green holds the aborted version: refused without force
      expect(rollback.outputs.result).toBe('failed');
      expect(rollback.outputs['rollback-reason']).toMatch(/green/);
    }, 90_000);
  },
);

describe('recipe 6 (ALB): status through the bundle against a loopback ELB endpoint', () => {
  const recipe = loadRecipe('on-call.yml');
  const written = recipe.jobs.alb!.steps.find((s) => s.uses?.startsWith('glidepath/'))!.with as Record<
    string,
    string
  >;
  let aws: AlbStandin;
  beforeAll(async () => {
    aws = await new AlbStandin(
      written['alb-rule-arn']!,
      { blue: written['blue-target']!, green: written['green-target']! },
      'blue',
    ).start();
  });
  afterAll(() => aws.stop());

  it('reads the rule the recipe names: blue live at 100%', async () => {
    const step = glidepathStep(recipe, 'alb', { 'inputs.command': 'status', 'inputs.force': 'false' });
    expect(step.overridden).toEqual([]);
    const r = await runBundle(step.inputs, { env: aws.env('eu-west-1') });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs).toMatchObject({ result: 'unchanged', 'live-slot': 'blue' });
    expect(aws.of('DescribeRules')).not.toHaveLength(0);
  }, 60_000);
});
