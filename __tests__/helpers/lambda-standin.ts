// A loopback stand-in for the Lambda and CloudWatch APIs, for running the bundle end to end: one function
// with a weighted alias, its versions, its tags, and per-minute AWS/Lambda metrics per version that
// follow the alias weights the bundle actually wrote. It speaks the SDK's wire protocols (Lambda REST
// JSON; CloudWatch JSON 1.0) and records every request. Times are the bundle's own: each request's
// signed X-Amz-Date (the stand-in sends no Date header, so the SDK never corrects its clock).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const REGION = 'eu-west-1';
export const FUNCTION = 'checkout';
export const FUNCTION_ARN = `arn:aws:lambda:${REGION}:123456789012:function:${FUNCTION}`;
export const ALIAS = 'live';
const ROLE = 'arn:aws:iam::123456789012:role/checkout';

export interface StandinRequest {
  service: 'lambda' | 'cloudwatch';
  /** Lambda: `GetAlias`, `UpdateAlias`, …; CloudWatch: the X-Amz-Target operation */
  action: string;
  /** the query string's Qualifier, the alias name, the tag resource… */
  path: string;
  query: Record<string, string[]>;
  body: unknown;
  /** the bundle's time when it signed the request, epoch ms */
  at: number;
  host?: string;
  authorization?: string;
}

export interface StandinModel {
  /** requests per minute through the alias */
  perMinute: number;
  /** per version: fraction of invocations that error */
  errorRate: Record<string, number>;
  /** alarm state for a split (percent per version) */
  alarm: (split: Record<string, number>) => 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
}

interface Version {
  codeSha: string;
}

const MIN = 60_000;

/** `20261122T120000Z` → epoch ms */
export function amzDate(h: string | undefined): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(h ?? '');
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}

export class LambdaStandin {
  readonly requests: StandinRequest[] = [];
  readonly versions = new Map<string, Version>([
    ['6', { codeSha: 'sha-6' }],
    ['7', { codeSha: 'sha-7' }],
  ]);
  /** $LATEST: new code uploaded, not yet published */
  latest = { codeSha: 'sha-new', revision: 3 };
  alias: { primary: string; extra?: Record<string, number>; revision: number } = {
    primary: '7',
    revision: 1,
  };
  tags: Record<string, string> = { 'glidepath:live:previous': '6' };
  model: StandinModel = { perMinute: 2000, errorRate: {}, alarm: () => 'OK' };
  /** alias splits by the bundle's time of each write */
  private history: { at: number; split: Record<string, number> }[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.history = [{ at: -Infinity, split: this.split() }];
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        // no Date header: the bundle runs on a fast clock, and the SDK would correct it by ours
        res.sendDate = false;
        try {
          this.handle(req, body, res);
        } catch (e) {
          this.send(res, 500, { message: String(e) }, 'ServiceException');
        }
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** percent per version as the alias routes now */
  split(): Record<string, number> {
    const extra = Object.entries(this.alias.extra ?? {});
    const rest = 1 - extra.reduce((n, [, w]) => n + w, 0);
    const out: Record<string, number> = { [this.alias.primary]: Math.round(rest * 1000) / 10 };
    for (const [v, w] of extra) out[v] = Math.round(w * 1000) / 10;
    return out;
  }

  /** Lambda requests of one action, in order */
  of(action: string): StandinRequest[] {
    return this.requests.filter((r) => r.action === action);
  }

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    errorType?: string,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      ...headers,
    });
    res.end(JSON.stringify(body));
  }

  private handle(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://standin');
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    const target = req.headers['x-amz-target'];
    const at = amzDate(req.headers['x-amz-date'] as string | undefined);
    const base = { query, at, host: req.headers.host, authorization: req.headers.authorization };
    if (typeof target === 'string') {
      const action = target.split('.').pop() ?? '';
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      this.requests.push({ service: 'cloudwatch', action, path: url.pathname, body, ...base });
      return this.cloudwatch(action, body, res);
    }
    const path = decodeURIComponent(url.pathname);
    const route = this.route(req.method ?? 'GET', path);
    const body = raw && route !== 'Invoke' ? (JSON.parse(raw) as unknown) : raw;
    this.requests.push({ service: 'lambda', action: route, path, body, ...base });
    this.lambda(route, path, query, body, at, res);
  }

  private route(method: string, path: string): string {
    if (/^\/2015-03-31\/functions\/[^/]+\/aliases\/[^/]+$/.test(path))
      return method === 'PUT' ? 'UpdateAlias' : 'GetAlias';
    if (/^\/2015-03-31\/functions\/[^/]+\/versions$/.test(path)) return 'PublishVersion';
    if (/^\/2015-03-31\/functions\/[^/]+\/configuration$/.test(path)) return 'GetFunctionConfiguration';
    if (/^\/2015-03-31\/functions\/[^/]+\/invocations$/.test(path)) return 'Invoke';
    if (path.startsWith('/2017-03-31/tags/'))
      return method === 'GET' ? 'ListTags' : method === 'POST' ? 'TagResource' : 'UntagResource';
    return `${method} ${path}`;
  }

  private aliasBody() {
    return {
      AliasArn: `${FUNCTION_ARN}:${ALIAS}`,
      Name: ALIAS,
      FunctionVersion: this.alias.primary,
      ...(this.alias.extra ? { RoutingConfig: { AdditionalVersionWeights: this.alias.extra } } : {}),
      RevisionId: `rev-${this.alias.revision}`,
    };
  }

  private lambda(
    route: string,
    _path: string,
    query: Record<string, string[]>,
    body: unknown,
    at: number,
    res: ServerResponse,
  ): void {
    const qualifier = query.Qualifier?.[0];
    switch (route) {
      case 'GetAlias':
        return this.send(res, 200, this.aliasBody());
      case 'UpdateAlias': {
        const b = body as {
          FunctionVersion?: string;
          RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> };
          RevisionId?: string;
        };
        if (b.RevisionId && b.RevisionId !== `rev-${this.alias.revision}`)
          return this.send(
            res,
            412,
            { message: 'The Revision Id provided does not match the latest Revision Id.' },
            'PreconditionFailedException',
          );
        const extra = b.RoutingConfig?.AdditionalVersionWeights ?? {};
        this.alias = {
          primary: b.FunctionVersion ?? this.alias.primary,
          ...(Object.keys(extra).length ? { extra } : {}),
          revision: this.alias.revision + 1,
        };
        this.history.push({ at, split: this.split() });
        return this.send(res, 200, this.aliasBody());
      }
      case 'GetFunctionConfiguration': {
        if (!qualifier || qualifier === '$LATEST') {
          return this.send(res, 200, {
            FunctionName: FUNCTION,
            Version: '$LATEST',
            CodeSha256: this.latest.codeSha,
            Role: ROLE,
            State: 'Active',
            LastUpdateStatus: 'Successful',
            RevisionId: `latest-${this.latest.revision}`,
          });
        }
        const v = this.versions.get(qualifier);
        if (!v)
          return this.send(
            res,
            404,
            { message: `Function not found: ${FUNCTION_ARN}:${qualifier}` },
            'ResourceNotFoundException',
          );
        return this.send(res, 200, {
          FunctionName: FUNCTION,
          Version: qualifier,
          CodeSha256: v.codeSha,
          Role: ROLE,
          State: 'Active',
          LastUpdateStatus: 'Successful',
        });
      }
      case 'PublishVersion': {
        const same = [...this.versions].find(([, v]) => v.codeSha === this.latest.codeSha);
        const version = same?.[0] ?? String(Math.max(...[...this.versions.keys()].map(Number)) + 1);
        if (!same) this.versions.set(version, { codeSha: this.latest.codeSha });
        return this.send(res, 201, {
          FunctionName: FUNCTION,
          Version: version,
          CodeSha256: this.latest.codeSha,
          State: 'Active',
        });
      }
      case 'Invoke':
        if (!qualifier || !this.versions.has(qualifier))
          return this.send(
            res,
            404,
            { message: `Function not found: ${FUNCTION_ARN}:${qualifier}` },
            'ResourceNotFoundException',
          );
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': qualifier });
        return void res.end('{"ok":true}');
      case 'ListTags':
        return this.send(res, 200, { Tags: this.tags });
      case 'TagResource':
        Object.assign(this.tags, (body as { Tags: Record<string, string> }).Tags);
        return void (res.writeHead(204), res.end());
      case 'UntagResource':
        for (const k of query.tagKeys ?? []) delete this.tags[k];
        return void (res.writeHead(204), res.end());
      default:
        return this.send(
          res,
          400,
          { message: `not in the stand-in: ${route}` },
          'InvalidRequestContentException',
        );
    }
  }

  private cloudwatch(action: string, body: Record<string, unknown>, res: ServerResponse): void {
    const json = (b: unknown) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(b));
    };
    if (action === 'DescribeAlarms') {
      const state = this.model.alarm(this.split());
      return json({
        MetricAlarms: ((body.AlarmNames as string[]) ?? []).map((AlarmName) => ({
          AlarmName,
          StateValue: state,
          StateReason:
            state === 'ALARM'
              ? 'Threshold Crossed: 1 datapoint [7.0] was greater than the threshold (5.0).'
              : 'ok',
        })),
        CompositeAlarms: [],
      });
    }
    if (action !== 'GetMetricData') return json({});
    const start = Number(body.StartTime) * 1000;
    const end = Number(body.EndTime) * 1000;
    const queries = body.MetricDataQueries as {
      Id: string;
      MetricStat: { Metric: { MetricName: string; Dimensions: { Name: string; Value: string }[] } };
    }[];
    const results = queries.map((q) => {
      const v = q.MetricStat.Metric.Dimensions.find((d) => d.Name === 'ExecutedVersion')?.Value ?? '';
      const Timestamps: number[] = [];
      const Values: number[] = [];
      for (let m = start; m < end; m += MIN) {
        const split = this.history.filter((h) => h.at <= m + 30_000).at(-1)!.split;
        const invocations = Math.round((this.model.perMinute * (split[v] ?? 0)) / 100);
        if (invocations === 0) continue; // Lambda publishes nothing while idle
        const value = {
          Invocations: invocations,
          Errors: Math.round(invocations * (this.model.errorRate[v] ?? 0)),
          Throttles: 0,
          Duration: 42,
        }[q.MetricStat.Metric.MetricName];
        Timestamps.push(m / 1000);
        Values.push(value ?? 0);
      }
      return { Id: q.Id, Timestamps, Values, StatusCode: 'Complete' };
    });
    return json({ MetricDataResults: results, Messages: [] });
  }
}
