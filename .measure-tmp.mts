import * as http from 'node:http';
import { Agent } from 'undici';
import { probeUrl } from '/work/main/src/checks/http-probe.js';
const server = http.createServer((req, res) => { if (req.url === '/hang') return; res.end('ready'); });
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as any).port}`;
const o = { expect: [{min:200,max:299}], headers: {}, via: 'service' as const, now: Date.now };
for (const t of [300, 1000]) { const t0 = performance.now(); const s = await probeUrl(`${base}/hang`, { ...o, timeoutMs: t }); console.log(`hang timeout=${t}ms elapsed=${(performance.now()-t0).toFixed(1)}ms error="${s.error}"`); }
const agent = new Agent();
let t0 = performance.now(); for (let i=0;i<200;i++) await probeUrl(`${base}/ok`, { ...o, timeoutMs: 2000, dispatcher: agent }); 
console.log(`200 probes keep-alive agent: ${((performance.now()-t0)/200).toFixed(2)} ms/probe`);
t0 = performance.now(); for (let i=0;i<200;i++) { const a = new Agent(); await probeUrl(`${base}/ok`, { ...o, timeoutMs: 2000, dispatcher: a }); await a.close(); }
console.log(`200 probes fresh agent each: ${((performance.now()-t0)/200).toFixed(2)} ms/probe`);
await agent.close(); server.closeAllConnections(); server.close();
