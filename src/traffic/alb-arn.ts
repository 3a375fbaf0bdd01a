// Parses ELBv2 ARNs into the CloudWatch dimensions ALB metrics are published under.
//
//   listener      arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2
//   rule          arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee
//   target group  arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-green/73e2d6bc24d8a067
//
// CloudWatch wants `LoadBalancer=app/web/50dc6c495c0c9188` and `TargetGroup=targetgroup/web-green/73e2d6bc24d8a067`.

export interface ParsedArn {
  partition: string;
  region: string;
  account: string;
  /** the part after `<account>:` */
  resource: string;
}

const ARN = /^arn:(aws[a-z-]*):elasticloadbalancing:([a-z0-9-]+):(\d{12}):(.+)$/;
const LB_PART = /^(?:listener|listener-rule)\/(app|net|gwy)\/([^/]+)\/([^/]+)\/[^/]+(?:\/[^/]+)?$/;
const TG_PART = /^targetgroup\/([^/]+)\/([^/]+)$/;

function parse(arn: string, what: string, example: string): ParsedArn {
  const m = ARN.exec(arn.trim());
  if (!m) throw new Error(`${what} "${arn}" is not an Elastic Load Balancing ARN; expected ${example}`);
  return { partition: m[1]!, region: m[2]!, account: m[3]!, resource: m[4]! };
}

/** `app/<name>/<id>` from a listener or listener-rule ARN. Only Application Load Balancers split traffic by weight. */
export function loadBalancerDimension(listenerOrRuleArn: string): string {
  const example =
    'arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<listener-id> (or listener-rule/.../<rule-id>)';
  const p = parse(listenerOrRuleArn, 'listener/rule ARN', example);
  const m = LB_PART.exec(p.resource);
  if (!m)
    throw new Error(`"${listenerOrRuleArn}" is not a listener or listener-rule ARN; expected ${example}`);
  if (m[1] !== 'app') {
    throw new Error(
      `"${listenerOrRuleArn}" belongs to a ${m[1] === 'net' ? 'Network' : 'Gateway'} Load Balancer; weighted target groups need an Application Load Balancer (listener/app/...)`,
    );
  }
  return `app/${m[2]}/${m[3]}`;
}

/** `targetgroup/<name>/<id>` from a target group ARN. */
export function targetGroupDimension(targetGroupArn: string): string {
  const example = 'arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>';
  const p = parse(targetGroupArn, 'target group ARN', example);
  const m = TG_PART.exec(p.resource);
  if (!m) throw new Error(`"${targetGroupArn}" is not a target group ARN; expected ${example}`);
  return `targetgroup/${m[1]}/${m[2]}`;
}

/** Short human name for logs: `targetgroup/web-green/73e2…` → `web-green`. Falls back to the input. */
export function shortName(arn: string): string {
  const m = ARN.exec(arn.trim());
  if (!m) return arn;
  const tg = TG_PART.exec(m[4]!);
  if (tg) return tg[1]!;
  const lb = LB_PART.exec(m[4]!);
  if (lb) return m[4]!.startsWith('listener-rule/') ? `rule of ${lb[2]}` : `listener of ${lb[2]}`;
  return m[4]!;
}

export function regionOf(arn: string): string | undefined {
  return ARN.exec(arn.trim())?.[2];
}
