// Benchmark 3: switching HAProxy by runtime API (what Glidepath does) vs by cfg rewrite + reload (hand-written scripts).
import type { Slot } from '../src/config/types.js';
import { sendCommand } from '../src/traffic/haproxy-socket.js';
import { startArrivalServer } from './arrival-server.js';
import { startMasterWorker } from './master-worker-haproxy.js';
import { describeLoad, startLoad, type LoadOptions } from './load.js';
import { roundMs, summarize } from './summary.js';
import type { BenchResult, Figure } from './results.js';

export interface SwitchOptions {
  repeats: number;
  load: LoadOptions;
  /** load runs this long before the switch */
  warmupMs: number;
  /** and this long after it */
  windowMs: number;
  log: (line: string) => void;
}

type Method = 'runtime-api' | 'reload';

interface SwitchSample {
  /** first request on the gaining server after the switch began, ms */
  firstOnNewMs: number;
  /** last request on the losing server after the switch began (0: none), ms */
  lastOnOldMs: number;
  requests: number;
  failures: number;
  firstFailures: string[];
}

async function measure(method: Method, opts: SwitchOptions): Promise<SwitchSample[]> {
  const servers = { blue: await startArrivalServer('blue'), green: await startArrivalServer('green') };
  const hp = await startMasterWorker({
    servers: { blue: servers.blue.port, green: servers.green.port },
    weights: { blue: 100, green: 0 },
  });
  const out: SwitchSample[] = [];
  try {
    for (let i = 0; i < opts.repeats; i++) {
      // alternate direction so every repeat is a real switch from a settled 100/0
      const to: Slot = i % 2 === 0 ? 'green' : 'blue';
      const from: Slot = to === 'green' ? 'blue' : 'green';
      const load = await startLoad(hp.frontendUrl, opts.load);
      await new Promise((r) => setTimeout(r, opts.warmupMs));
      let t0: number;
      if (method === 'runtime-api') {
        servers.blue.reset();
        servers.green.reset();
        t0 = performance.now();
        // gaining server first, one line, as the HaproxyRouter does
        const reply = await sendCommand(hp.socket, `set weight web/${to} 100; set weight web/${from} 0`);
        if (reply.trim()) throw new Error(`HAProxy refused the switch: ${reply.trim()}`);
      } else {
        await hp.writeWeights(to === 'green' ? { blue: 0, green: 100 } : { blue: 100, green: 0 });
        servers.blue.reset();
        servers.green.reset();
        t0 = performance.now();
        hp.reload();
      }
      await new Promise((r) => setTimeout(r, opts.windowMs));
      const seen = await load.stop();
      const after = (s: Slot) => servers[s].arrivals.filter((t) => t >= t0).map((t) => t - t0);
      const onNew = after(to);
      const onOld = after(from);
      if (onNew.length === 0) {
        throw new Error(
          `${method}: no request reached ${to} within ${opts.windowMs} ms of the switch\n${hp.output()}`,
        );
      }
      const sample = {
        firstOnNewMs: Math.min(...onNew),
        lastOnOldMs: onOld.length ? Math.max(...onOld) : 0,
        requests: seen.requests,
        failures: seen.failures,
        firstFailures: seen.firstFailures,
      };
      out.push(sample);
      opts.log(
        `  ${method} ${i + 1}/${opts.repeats} → ${to}: first on new ${roundMs(sample.firstOnNewMs)} ms, ` +
          `last on old ${roundMs(sample.lastOnOldMs)} ms, ${seen.failures}/${seen.requests} failed`,
      );
    }
  } finally {
    await hp.stop();
    await servers.blue.close();
    await servers.green.close();
  }
  return out;
}

export async function benchSwitchMethod(opts: SwitchOptions): Promise<BenchResult> {
  const runtime = await measure('runtime-api', opts);
  const reload = await measure('reload', opts);
  const first = {
    runtime: summarize(runtime.map((s) => s.firstOnNewMs)),
    reload: summarize(reload.map((s) => s.firstOnNewMs)),
  };
  const last = {
    runtime: summarize(runtime.map((s) => s.lastOnOldMs)),
    reload: summarize(reload.map((s) => s.lastOnOldMs)),
  };
  const failed = (xs: SwitchSample[]) => xs.reduce((n, s) => n + s.failures, 0);
  const sent = (xs: SwitchSample[]) => xs.reduce((n, s) => n + s.requests, 0);
  // a sub-millisecond runtime median would make the ratio explode on noise; floor the divisor at 0.1 ms and say so
  const ratio = (a: number, b: number) => Math.round((a / Math.max(b, 0.1)) * 10) / 10;
  const figures: Figure[] = [
    {
      name: 'runtime API: first request on new server (median)',
      value: roundMs(first.runtime.median),
      unit: 'ms',
    },
    { name: 'reload: first request on new server (median)', value: roundMs(first.reload.median), unit: 'ms' },
    {
      name: 'reload ÷ runtime API, first request on new (this run)',
      value: ratio(first.reload.median, first.runtime.median),
      unit: '×',
    },
    {
      name: 'runtime API: first on new, min–max',
      value: `${roundMs(first.runtime.min)}–${roundMs(first.runtime.max)}`,
      unit: 'ms',
    },
    {
      name: 'reload: first on new, min–max',
      value: `${roundMs(first.reload.min)}–${roundMs(first.reload.max)}`,
      unit: 'ms',
    },
    {
      name: 'runtime API: last request on old server (median)',
      value: roundMs(last.runtime.median),
      unit: 'ms',
    },
    { name: 'reload: last request on old server (median)', value: roundMs(last.reload.median), unit: 'ms' },
    {
      name: 'runtime API: requests failed / sent',
      value: `${failed(runtime)}/${sent(runtime)}`,
      target: '0 failed',
      ok: failed(runtime) === 0,
    },
    { name: 'reload: requests failed / sent', value: `${failed(reload)}/${sent(reload)}` },
  ];
  return {
    id: 'switch-method',
    title: 'HAProxy switch: runtime API vs cfg rewrite + reload (context)',
    workload:
      `haproxy -W -db (master-worker), balance roundrobin, 100/0 → 0/100 alternating, ${opts.repeats} switches per method; ` +
      `load: ${describeLoad(opts.load)}, ${opts.warmupMs} ms before and ${opts.windowMs} ms after each switch; ` +
      'times from sending the command (runtime API) or SIGUSR2 to the master after the cfg was written (reload) ' +
      'to the request arriving at the app server, same clock; ratio divisor floored at 0.1 ms',
    driver: 'bench process: runtime API via src/traffic/haproxy-socket sendCommand, reload via SIGUSR2',
    figures,
    samples: { runtimeApi: runtime, reload },
  };
}
