#!/usr/bin/env node
// `npm run demo`: runs the bundled action (dist/index.js) twice on loopback, as a runner would, with real traffic:
// a healthy v2 promoted by canary, then a v2 answering 5% 500s rolled back.
//
// Only Node is needed (no root, no cloud). With `haproxy` installed the front door is a real HAProxy
// driven over its runtime API; without it (or with GLIDEPATH_DEMO_NO_HAPROXY=1) it is the demo-only
// weighted proxy in demo/weighted-proxy.mjs, driven by the `command` provider. Everything started
// here is stopped on exit, on failure and on Ctrl-C. GLIDEPATH_DEMO_KEEP=1 keeps the temp dir
// (job summaries, JSON reports) for a look afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = path.join(ROOT, 'dist/index.js');
const POST = path.join(ROOT, 'dist/post/index.js');
const APP = path.join(ROOT, 'demo/app.mjs');
const PROXY = path.join(ROOT, 'demo/weighted-proxy.mjs');
const NODE = process.execPath;
/** A bound on the whole demo: it should take ~20 s; past this something hangs. */
const DEMO_BOUND_MS = 120_000;
/** A bound on one run of the action (its own `timeout` input is lower). */
const RUN_BOUND_MS = 60_000;
const LOAD = { concurrency: 4, pauseMs: 5 };

const t0 = Date.now();
const since = (start = t0) => `${((Date.now() - start) / 1000).toFixed(1)}s`;
const say = (line = '') => process.stdout.write(`${line}\n`);
const banner = (title) => say(`\n━━ ${title} ${'━'.repeat(Math.max(3, 76 - title.length))}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------- processes: everything we start is tracked and stopped by PID ----------

/** Long-lived servers (apps, proxy, HAProxy), spawned in their own process group so Ctrl-C reaches only us and the action. */
const servers = new Set();
/** The action while it runs; also in its own group, so it gets exactly one signal from us, as from a runner. */
let action;
let loadGen;
let workDir;
let cleaning;
/** Set once cleanup starts: nothing new is started after that. */
let shuttingDown = false;

function alive(child) {
  return child.exitCode === null && child.signalCode === null;
}

async function stopChild(child, graceMs = 2000, signal = 'SIGTERM') {
  if (!alive(child) || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  try {
    process.kill(child.pid, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => alive(child) && child.pid && process.kill(child.pid, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops everything; `signal` is what the action gets if it still runs (a runner sends SIGINT on cancel). */
async function cleanup(signal = 'SIGTERM') {
  shuttingDown = true;
  cleaning ??= (async () => {
    loadGen?.halt();
    if (action && alive(action)) {
      // Let the action put traffic back on the live slot before its front door goes away.
      say(`  sent ${signal} to the action; waiting for it to restore the live slot (up to 10 s)...`);
      await stopChild(action, 10_000, signal);
    }
    await Promise.all([...servers].map((c) => stopChild(c)));
    if (workDir && process.env.GLIDEPATH_DEMO_KEEP !== '1') rmSync(workDir, { recursive: true, force: true });
  })();
  return cleaning;
}

// Last resort if we die without cleanup (an exception in a callback): nothing outlives the demo.
process.on('exit', () => {
  for (const c of [...servers, action].filter(Boolean)) if (alive(c) && c.pid) process.kill(c.pid, 'SIGKILL');
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    say(`\n${sig}: stopping the demo and everything it started...`);
    void cleanup(sig).then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts a demo server (app or proxy) and resolves with its port once it prints `listening <port>`. */
function startServer(label, script, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    servers.add(child);
    child.once('exit', () => servers.delete(child));
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`${label} did not start within 5 s: ${err.trim()}`)),
      5000,
    );
    child.stderr.on('data', (d) => (err = (err + d).slice(-2000)));
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const m = /^listening (\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code ?? sig}) before listening: ${err.trim()}`));
    });
  });
}

async function startApp(label, port, version, errorRate) {
  const args = ['--port', String(port), '--version', version, '--error-rate', String(errorRate)];
  // the old process just released the port: retry a few times rather than fail on a slow release
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServer(label, APP, args);
    } catch (e) {
      if (attempt >= 5 || !/EADDRINUSE/.test(e.message)) throw e;
      await sleep(200);
    }
  }
}

// ---------- front doors ----------

/** HAProxy found on PATH (or in the sbin dirs a non-root PATH often lacks), unless told not to use it. */
function findHaproxy() {
  if (process.env.GLIDEPATH_DEMO_NO_HAPROXY === '1') return { why: 'GLIDEPATH_DEMO_NO_HAPROXY=1' };
  for (const bin of ['haproxy', '/usr/sbin/haproxy', '/usr/local/sbin/haproxy']) {
    if (bin.includes('/') && !existsSync(bin)) continue;
    const r = spawnSync(bin, ['-v'], { encoding: 'utf8', timeout: 5000 });
    if (r.status === 0) return { bin, version: (/version (\S+)/.exec(r.stdout) ?? [])[1] ?? '?' };
  }
  return { why: 'haproxy is not installed (looked on PATH, /usr/sbin, /usr/local/sbin)' };
}

/** One command over HAProxy's runtime API (it answers and closes). */
function haproxyCommand(socketPath, line) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    let out = '';
    sock.setTimeout(2000, () => sock.destroy(new Error(`no answer to "${line}" within 2 s`)));
    sock.on('connect', () => sock.write(`${line}\n`));
    sock.on('data', (d) => (out += d));
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
  });
}

async function startHaproxyDoor(bin, dir, ports) {
  const socketPath = path.join(dir, 'haproxy.sock');
  const cfgPath = path.join(dir, 'haproxy.cfg');
  const front = await freePort();
  writeFileSync(
    cfgPath,
    [
      'global',
      `  stats socket ${socketPath} mode 600 level admin`,
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 10s',
      '  timeout server 10s',
      'frontend fe',
      `  bind 127.0.0.1:${front}`,
      '  default_backend web',
      'backend web',
      '  balance roundrobin',
      `  server blue 127.0.0.1:${ports.blue} weight 100 check inter 1s`,
      `  server green 127.0.0.1:${ports.green} weight 0 check inter 1s`,
      '',
    ].join('\n'),
  );
  // -db: foreground, so the PID we hold is HAProxy itself
  const child = spawn(bin, ['-db', '-f', cfgPath], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  servers.add(child);
  child.once('exit', () => servers.delete(child));
  let out = '';
  for (const s of [child.stdout, child.stderr]) s.on('data', (d) => (out = (out + d).slice(-4000)));
  const deadline = Date.now() + 5000;
  // ready once the runtime API answers and both servers have a first health-check result
  for (;;) {
    if (!alive(child)) throw new Error(`haproxy exited (${child.exitCode ?? child.signalCode}):\n${out}`);
    try {
      const csv = await haproxyCommand(socketPath, 'show stat -1 4 -1');
      const [head, ...rows] = csv.trim().split('\n');
      const col = head.replace(/^# /, '').split(',').indexOf('check_status');
      if (col >= 0 && rows.length >= 2 && rows.every((r) => !/INI$/.test(r.split(',')[col]))) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`haproxy's runtime API was not ready within 5 s:\n${out}`);
    await sleep(50);
  }
  const weight = async (slot) =>
    Number(/^(\d+)/.exec(await haproxyCommand(socketPath, `get weight web/${slot}`))?.[1]);
  return {
    mode: 'haproxy',
    url: `http://127.0.0.1:${front}`,
    describe: `HAProxy (${bin}) on http://127.0.0.1:${front}, runtime API on ${socketPath}`,
    inputs: {
      provider: 'haproxy',
      'haproxy-socket': socketPath,
      'blue-target': 'web/blue',
      'green-target': 'web/green',
    },
    judgedBy: "HAProxy's own counters (hrsp_5xx / req_tot of the new server, read by the action)",
    async setBlueLive() {
      // raise blue before lowering green, on one line: never an instant with both at 0
      await haproxyCommand(socketPath, 'set weight web/blue 100; set weight web/green 0');
    },
    async weights() {
      return { blue: await weight('blue'), green: await weight('green') };
    },
  };
}

async function startProxyDoor(dir, ports) {
  const { port } = await startServer('weighted proxy', PROXY, [
    '--port',
    '0',
    '--blue',
    `http://127.0.0.1:${ports.blue}`,
    '--green',
    `http://127.0.0.1:${ports.green}`,
    '--state',
    path.join(dir, 'proxy-weights.json'),
  ]);
  const admin = (method, body) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method, path: '/__glidepath/weights', timeout: 2000 },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(JSON.parse(text))
              : reject(new Error(`proxy: HTTP ${res.statusCode} ${text}`)),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('proxy admin API: no answer within 2 s')));
      req.on('error', reject);
      req.end(body);
    });
  // The action runs these with the repo as its working directory, like a runner's workspace.
  const client = `node demo/weighted-proxy.mjs`;
  return {
    mode: 'command',
    url: `http://127.0.0.1:${port}`,
    describe: `demo/weighted-proxy.mjs (DEMO ONLY) on http://127.0.0.1:${port}, weights under /__glidepath/`,
    inputs: {
      provider: 'command',
      'traffic-command': `${client} set --port ${port}`,
      'traffic-status-command': `${client} get --port ${port}`,
      // Real-traffic judging: the proxy's counters, through a check-command (HAProxy mode needs none)
      'check-command': `${client} check --port ${port} --slot "$GLIDEPATH_TARGET_SLOT" --max-error-rate 1 --min-requests 20 --baseline "$RUNNER_TEMP/check-baseline.json"`,
    },
    judgedBy: "the proxy's counters, through check-command (`weighted-proxy.mjs check`)",
    setBlueLive: () => admin('PUT', JSON.stringify({ blue: 100, green: 0 })),
    weights: () => admin('GET'),
  };
}

// ---------- load: keep-alive loops through the front door, as users would hit the service ----------

function startLoad(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: LOAD.concurrency });
  const totals = { requests: 0, failed: 0, byVersion: {}, byStatus: {}, firstFailures: [] };
  let stopping = false;
  const failed = (why) => {
    totals.failed++;
    if (totals.firstFailures.length < 3) totals.firstFailures.push(why);
  };
  const once = () =>
    new Promise((resolve) => {
      const req = http.get(`${url}/`, { agent, timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          totals.requests++;
          totals.byStatus[res.statusCode] = (totals.byStatus[res.statusCode] ?? 0) + 1;
          let version = '(not the app)';
          try {
            version = JSON.parse(body).version ?? version;
          } catch {
            // a proxy error page, not the app's JSON
          }
          totals.byVersion[version] = (totals.byVersion[version] ?? 0) + 1;
          if (res.statusCode !== 200) failed(`HTTP ${res.statusCode} from ${version}`);
          resolve();
        });
        res.on('error', (e) => {
          totals.requests++;
          failed(e.message);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
      req.on('error', (e) => {
        totals.requests++;
        failed(e.message);
        resolve();
      });
    });
  const loop = async () => {
    while (!stopping) {
      await once();
      await sleep(LOAD.pauseMs);
    }
  };
  const loops = Promise.all(Array.from({ length: LOAD.concurrency }, loop));
  return {
    halt() {
      stopping = true;
    },
    async stop() {
      stopping = true;
      await loops;
      agent.destroy();
      return totals;
    },
  };
}

function describeLoad(t) {
  const versions = Object.entries(t.byVersion)
    .map(([v, n]) => `${v} ${n}`)
    .join(', ');
  const statuses = Object.entries(t.byStatus)
    .map(([s, n]) => `${s}×${n}`)
    .join(', ');
  return `${t.requests} requests, ${t.failed} failed · by version: ${versions || 'none'} · statuses: ${statuses || 'none'}`;
}

// ---------- the action, run as the runner runs it ----------

/** Workflow commands (`::group::`, `::error::`) as a person would read them in the Actions UI. */
function renderLogLine(line) {
  const unescape = (s) =>
    s
      .replace(/%0D/g, '\r')
      .replace(/%0A/g, '\n')
      .replace(/%3A/g, ':')
      .replace(/%2C/g, ',')
      .replace(/%25/g, '%');
  const m = /^::([a-z-]+)( [^:]*)?::(.*)$/.exec(line);
  if (!m) return line;
  const [, cmd, props = '', msg] = m;
  if (cmd === 'group') return `▸ ${unescape(msg)}`;
  if (
    cmd === 'endgroup' ||
    cmd === 'add-mask' ||
    cmd === 'debug' ||
    cmd === 'save-state' ||
    cmd === 'set-output'
  )
    return undefined;
  if (cmd === 'error' || cmd === 'warning' || cmd === 'notice') {
    const title = /title=([^,]*)/.exec(props)?.[1];
    return `${cmd.toUpperCase()}${title ? ` (${unescape(title)})` : ''}: ${unescape(msg)}`;
  }
  return line;
}

/** Parses the `name<<delimiter` blocks @actions/core writes to GITHUB_OUTPUT and GITHUB_STATE. */
function parseCommandFile(text) {
  const out = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (!m) continue;
    const value = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]);
    out[m[1]] = value.join('\n');
  }
  return out;
}

const inputEnv = (inputs) =>
  Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));

/** Runs one entry point of the bundle with the runner's env and files, streaming its log with a prefix. */
function runEntry(script, inputs, dir, extraEnv, tag) {
  const files = {
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_STATE: path.join(dir, 'state'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
  };
  for (const f of Object.values(files)) if (!existsSync(f)) writeFileSync(f, '');
  if (shuttingDown) throw new Error('stopping: not starting the action again');
  const start = Date.now();
  const child = spawn(NODE, [script], {
    cwd: ROOT, // a runner's working directory is the checked-out repository
    env: {
      // the node running this demo first, so `node` in the commands is the same one
      PATH: [path.dirname(NODE), process.env.PATH ?? ''].join(path.delimiter),
      HOME: process.env.HOME ?? dir,
      RUNNER_TEMP: dir,
      ...files,
      ...extraEnv,
      ...inputEnv(inputs),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  action = child;
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      const shown = renderLogLine(line);
      if (shown === undefined) return;
      for (const l of shown.split('\n')) say(`  ${tag} ${since(start).padStart(5)} │ ${l}`);
    });
  }
  return new Promise((resolve) => {
    const bound = setTimeout(() => {
      say(`  the action did not finish within ${RUN_BOUND_MS / 1000} s: stopping it`);
      void stopChild(child, 10_000);
    }, RUN_BOUND_MS);
    child.once('close', (code, signal) => {
      clearTimeout(bound);
      if (action === child) action = undefined;
      resolve({
        code,
        signal,
        ms: Date.now() - start,
        outputs: parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
        state: parseCommandFile(readFileSync(files.GITHUB_STATE, 'utf8')),
        summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
      });
    });
  });
}

/** The deploy job's step: main, then post (`post-if: always()`), under load. */
async function deploy(n, title, door, inputs) {
  banner(`run ${n}: ${title}`);
  const dir = path.join(workDir, `run-${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  say('  the workflow step being run (dist/index.js, then dist/post/index.js as the runner does):');
  say('    - uses: glidepath');
  say('      with:');
  for (const [k, v] of Object.entries(inputs))
    say(`        ${k}: ${/[:#"'$]|^\s|\s$/.test(v) ? JSON.stringify(v) : v}`);
  say(`  load: ${LOAD.concurrency} keep-alive clients through ${door.url} for the whole run`);
  say('');
  loadGen = startLoad(door.url);
  const main = await runEntry(MAIN, inputs, dir, {}, 'main');
  const stateEnv = Object.fromEntries(Object.entries(main.state).map(([k, v]) => [`STATE_${k}`, v]));
  const post = await runEntry(POST, inputs, dir, stateEnv, 'post');
  const load = await loadGen.stop();
  loadGen = undefined;
  const weights = await door.weights();

  say('');
  say(
    `  main step exit code: ${main.code ?? main.signal} (after ${(main.ms / 1000).toFixed(1)} s) · post step exit code: ${post.code ?? post.signal}`,
  );
  say('  outputs:');
  for (const k of ['result', 'live-slot', 'previous-slot', 'weight', 'rollback-reason'])
    say(`    ${k}: ${main.outputs[k] || '(empty)'}`);
  say(`  front door weights now: blue ${weights.blue} / green ${weights.green}`);
  say(`  load generator (what users saw): ${describeLoad(load)}`);
  if (load.firstFailures.length) say(`    first failures: ${load.firstFailures.join('; ')}`);
  say('');
  say(`  ┌─ job summary (the markdown the action wrote to GITHUB_STEP_SUMMARY) ${'─'.repeat(8)}`);
  for (const l of main.summary.trimEnd().split('\n')) say(`  │ ${l}`);
  say(`  └${'─'.repeat(77)}`);
  return { main, post, load, weights };
}

// ---------- the demo ----------

const COMMON = {
  command: 'deploy',
  strategy: 'canary',
  'canary-steps': '10,50',
  interval: '3s',
  'probe-interval': '1s',
  'probe-timeout': '800ms',
  'failure-threshold': '2',
  'max-error-rate': '1',
  'min-requests': '20',
  'health-body': '$.status == "ready"',
  timeout: '45s',
};

async function demo() {
  if (!existsSync(MAIN) || !existsSync(POST)) {
    throw new Error(
      `the bundle is missing (${path.relative(ROOT, MAIN)}, ${path.relative(ROOT, POST)}): run \`npm run package\` first`,
    );
  }
  workDir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-demo-'));
  const hp = findHaproxy();

  banner('Glidepath demo');
  say('  Two deploys of the same service on loopback, each a real run of the bundled action');
  say('  (node dist/index.js with INPUT_* variables, like a GitHub runner), under constant load:');
  say('    run 1: a healthy v2 goes out by canary 10% → 50% → 100% and is PROMOTED');
  say('    run 2: a v2 answering 5% 500s goes out the same way and is ROLLED BACK (the expected outcome)');
  say(
    hp.bin
      ? `  mode: HAProxy ${hp.version} found (${hp.bin}): provider haproxy, weights over the runtime API`
      : `  mode: no HAProxy (${hp.why}): provider command with the DEMO-ONLY demo/weighted-proxy.mjs`,
  );

  const ports = { blue: await freePort(), green: await freePort() };
  await startApp('blue app (v1)', ports.blue, 'v1', 0);
  let green = await startApp('green app (v2)', ports.green, 'v2', 0);
  const door = hp.bin ? await startHaproxyDoor(hp.bin, workDir, ports) : await startProxyDoor(workDir, ports);
  say(`  blue: v1 on 127.0.0.1:${ports.blue} (live) · green: v2 on 127.0.0.1:${ports.green} (idle)`);
  say(`  front door: ${door.describe}`);
  say(`  the new slot's real traffic is judged by ${door.judgedBy}; probes go through the front door`);
  const inputs = { ...COMMON, ...door.inputs, 'health-urls': `${door.url}/health` };

  const run1 = await deploy(1, 'healthy v2, expected: promoted', door, inputs);

  banner('between runs');
  await door.setBlueLive();
  say('  front door reset to blue 100 / green 0 (v1 live again, as before run 1)');
  await stopChild(green.child);
  green = await startApp('green app (v2, faulty)', ports.green, 'v2', 0.05);
  say(`  green restarted as v2 with --error-rate 0.05: every 20th request it serves answers 500`);

  const run2 = await deploy(2, 'v2 answering 5% 500s, expected: rolled-back', door, inputs);

  banner('verdict');
  const problems = [];
  const expect = (ok, what) => {
    say(`  ${ok ? '✔' : '✘'} ${what}`);
    if (!ok) problems.push(what);
  };
  expect(
    run1.main.outputs.result === 'promoted',
    `run 1 result is promoted (got ${run1.main.outputs.result || 'none'})`,
  );
  expect(run1.main.code === 0, `run 1 main step succeeded (exit ${run1.main.code ?? run1.main.signal})`);
  expect(
    run1.weights.green === 100 && run1.weights.blue === 0,
    `run 1 left green at 100% (blue ${run1.weights.blue} / green ${run1.weights.green})`,
  );
  expect(
    run1.load.failed === 0 && run1.load.requests > 0,
    `run 1: ${run1.load.failed} failed of ${run1.load.requests} user requests (zero downtime)`,
  );
  expect(
    run2.main.outputs.result === 'rolled-back',
    `run 2 result is rolled-back (got ${run2.main.outputs.result || 'none'})`,
  );
  expect(
    run2.main.code !== 0,
    `run 2 main step failed, as fail-on-rollback (default true) asks (exit ${run2.main.code ?? run2.main.signal})`,
  );
  expect(
    run2.weights.blue === 100 && run2.weights.green === 0,
    `run 2 left blue at 100% (blue ${run2.weights.blue} / green ${run2.weights.green})`,
  );
  expect(Boolean(run2.main.outputs['rollback-reason']), 'run 2 says why it rolled back (rollback-reason)');
  say(
    `  run 2: users saw ${run2.load.failed} failed of ${run2.load.requests} requests while the canary was at 10%, then none once it was rolled back`,
  );
  say(
    `  mode: ${door.mode === 'haproxy' ? 'HAProxy' : 'command provider + demo/weighted-proxy.mjs'} · total ${since()}`,
  );
  if (process.env.GLIDEPATH_DEMO_KEEP === '1')
    say(`  kept: ${workDir} (summaries, outputs, JSON reports per run)`);
  return problems;
}

let problems;
const watchdog = setTimeout(() => {
  say(`\nDEMO FAILED: still running after ${DEMO_BOUND_MS / 1000} s; stopping everything`);
  void cleanup().then(() => process.exit(1));
}, DEMO_BOUND_MS);
try {
  problems = await demo();
} catch (e) {
  say(`\nDEMO FAILED: ${e instanceof Error ? e.message : String(e)}`);
  problems = undefined;
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
if (problems && problems.length === 0) {
  say('\nDEMO OK: the healthy v2 was promoted and the faulty v2 was rolled back, as intended.');
  say('(run 2 "failing" is the point of the demo: the rollback is the feature.)');
  process.exit(0);
}
if (problems) say(`\nDEMO FAILED: ${problems.join('; ')}`);
process.exit(1);
