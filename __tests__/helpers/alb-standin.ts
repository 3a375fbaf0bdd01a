// A loopback stand-in for the ELBv2 and CloudWatch APIs, for running the bundle with provider alb end
// to end: one listener rule whose forward splits between two target groups, the rule's tags, each
// group's targets, and per-minute AWS/ApplicationELB metrics per target group that follow the weights
// the bundle actually wrote. It speaks the SDK's wire protocols (ELBv2 awsQuery: form body, XML
// answers; CloudWatch JSON 1.0) on one port, reached through AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2
// and AWS_ENDPOINT_URL_CLOUDWATCH, and records every request. Times are the bundle's own: each
// request's signed X-Amz-Date (no Date header is sent, so the SDK never corrects its clock).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { amzDate } from './lambda-standin.js';

const NS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';
const MIN = 60_000;

export type Slot = 'blue' | 'green';

export interface AlbStandinRequest {
  service: 'elbv2' | 'cloudwatch';
  /** ELBv2: the Action parameter; CloudWatch: the X-Amz-Target operation */
  action: string;
  /** ELBv2: the form parameters; CloudWatch: the JSON body */
  params: Record<string, string>;
  body: unknown;
  /** the bundle's time when it signed the request, epoch ms */
  at: number;
  host?: string;
  authorization?: string;
}

export interface AlbTarget {
  id: string;
  port: number;
  state: string;
  reason?: string;
  description?: string;
}

export interface AlbStandinModel {
  /** requests per minute through the rule */
  perMinute: number;
  /** per slot, in a minute of this split (percent per slot): the fraction of its requests answered 5xx */
  errorRate: (slot: Slot, split: Record<Slot, number>) => number;
  /** per slot: TargetResponseTime at the asked percentile (or average), seconds */
  latencySeconds: Partial<Record<Slot, number>>;
  /** per slot and split (percent per slot): the group's targets as DescribeTargetHealth lists them */
  targets: (slot: Slot, split: Record<Slot, number>) => AlbTarget[];
  /** every named alarm's state for a split */
  alarm: (split: Record<Slot, number>) => 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
}

export const healthy = (slot: Slot, n = 3): AlbTarget[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `i-0${slot}${String(i + 1).padStart(12, '0')}`,
    port: 8080,
    state: 'healthy',
  }));

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const el = (tag: string, v: string | number | undefined) =>
  v === undefined ? '' : `<${tag}>${esc(String(v))}</${tag}>`;

/** `a.member.1.b`, `a.member.2.b`… as a list of the `member.N` prefixes' values, in order */
function members(params: Record<string, string>, prefix: string): Record<string, string>[] {
  const out = new Map<number, Record<string, string>>();
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.member\\.(\\d+)(?:\\.(.*))?$`);
  for (const [k, v] of Object.entries(params)) {
    const m = re.exec(k);
    if (!m) continue;
    const entry = out.get(Number(m[1])) ?? {};
    entry[m[2] ?? ''] = v;
    out.set(Number(m[1]), entry);
  }
  return [...out.entries()].sort(([a], [b]) => a - b).map(([, e]) => e);
}

export class AlbStandin {
  readonly requests: AlbStandinRequest[] = [];
  /** the rule's forward: target group ARN → weight (0..999) */
  forward: { arn: string; weight: number }[];
  tags: Record<string, string> = {};
  model: AlbStandinModel;
  /** weight splits (percent per slot) by the bundle's time of each write */
  private history: { at: number; split: Record<Slot, number> }[] = [];
  private server?: Server;
  url = '';

  constructor(
    readonly ruleArn: string,
    readonly targetGroups: Record<Slot, string>,
    live: Slot = 'blue',
  ) {
    this.forward = [
      { arn: targetGroups.blue, weight: live === 'blue' ? 999 : 0 },
      { arn: targetGroups.green, weight: live === 'green' ? 999 : 0 },
    ];
    this.model = {
      perMinute: 6000,
      errorRate: () => 0,
      latencySeconds: { blue: 0.12, green: 0.12 },
      targets: (slot) => healthy(slot),
      alarm: () => 'OK',
    };
  }

  async start(): Promise<this> {
    this.history = [{ at: -Infinity, split: this.split() }];
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.sendDate = false;
        try {
          this.handle(req, body, res);
        } catch (e) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(e));
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

  /** the SDK's standard endpoint variables and test credentials, for the bundle's env */
  env(region: string): Record<string, string> {
    return {
      AWS_REGION: region,
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: this.url,
      AWS_ENDPOINT_URL_CLOUDWATCH: this.url,
      AWS_ACCESS_KEY_ID: 'AKIDALBSTANDIN',
      AWS_SECRET_ACCESS_KEY: 'alb-standin-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  }

  /** raw weights per slot as the rule forwards now */
  weights(): Record<Slot, number> {
    const w = (arn: string) => this.forward.find((t) => t.arn === arn)?.weight ?? 0;
    return { blue: w(this.targetGroups.blue), green: w(this.targetGroups.green) };
  }

  /** percent per slot as the rule forwards now */
  split(): Record<Slot, number> {
    const w = this.weights();
    const total = w.blue + w.green;
    const blue = total > 0 ? Math.round((w.blue / total) * 1000) / 10 : 0;
    return { blue, green: total > 0 ? Math.round((100 - blue) * 10) / 10 : 0 };
  }

  /** ELBv2 and CloudWatch requests of one action, in order */
  of(action: string): AlbStandinRequest[] {
    return this.requests.filter((r) => r.action === action);
  }

  /** every ModifyRule as the raw weights it wrote, `blue/green` */
  writes(): string[] {
    return this.of('ModifyRule').map((r) => {
      const tuples = members(r.params, 'Actions.member.1.ForwardConfig.TargetGroups');
      const w = (arn: string) => tuples.find((t) => t.TargetGroupArn === arn)?.Weight ?? '-';
      return `${w(this.targetGroups.blue)}/${w(this.targetGroups.green)}`;
    });
  }

  private handle(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const target = req.headers['x-amz-target'];
    const at = amzDate(req.headers['x-amz-date'] as string | undefined);
    const base = { at, host: req.headers.host, authorization: req.headers.authorization };
    if (typeof target === 'string') {
      const action = target.split('.').pop() ?? '';
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      this.requests.push({ service: 'cloudwatch', action, params: {}, body, ...base });
      return this.cloudwatch(action, body, res);
    }
    const params = Object.fromEntries(new URLSearchParams(raw));
    const action = params.Action ?? '';
    this.requests.push({ service: 'elbv2', action, params, body: raw, ...base });
    const result = this.elbv2(action, params, at);
    if (result === undefined) {
      res.writeHead(400, { 'content-type': 'text/xml' });
      return void res.end(
        `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>InvalidAction</Code>` +
          `<Message>not in the stand-in: ${esc(action)}</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
      );
    }
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(
      `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result>` +
        `<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></${action}Response>`,
    );
  }

  private ruleXml(): string {
    const tuples = this.forward
      .map((t) => `<member>${el('TargetGroupArn', t.arn)}${el('Weight', t.weight)}</member>`)
      .join('');
    return (
      `<member>${el('RuleArn', this.ruleArn)}<Priority>10</Priority><IsDefault>false</IsDefault><Conditions/>` +
      `<Actions><member><Type>forward</Type><Order>1</Order><ForwardConfig><TargetGroups>${tuples}</TargetGroups>` +
      '<TargetGroupStickinessConfig><Enabled>false</Enabled></TargetGroupStickinessConfig></ForwardConfig></member></Actions></member>'
    );
  }

  /** the result's inner XML, or undefined for an action the stand-in does not know */
  private elbv2(action: string, params: Record<string, string>, at: number): string | undefined {
    switch (action) {
      case 'DescribeRules':
        if (params['RuleArns.member.1'] !== this.ruleArn) return '<Rules/>';
        return `<Rules>${this.ruleXml()}</Rules>`;
      case 'ModifyRule': {
        if (params.RuleArn !== this.ruleArn)
          throw new Error(`ModifyRule of an unknown rule ${params.RuleArn}`);
        const actions = members(params, 'Actions');
        if (actions.length !== 1 || actions[0]!.Type !== 'forward')
          throw new Error(`ModifyRule: expected one forward action, got ${JSON.stringify(actions)}`);
        const tuples = members(params, 'Actions.member.1.ForwardConfig.TargetGroups');
        this.forward = tuples.map((t) => ({ arn: t.TargetGroupArn ?? '', weight: Number(t.Weight) }));
        this.history.push({ at, split: this.split() });
        return `<Rules>${this.ruleXml()}</Rules>`;
      }
      case 'DescribeTags': {
        const arn = params['ResourceArns.member.1'] ?? '';
        const tags = arn === this.ruleArn ? this.tags : {};
        const xml = Object.entries(tags)
          .map(([k, v]) => `<member>${el('Key', k)}${el('Value', v)}</member>`)
          .join('');
        return `<TagDescriptions><member>${el('ResourceArn', arn)}<Tags>${xml}</Tags></member></TagDescriptions>`;
      }
      case 'AddTags':
        for (const t of members(params, 'Tags')) this.tags[t.Key ?? ''] = t.Value ?? '';
        return '';
      case 'RemoveTags':
        for (const k of members(params, 'TagKeys')) delete this.tags[k['']!];
        return '';
      case 'DescribeTargetHealth': {
        const slot = (['blue', 'green'] as const).find((s) => this.targetGroups[s] === params.TargetGroupArn);
        if (!slot) throw new Error(`DescribeTargetHealth of an unknown group ${params.TargetGroupArn}`);
        const xml = this.model
          .targets(slot, this.split())
          .map(
            (t) =>
              `<member><Target>${el('Id', t.id)}${el('Port', t.port)}</Target>${el('HealthCheckPort', t.port)}` +
              `<TargetHealth>${el('State', t.state)}${el('Reason', t.reason)}${el('Description', t.description)}</TargetHealth></member>`,
          )
          .join('');
        return `<TargetHealthDescriptions>${xml}</TargetHealthDescriptions>`;
      }
      default:
        return undefined;
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
              ? 'Threshold Crossed: 1 datapoint [57.0] was greater than the threshold (20.0).'
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
      const group = q.MetricStat.Metric.Dimensions.find((d) => d.Name === 'TargetGroup')?.Value ?? '';
      const slot = (['blue', 'green'] as const).find((s) => this.targetGroups[s].endsWith(`:${group}`));
      const Timestamps: number[] = [];
      const Values: number[] = [];
      for (let m = start; slot && m < end; m += MIN) {
        const split = this.history.filter((h) => h.at <= m + 30_000).at(-1)!.split;
        const requests = Math.round((this.model.perMinute * split[slot]) / 100);
        if (requests === 0) continue; // ALB publishes nothing for an idle group
        const value = {
          RequestCount: requests,
          HTTPCode_Target_5XX_Count: Math.round(requests * this.model.errorRate(slot, split)),
          TargetResponseTime: this.model.latencySeconds[slot] ?? 0.1,
        }[q.MetricStat.Metric.MetricName];
        Timestamps.push(m / 1000);
        Values.push(value ?? 0);
      }
      return { Id: q.Id, Timestamps, Values, StatusCode: 'Complete' };
    });
    return json({ MetricDataResults: results, Messages: [] });
  }
}
