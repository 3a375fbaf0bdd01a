// Constant load from a second process: keep-alive GET loops against one URL until SIGTERM/SIGINT or --ms,
// then prints {"requests","failures","statuses","byVersion","firstFailures"} as JSON on stdout.
// With --rps=N the loops are paced to N requests per second in all (each loop sends on its own
// schedule, catching up after a slow answer); without it each loop sends again after --pause ms.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const url = new URL(args.url);
const concurrency = Number(args.concurrency ?? 4);
const maxMs = Number(args.ms ?? 60_000);
const pauseMs = Number(args.pause ?? 5);
const rps = args.rps === undefined ? undefined : Number(args.rps);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const result = { requests: 0, failures: 0, statuses: {}, byVersion: {}, firstFailures: [] };
let stopping = false;

function once() {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        result.requests++;
        result.statuses[res.statusCode] = (result.statuses[res.statusCode] ?? 0) + 1;
        try {
          const v = JSON.parse(body).version;
          result.byVersion[v] = (result.byVersion[v] ?? 0) + 1;
        } catch {
          // not the app's JSON
        }
        if (res.statusCode !== 200) fail(`status ${res.statusCode}`);
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => {
      result.requests++;
      fail(e.message);
      resolve();
    });
  });
}

function fail(why) {
  result.failures++;
  if (result.firstFailures.length < 5) result.firstFailures.push(why);
}

async function loop(index) {
  if (rps) {
    // loop i sends at start + (i + k·concurrency) / rps seconds: together, rps evenly spaced requests a second
    const periodMs = (1000 * concurrency) / rps;
    const start = performance.now() + (index * 1000) / rps;
    for (let k = 0; !stopping; k++) {
      const wait = start + k * periodMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!stopping) await once();
    }
    return;
  }
  while (!stopping) {
    await once();
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
  }
}

const stop = () => (stopping = true);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, maxMs).unref();
process.stdout.write('started\n');
await Promise.all(Array.from({ length: concurrency }, (_, i) => loop(i)));
agent.destroy();
process.stdout.write(JSON.stringify(result) + '\n');
