#!/usr/bin/env node
// Demo app server (no dependencies): answers {"status":"ready","version":...}, failing a fixed share of requests on purpose.
//
//   node demo/app.mjs --port P --version v2 [--error-rate 0.05] [--latency-ms 0]
//
// Prints `listening <port>` on stdout once ready (--port 0 picks a free port). Failures are
// deterministic, not random: with --error-rate 0.05 exactly every 20th request gets a 500, so a
// demo run shows the same rollback every time.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { listen } from './listen.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    version: { type: 'string', default: 'v1' },
    'error-rate': { type: 'string', default: '0' },
    'latency-ms': { type: 'string', default: '0' },
  },
});

function number(name, text, min, max) {
  const n = Number(text);
  if (text === '' || !Number.isFinite(n) || n < min || n > max) {
    console.error(`--${name} must be a number from ${min} to ${max}, got "${text}"`);
    process.exit(2);
  }
  return n;
}

const port = number('port', values.port, 0, 65535);
const errorRate = number('error-rate', values['error-rate'], 0, 1);
const latencyMs = number('latency-ms', values['latency-ms'], 0, 600_000);
const version = values.version;

let served = 0;
// Request n fails when floor(n * rate) steps up: for 0.05 that is requests 20, 40, 60...
function failsNow() {
  served += 1;
  return Math.floor(served * errorRate) > Math.floor((served - 1) * errorRate);
}

const server = http.createServer((req, res) => {
  const fail = failsNow();
  const answer = () => {
    const status = fail ? 500 : 200;
    const body = JSON.stringify(fail ? { status: 'error', version } : { status: 'ready', version });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  // Drain the request body before answering so keep-alive connections stay usable.
  req.resume();
  req.on('end', () => (latencyMs > 0 ? setTimeout(answer, latencyMs) : answer()));
});
listen(server, port, values.host);
