// Faults of HAProxy itself, through the bundle on a real HAProxy: killed and restarted, its runtime
// socket refusing connections, a server it no longer has. Each asserts where traffic ends up (read
// back from HAProxy), the result output, and that the reason names the fault.
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  haproxyAvailable,
  spawnHaproxy,
  startHaproxy,
  type HaproxyProcess,
  type RunningHaproxy,
} from '../helpers/haproxy.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { BundleProcess, MAIN, runBundle, runPost } from '../helpers/bundle.js';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';
import { parseShowStat, sendCommand } from '../../src/traffic/haproxy-socket.js';
import type { SocketAddress } from '../../src/config/types.js';

const available = haproxyAvailable();
if (!available && process.env.GLIDEPATH_REQUIRE_HAPROXY)
  throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A loopback TCP relay in front of HAProxy's runtime socket: while closed, connecting to its port is
 * refused (ECONNREFUSED) while HAProxy itself keeps serving traffic, as when a firewall rule or a
 * reload without `stats socket` takes the runtime API away.
 */
class Relay {
  private server: net.Server | undefined;
  private readonly open = new Set<net.Socket>();
  constructor(
    readonly port: number,
    private readonly to: number,
  ) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.to, '127.0.0.1');
      this.open.add(client);
      client.once('close', () => this.open.delete(client));
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe.skipIf(!available)('fault: HAProxy itself (bundle, real HAProxy)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function start(socket: 'unix' | 'tcp' = 'unix') {
    const blue: AppServer = await startAppServer({ name: 'v1' });
    cleanup.push(() => blue.close());
    const green: AppServer = await startAppServer({ name: 'v2' });
    cleanup.push(() => green.close());
    const hp: RunningHaproxy = await startHaproxy({
      servers: { blue: blue.port, green: green.port },
      socket,
    });
    cleanup.push(() => hp.stop());
    const routerOn = (address: SocketAddress) =>
      new HaproxyRouter({
        kind: 'haproxy',
        sockets: [address],
        blue: { backend: 'web', servers: ['blue'] },
        green: { backend: 'web', servers: ['green'] },
      });
    const inputs = (haproxySocket: string): Record<string, string> => ({
      command: 'deploy',
      strategy: 'canary',
      'canary-steps': '10,50',
      interval: '20s',
      'probe-interval': '500ms',
      'probe-timeout': '400ms',
      provider: 'haproxy',
      'haproxy-socket': haproxySocket,
      'blue-target': 'web/blue',
      'green-target': 'web/green',
      'health-urls': `${hp.frontendUrl}/health`,
      'min-requests': '0',
      'pr-comment': 'false',
    });
    return { hp, router: routerOn(hp.socketAddress), routerOn, inputs };
  }

  it('HAProxy killed mid-canary and restarted 2 s later: no verdict on the new version, the live slot gets 100% back once HAProxy answers, the reason names the dead socket', async () => {
    const { hp, router, inputs } = await start('unix');
    // green went live in an earlier deploy through the runtime API; the config file still says blue 100,
    // so the restarted HAProxy sends everything to blue, the slot this deploy has not verified
    await router.set({ blue: 0, green: 100 });
    const run = new BundleProcess(MAIN, inputs(hp.socketPath!));
    await run.waitFor(/step 1 · weights → blue 10% \/ green 90%/);
    const killedAt = Date.now();
    process.kill(hp.pid, 'SIGKILL');
    // while it is gone: the probes through it and the stats check fail; restart once Glidepath has
    // seen that (failure-threshold 2 at probe-interval 500ms), and no sooner than 2 s after the kill
    await run.waitFor(/2 probes in a row/, 15_000);
    await new Promise((r) => setTimeout(r, Math.max(0, 2000 - (Date.now() - killedAt))));
    const again: HaproxyProcess = await spawnHaproxy(
      ['-db', '-f', hp.cfgPath],
      hp.socketAddress,
      path.dirname(hp.cfgPath),
    );
    cleanup.push(() => again.stop());

    const r = await run.done;
    expect(r.outputs.result, r.stdout).toBe('failed');
    expect(r.code).not.toBe(0);
    const reason = r.outputs['rollback-reason']!;
    expect(reason).toMatch(
      new RegExp(
        `^the load balancer stopped answering during step 1 \\(HAProxy runtime API at ${escape(hp.socketPath!)}: connect ECONNREFUSED — is HAProxy running and is "stats socket" configured\\?\\); what failed meanwhile is not held against blue: probe ${escape(inputs('')['health-urls']!)} failed: connection refused`,
      ),
    );
    expect(reason).toMatch(/; traffic restored to green$/);
    expect(r.stdout).toContain('::notice title=Glidepath restored the live slot::RESTORED (the run failed)');
    expect(r.outputs['live-slot']).toBe('green');
    // the end state, read back from the restarted HAProxy: green at 100%, not its config's blue 100
    expect((await router.read()).weights).toEqual({ blue: 0, green: 100 });
    expect(await router.lockHolder()).toBeUndefined();
  }, 60_000);

  /** HAProxy's runtime API on loopback TCP, reached through a relay the test can close */
  async function startRelayed() {
    const h = await start('tcp');
    const relay = new Relay(await freePort(), (h.hp.socketAddress as { port: number }).port);
    await relay.start();
    cleanup.push(() => relay.stop());
    return { ...h, relay, socket: `127.0.0.1:${relay.port}` };
  }

  it('the runtime socket refuses connections from the start: the deploy is refused naming the socket, its hooks never run, nothing moves', async () => {
    const { router, relay, socket, inputs } = await startRelayed();
    await relay.stop();
    const r = await runBundle({ ...inputs(socket), 'deploy-command': 'echo deployed' });
    expect(r.outputs.result, r.stdout).toBe('failed');
    expect(r.code).not.toBe(0);
    expect(r.outputs['rollback-reason']).toMatch(
      new RegExp(
        `HAProxy runtime API at ${escape(socket)}: connect ECONNREFUSED — is HAProxy running and is "stats socket" configured\\?`,
      ),
    );
    expect(r.stdout).not.toContain('hook: deploy');
    // read straight from HAProxy, past the closed relay
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
  }, 60_000);

  it('the runtime socket starts refusing mid-step: the run fails naming it and says the split is held and how to end it; the post step restores the live slot once it answers', async () => {
    const { router, relay, socket, inputs } = await startRelayed();
    const run = new BundleProcess(MAIN, inputs(socket));
    await run.waitFor(/step 1 · weights → blue 90% \/ green 10%/);
    await relay.stop();
    const r = await run.done;
    expect(r.outputs.result, r.stdout).toBe('failed');
    expect(r.code).not.toBe(0);
    const refused = `HAProxy runtime API at ${escape(socket)}: connect ECONNREFUSED`;
    expect(r.outputs['rollback-reason']).toMatch(
      new RegExp(`^check haproxy-stats could not run: ${refused}`),
    );
    expect(r.outputs['rollback-reason']).toMatch(
      new RegExp(
        `could not restore blue to 100% after 4 attempts \\(${refused} .*\\); traffic last seen at blue 90% / green 10% on HAProxy ${escape(socket)} \\(web/blue, web/green\\) and may still be split: set blue to 100% by hand$`,
      ),
    );
    // the held state: HAProxy keeps serving the split the run last set, and the run says so
    expect((await router.read()).weights).toEqual({ blue: 90, green: 10 });
    expect(r.outputs.weight).toBe('10');
    expect(r.stdout).toContain(
      `could not release the lock: ${socket.replace(/^/, 'HAProxy runtime API at ')}`,
    );

    // the socket answers again: the post step (as the runner runs it right after) restores blue and frees the lock
    await relay.start();
    const post = await runPost(inputs(socket), r.state, r.dir);
    expect(post.code, post.stdout).toBe(0);
    expect(post.stdout).toContain('blue has 100%25 of traffic again'); // %25: the runner's escape of %
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
    expect(await router.lockHolder()).toBeUndefined();
  }, 60_000);

  it('HAProxy no longer has a server of the new slot mid-step (unknown server): the live slot gets 100%, the reason names the missing server', async () => {
    const { hp, router, inputs } = await start('unix');
    const run = new BundleProcess(MAIN, inputs(hp.socketPath!));
    await run.waitFor(/step 1 · weights → blue 90% \/ green 10%/);
    // as an operator's `del server` (or a reload of a config without it) does; HAProxy then answers
    // "No such server." to commands naming it and leaves it out of `show stat`
    const del = await sendCommand(
      hp.socketAddress,
      'set server web/green state maint; shutdown sessions server web/green; del server web/green',
    );
    expect(del).toContain('Server deleted.');
    expect(await sendCommand(hp.socketAddress, 'set weight web/green 10')).toContain('No such server.');

    const r = await run.done;
    expect(r.outputs.result, r.stdout).toBe('failed');
    expect(r.code).not.toBe(0);
    expect(r.outputs['rollback-reason']).toMatch(
      /^check haproxy-stats could not run: green-target "web\/green" is not a server of HAProxy at .*; traffic restored to blue$/,
    );
    expect(r.stdout).toContain(
      'web/blue weight 100 (100%25) UP; web/green is no longer a server of HAProxy (no traffic goes there)',
    );
    expect(r.outputs['live-slot']).toBe('blue');
    // the end state, from HAProxy: blue is its only server of backend web, at its full weight
    const rows = parseShowStat(await sendCommand(hp.socketAddress, 'show stat -1 4 -1'))
      .filter((row) => row.pxname === 'web')
      .map((row) => `${row.pxname}/${row.svname} weight ${row.uweight} ${row.status}`);
    expect(rows).toEqual(['web/blue weight 100 UP']);
    expect(await router.lockHolder()).toBeUndefined();
  }, 60_000);
});
