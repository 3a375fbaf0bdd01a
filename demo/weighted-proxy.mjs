#!/usr/bin/env node
// DEMO ONLY: a tiny weighted reverse proxy (no dependencies) standing in for HAProxy on machines without it.
// Not for production: no TLS, no health checks, no retries, no limits.
//
//   node demo/weighted-proxy.mjs --port P --blue URL --green URL --state FILE   serve
//   BLUE_WEIGHT=90 GREEN_WEIGHT=10 node demo/weighted-proxy.mjs set --port P    set weights (client)
//   node demo/weighted-proxy.mjs get --port P                                   print weights (client)
//   node demo/weighted-proxy.mjs check --port P --slot green --baseline FILE \
//        [--max-error-rate 1] [--min-requests 20]                              judge real traffic (client)
//
// Each request goes to blue or green by smooth weighted round-robin (nginx's algorithm), so a
// 25/75 split sends exactly 25 of every 100 requests to the 25 side, interleaved. The admin API
// lives on the same port under /__glidepath/:
//   GET  /__glidepath/weights   → {"blue":N,"green":M}
//   PUT  /__glidepath/weights   ← {"blue":N,"green":M}   (each 0..100, not both 0)
//   GET  /__glidepath/stats     → {"blue":{"requests":n,"errors5xx":e},"green":{...}}  (since start)
// Weights persist in --state FILE so a restarted proxy keeps its split. The client subcommands
// exist so the demo's traffic-command needs only Node, not curl.
//
// `check` is a Glidepath `check-command`: it judges the slot's REAL traffic (what HAProxy's stats
// give the action natively) from /__glidepath/stats. It compares with the reading it saved in
// --baseline FILE on its previous call, prints one line, and exits 1 when the slot's 5xx rate since
// then is above --max-error-rate percent. Below --min-requests it keeps the old baseline so the
// window grows until it has enough requests, unless the errors already seen would break the limit
// even if every missing request succeeded (then it fails at once, as the action's judge does).
// --slot defaults to $GLIDEPATH_TARGET_SLOT, which the action sets for check commands.
import http from 'node:http';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { listen } from './listen.mjs';

const SLOTS = ['blue', 'green'];
const ADMIN = '/__glidepath/';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    blue: { type: 'string' },
    green: { type: 'string' },
    state: { type: 'string' },
    slot: { type: 'string' },
    baseline: { type: 'string' },
    'max-error-rate': { type: 'string', default: '1' },
    'min-requests': { type: 'string', default: '20' },
  },
});

function fail(message, code = 2) {
  process.stderr.write(`weighted-proxy: ${message}\n`);
  process.exit(code);
}

function portArg(allowZero) {
  const p = Number(values.port);
  if (values.port === undefined || !Number.isInteger(p) || p < (allowZero ? 0 : 1) || p > 65535) {
    fail(
      `--port must be a port number${allowZero ? ' (0 = any free port)' : ''}, got "${values.port ?? ''}"`,
    );
  }
  return p;
}

/** Returns an error sentence, or undefined when `w` is a usable split. */
function weightsProblem(w) {
  if (w === null || typeof w !== 'object' || Array.isArray(w))
    return 'expected a JSON object like {"blue":90,"green":10}';
  for (const s of SLOTS) {
    const v = w[s];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100)
      return `"${s}" must be a number from 0 to 100, got ${JSON.stringify(v)}`;
  }
  if (w.blue + w.green === 0) return 'blue and green cannot both be 0: no slot would take traffic';
  return undefined;
}

// ---------- client subcommands ----------

function adminRequest(method, body, endpoint = 'weights') {
  const port = portArg(false);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: values.host,
        port,
        method,
        path: `${ADMIN}${endpoint}`,
        headers: { 'content-type': 'application/json' },
        timeout: 5000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 5s')));
    req.on('error', (e) =>
      reject(new Error(`cannot reach the proxy at ${values.host}:${port}: ${e.message}`)),
    );
    req.end(body);
  });
}

async function client(cmd) {
  let body;
  if (cmd === 'set') {
    const w = {};
    for (const s of SLOTS) {
      const name = `${s.toUpperCase()}_WEIGHT`;
      const text = process.env[name];
      const n = Number(text);
      if (text === undefined || text.trim() === '' || !Number.isFinite(n))
        fail(`${name} must be set to a number from 0 to 100, got "${text ?? ''}"`);
      w[s] = n;
    }
    body = JSON.stringify(w);
  }
  try {
    const r = await adminRequest(cmd === 'set' ? 'PUT' : 'GET', body);
    if (r.status !== 200) fail(`${cmd} failed with HTTP ${r.status}: ${r.text.trim()}`, 1);
    process.stdout.write(`${r.text.trim()}\n`);
  } catch (e) {
    fail(e.message, 1);
  }
}

function numberArg(name, min, max) {
  const text = values[name];
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    fail(`--${name} must be a number from ${min} to ${max}, got "${text ?? ''}"`);
  return n;
}

const pct = (part, whole) => (whole > 0 ? (part / whole) * 100 : 0);
const fmtPct = (n) => `${Number(n.toFixed(2))}%`;

async function check() {
  const slot = values.slot ?? process.env.GLIDEPATH_TARGET_SLOT;
  if (!SLOTS.includes(slot))
    fail(`--slot (or GLIDEPATH_TARGET_SLOT) must be blue or green, got "${slot ?? ''}"`);
  const limit = numberArg('max-error-rate', 0, 100);
  const minRequests = numberArg('min-requests', 0, 1e9);
  if (!values.baseline) fail('--baseline FILE is required: it keeps the previous reading between calls');
  const baselinePath = values.baseline;

  let now;
  try {
    const r = await adminRequest('GET', undefined, 'stats');
    if (r.status !== 200) fail(`check failed: stats answered HTTP ${r.status}: ${r.text.trim()}`, 1);
    now = JSON.parse(r.text)[slot];
    if (typeof now?.requests !== 'number' || typeof now?.errors5xx !== 'number')
      fail(`check failed: stats lack counters for ${slot}: ${r.text.trim()}`, 1);
  } catch (e) {
    fail(`check failed: ${e.message}`, 1);
  }

  let before;
  try {
    const saved = JSON.parse(readFileSync(baselinePath, 'utf8'));
    if (saved.slot === slot && typeof saved.requests === 'number' && typeof saved.errors5xx === 'number')
      before = saved;
  } catch {
    // no baseline yet
  }
  const save = () => {
    const tmp = `${baselinePath}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ slot, requests: now.requests, errors5xx: now.errors5xx })}\n`);
    renameSync(tmp, baselinePath);
  };
  // Counters only grow while the proxy lives: smaller ones mean it restarted, so start over.
  if (!before || now.requests < before.requests || now.errors5xx < before.errors5xx) {
    save();
    process.stdout.write(
      `${slot}: first reading (${now.requests} requests so far), baseline saved; judging from the next call\n`,
    );
    return;
  }
  const requests = now.requests - before.requests;
  const errors = now.errors5xx - before.errors5xx;
  const measured = `${slot}: ${errors} of ${requests} requests answered 5xx (${fmtPct(pct(errors, requests))}) since the last check`;
  if (requests < minRequests) {
    const bestCase = pct(errors, minRequests);
    if (bestCase > limit) {
      save();
      process.stdout.write(
        `${measured}: FAIL, above the ${limit}% limit even if the ${minRequests - requests} requests missing to min-requests ${minRequests} all succeed\n`,
      );
      process.exit(1);
    }
    // keep the old baseline: the next call judges a longer window
    process.stdout.write(`${measured}: fewer than min-requests ${minRequests}, waiting for more traffic\n`);
    return;
  }
  save();
  const rate = pct(errors, requests);
  if (rate > limit) {
    process.stdout.write(`${measured}: FAIL, above the ${limit}% limit\n`);
    process.exit(1);
  }
  process.stdout.write(`${measured}: ok, within ${limit}%\n`);
}

// ---------- server ----------

function serve() {
  const port = portArg(true);
  const upstream = {};
  for (const s of SLOTS) {
    try {
      upstream[s] = new URL(values[s] ?? '');
    } catch {
      fail(`--${s} must be the slot's base URL, e.g. http://127.0.0.1:3001, got "${values[s] ?? ''}"`);
    }
  }
  if (!values.state) fail('--state FILE is required: it keeps the weights across restarts');
  const statePath = values.state;

  let weights = { blue: 100, green: 0 };
  try {
    const saved = JSON.parse(readFileSync(statePath, 'utf8'));
    if (weightsProblem(saved) === undefined) weights = { blue: saved.blue, green: saved.green };
    else process.stderr.write(`weighted-proxy: ignoring ${statePath}: ${weightsProblem(saved)}\n`);
  } catch {
    // no state yet: start with blue live
  }
  const save = () => {
    const tmp = `${statePath}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(weights)}\n`);
    renameSync(tmp, statePath); // atomic: a reader never sees half a file
  };
  save();

  // Smooth weighted round-robin: every pick adds each weight to its slot's score, takes the
  // highest, and charges it the total. Scores restart on every weight change.
  let score = { blue: 0, green: 0 };
  const pick = () => {
    const total = weights.blue + weights.green;
    let best = 'blue';
    for (const s of SLOTS) {
      score[s] += weights[s];
      if (weights[s] > 0 && (weights[best] === 0 || score[s] > score[best])) best = s;
    }
    score[best] -= total;
    return best;
  };

  const stats = { blue: { requests: 0, errors5xx: 0 }, green: { requests: 0, errors5xx: 0 } };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const HOP = new Set([
    'connection',
    'keep-alive',
    'proxy-connection',
    'transfer-encoding',
    'te',
    'trailer',
    'upgrade',
  ]);
  const strip = (headers) =>
    Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP.has(k.toLowerCase())));

  const json = (res, status, value) => {
    const body = `${JSON.stringify(value)}\n`;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const admin = (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === `${ADMIN}weights` && req.method === 'GET') return json(res, 200, weights);
    if (path === `${ADMIN}stats` && req.method === 'GET') return json(res, 200, stats);
    if (path === `${ADMIN}weights` && req.method === 'PUT') {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c) => {
        text += c;
        if (text.length > 4096) req.destroy();
      });
      req.on('end', () => {
        let w;
        try {
          w = JSON.parse(text);
        } catch {
          return json(res, 400, { error: `body is not JSON: ${text.slice(0, 200)}` });
        }
        const problem = weightsProblem(w);
        if (problem) return json(res, 400, { error: problem });
        weights = { blue: w.blue, green: w.green };
        score = { blue: 0, green: 0 };
        try {
          save();
        } catch (e) {
          return json(res, 500, { error: `weights applied but not saved to ${statePath}: ${e.message}` });
        }
        process.stdout.write(`weights blue ${weights.blue} green ${weights.green}\n`);
        return json(res, 200, weights);
      });
      return;
    }
    return json(res, 404, {
      error: `unknown admin endpoint ${req.method} ${path}; try GET/PUT ${ADMIN}weights, GET ${ADMIN}stats`,
    });
  };

  const server = http.createServer((req, res) => {
    if ((req.url ?? '').startsWith(ADMIN)) return admin(req, res);
    const slot = pick();
    const base = upstream[slot];
    stats[slot].requests += 1;
    const up = http.request(
      {
        agent,
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port,
        method: req.method,
        path: base.pathname.replace(/\/$/, '') + (req.url ?? '/'),
        headers: { ...strip(req.headers), 'x-forwarded-for': req.socket.remoteAddress ?? '' },
        timeout: 30_000,
      },
      (upRes) => {
        const status = upRes.statusCode ?? 502;
        if (status >= 500) stats[slot].errors5xx += 1;
        res.writeHead(status, { ...strip(upRes.headers), 'x-glidepath-slot': slot });
        upRes.pipe(res);
      },
    );
    up.on('timeout', () => up.destroy(new Error('upstream timed out after 30s')));
    up.on('error', (e) => {
      if (res.headersSent) return res.destroy();
      stats[slot].errors5xx += 1;
      json(res, 502, { error: `${slot} (${base.origin}) failed: ${e.message}` });
    });
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  });
  listen(server, port, values.host, () => agent.destroy());
}

const cmd = positionals[0];
if (cmd === 'set' || cmd === 'get') await client(cmd);
else if (cmd === 'check') await check();
else if (cmd === undefined || cmd === 'serve') serve();
else fail(`unknown subcommand "${cmd}": use set, get, check, or no subcommand to serve`);
