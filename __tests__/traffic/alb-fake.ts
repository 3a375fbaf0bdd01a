// An in-memory ALB behind aws-sdk-client-mock: Describe* return what Modify*/AddTags last wrote, so read-back,
// drift and locks behave as on AWS. Tests still assert the exact requests through `mock.commandCalls`.
import {
  AddTagsCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ElasticLoadBalancingV2ServiceException,
  ModifyListenerCommand,
  ModifyRuleCommand,
  RemoveTagsCommand,
  type Action,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';

export const REGION = 'eu-west-1';
export const LISTENER_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2';
export const RULE_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee';
export const BLUE_TG =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-blue/73e2d6bc24d8a067';
export const GREEN_TG =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-green/0f2b3c4d5e6f7a8b';

/** A listener/rule action list: an authenticate step first, then the weighted forward. */
export function weightedActions(
  blue: number,
  green: number,
  stickiness?: { Enabled: boolean; DurationSeconds?: number },
): Action[] {
  return [
    {
      Type: 'authenticate-cognito',
      Order: 1,
      AuthenticateCognitoConfig: {
        UserPoolArn: 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc',
        UserPoolClientId: 'client-1',
        UserPoolDomain: 'login',
        OnUnauthenticatedRequest: 'authenticate',
      },
    },
    {
      Type: 'forward',
      Order: 2,
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: BLUE_TG, Weight: blue },
          { TargetGroupArn: GREEN_TG, Weight: green },
        ],
        TargetGroupStickinessConfig: stickiness ?? { Enabled: false },
      },
    },
  ];
}

export function throttle(): ElasticLoadBalancingV2ServiceException {
  return new ElasticLoadBalancingV2ServiceException({
    name: 'Throttling',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });
}

export interface FakeAlbWorld {
  actions: Action[];
  tags: Record<string, string>;
  /** throw a throttling error from the next N Modify calls */
  throttleModify: number;
  /** what the next read-back returns instead of the written actions (once) */
  tamperAfterModify?: (a: Action[]) => Action[];
  /** called after every successful Modify with the actions now in place */
  onModify?: (actions: Action[]) => void;
  /** slot target group ARN → target health */
  health: Record<string, TargetHealthDescription[]>;
  /** an error for this call (by command name, e.g. `ModifyRule`), thrown before it takes effect */
  fail?: (command: string) => Error | undefined;
}

export function fakeAlb(kind: 'rule' | 'listener', actions: Action[], tags: Record<string, string> = {}) {
  const client = new ElasticLoadBalancingV2Client({
    region: REGION,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
  });
  const mock = mockClient(client);
  const world: FakeAlbWorld = {
    actions: structuredClone(actions),
    tags: { ...tags },
    throttleModify: 0,
    health: {},
  };
  const arn = kind === 'rule' ? RULE_ARN : LISTENER_ARN;
  const rule = () => ({
    RuleArn: RULE_ARN,
    Priority: '10',
    IsDefault: false,
    Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
    Actions: structuredClone(world.actions),
  });
  const listener = () => ({
    ListenerArn: LISTENER_ARN,
    LoadBalancerArn:
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188',
    Port: 443,
    Protocol: 'HTTPS' as const,
    DefaultActions: structuredClone(world.actions),
  });
  const check = (command: string) => {
    const error = world.fail?.(command);
    if (error) throw error;
  };
  const modified = (next: Action[]) => {
    if (world.throttleModify > 0) {
      world.throttleModify--;
      throw throttle();
    }
    world.actions = structuredClone(next);
    if (world.tamperAfterModify) {
      world.actions = world.tamperAfterModify(world.actions);
      world.tamperAfterModify = undefined;
    }
    world.onModify?.(structuredClone(world.actions));
  };
  mock.on(DescribeRulesCommand).callsFake(async () => {
    check('DescribeRules');
    return { Rules: [rule()] };
  });
  mock.on(DescribeListenersCommand).callsFake(async () => {
    check('DescribeListeners');
    return { Listeners: [listener()] };
  });
  mock.on(ModifyRuleCommand).callsFake(async (input: { Actions: Action[] }) => {
    check('ModifyRule');
    modified(input.Actions);
    return { Rules: [rule()] };
  });
  mock.on(ModifyListenerCommand).callsFake(async (input: { DefaultActions: Action[] }) => {
    check('ModifyListener');
    modified(input.DefaultActions);
    return { Listeners: [listener()] };
  });
  mock.on(DescribeTagsCommand).callsFake(async () => {
    check('DescribeTags');
    return {
      TagDescriptions: [
        { ResourceArn: arn, Tags: Object.entries(world.tags).map(([Key, Value]) => ({ Key, Value })) },
      ],
    };
  });
  mock.on(AddTagsCommand).callsFake(async (input: { Tags: { Key: string; Value: string }[] }) => {
    check('AddTags');
    for (const t of input.Tags) world.tags[t.Key] = t.Value;
    return {};
  });
  mock.on(RemoveTagsCommand).callsFake(async (input: { TagKeys: string[] }) => {
    check('RemoveTags');
    for (const k of input.TagKeys) delete world.tags[k];
    return {};
  });
  mock.on(DescribeTargetHealthCommand).callsFake(async (input: { TargetGroupArn: string }) => {
    check('DescribeTargetHealth');
    return {
      TargetHealthDescriptions: structuredClone(world.health[input.TargetGroupArn] ?? []),
    };
  });
  /** current raw weights of the two slots */
  const weights = () => {
    const fwd = world.actions.find((a) => a.Type === 'forward');
    const w = (tg: string) =>
      fwd?.ForwardConfig?.TargetGroups?.find((t) => t.TargetGroupArn === tg)?.Weight ?? 0;
    return { blue: w(BLUE_TG), green: w(GREEN_TG) };
  };
  return { client, mock, world, arn, weights };
}

export const healthy = (id: string): TargetHealthDescription => ({
  Target: { Id: id, Port: 8080 },
  HealthCheckPort: '8080',
  TargetHealth: { State: 'healthy' },
});

export const notHealthy = (
  id: string,
  state: string,
  reason: string,
  description?: string,
): TargetHealthDescription => ({
  Target: { Id: id, Port: 8080 },
  HealthCheckPort: '8080',
  TargetHealth: {
    State: state as 'unhealthy',
    Reason: reason as 'Target.Timeout',
    ...(description ? { Description: description } : {}),
  },
});
