// The clients AwsClients builds: AWS_ENDPOINT_URL_LAMBDA and AWS_ENDPOINT_URL honoured, and a request
// that gets no answer ends with an error within its timeout (the SDK alone would only log a warning).
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { AwsClients } from '../../src/traffic/aws-clients.js';

const ENV_KEYS = [
  'AWS_ENDPOINT_URL_LAMBDA',
  'AWS_ENDPOINT_URL',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
];
const saved: Record<string, string | undefined> = {};
const seen: { url?: string; host?: string; auth?: string }[] = [];
const sockets = new Set<Socket>();
let server: Server;
let endpoint: string;
/** answer GetAlias, or hold the request forever */
let answer = true;

beforeAll(async () => {
  for (const k of ENV_KEYS) saved[k] = process.env[k];
  server = createServer((req, res) => {
    seen.push({ url: req.url, host: req.headers.host, auth: req.headers.authorization });
    req.resume();
    if (!answer) return; // black hole
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        AliasArn: 'arn:aws:lambda:eu-west-1:123456789012:function:checkout:live',
        FunctionVersion: '7',
      }),
    );
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const k of ENV_KEYS) delete process.env[k];
  process.env.AWS_ACCESS_KEY_ID = 'AKIDCLIENTTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'client-test-secret';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_CONFIG_FILE = '/nonexistent';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent';
});

afterEach(() => {
  seen.length = 0;
  answer = true;
  delete process.env.AWS_ENDPOINT_URL_LAMBDA;
  delete process.env.AWS_ENDPOINT_URL;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('AwsClients.lambda()', () => {
  it.each(['AWS_ENDPOINT_URL_LAMBDA', 'AWS_ENDPOINT_URL'])(
    'sends to %s, signed for the region',
    async (name) => {
      process.env[name] = endpoint;
      const client = await new AwsClients('eu-west-1').lambda();
      const out = await client.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'live' }));
      expect(out.FunctionVersion).toBe('7');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        url: '/2015-03-31/functions/checkout/aliases/live',
        host: endpoint.replace('http://', ''),
      });
      expect(seen[0]!.auth).toMatch(/Credential=AKIDCLIENTTEST\/\d{8}\/eu-west-1\/lambda\/aws4_request/);
    },
  );

  it('a request that never gets an answer fails within the request timeout instead of hanging', async () => {
    process.env.AWS_ENDPOINT_URL_LAMBDA = endpoint;
    answer = false;
    const client = await new AwsClients('eu-west-1', { requestMs: 300 }).lambda();
    const started = Date.now();
    const err = await client.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'live' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/requestTimeout/);
    // the SDK's own retries included, each attempt bounded by 300 ms
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(seen.length).toBeGreaterThanOrEqual(1);
  });
});
