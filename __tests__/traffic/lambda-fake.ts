// An in-memory Lambda function with a weighted alias behind aws-sdk-client-mock: GetAlias returns what
// UpdateAlias last wrote (RevisionId checked), PublishVersion publishes $LATEST only once its update has
// finished, tags are per function. Tests assert the exact requests through `mock.commandCalls`.
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  LambdaServiceException,
  ListTagsCommand,
  PublishVersionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  type GetFunctionConfigurationRequest,
  type InvokeCommandInput,
  type LastUpdateStatus,
  type State,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';

export const REGION = 'eu-west-1';
export const FUNCTION = 'checkout';
export const FUNCTION_ARN = `arn:aws:lambda:${REGION}:123456789012:function:${FUNCTION}`;
export const ALIAS = 'live';
export const ROLE = 'arn:aws:iam::123456789012:role/checkout';

export function lambdaError(name: string, message: string, status = 400): LambdaServiceException {
  return new LambdaServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
}

export const throttled = () => lambdaError('TooManyRequestsException', 'Rate exceeded', 429);

export interface FakeVersion {
  codeSha: string;
  role: string;
  dlq?: string;
  state?: State;
  /** what an invocation of this version answers */
  invoke?: { functionError?: string; payload: string; status?: number };
}

export interface FakeLambdaWorld {
  versions: Map<string, FakeVersion>;
  latest: FakeVersion & { lastUpdateStatus: LastUpdateStatus; revision: number };
  alias: { primary: string; extra?: Record<string, number>; revision: number } | undefined;
  tags: Record<string, string>;
  /** throttle the next N UpdateAlias calls */
  throttleUpdate: number;
  /** the next N GetFunctionConfiguration of $LATEST still report InProgress */
  inProgressReads: number;
  /** what the read-back after an UpdateAlias returns instead (once) */
  tamperAfterUpdate?: (a: NonNullable<FakeLambdaWorld['alias']>) => NonNullable<FakeLambdaWorld['alias']>;
  /** called after every accepted UpdateAlias */
  onUpdate?: (a: NonNullable<FakeLambdaWorld['alias']>) => void;
}

export function fakeLambda(
  opts: {
    primary?: string;
    extra?: Record<string, number>;
    tags?: Record<string, string>;
    versions?: string[];
  } = {},
) {
  const client = new LambdaClient({
    region: REGION,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
  });
  const mock = mockClient(client);
  const versions = new Map<string, FakeVersion>();
  for (const v of opts.versions ?? ['6', '7']) {
    versions.set(v, { codeSha: `sha-${v}`, role: ROLE, invoke: { payload: '{"ok":true}' } });
  }
  const last = [...versions.keys()].at(-1) ?? '0';
  const world: FakeLambdaWorld = {
    versions,
    latest: { codeSha: `sha-${last}`, role: ROLE, lastUpdateStatus: 'Successful', revision: 1 },
    alias: {
      primary: opts.primary ?? '7',
      ...(opts.extra ? { extra: opts.extra } : {}),
      revision: 1,
    },
    tags: { ...opts.tags },
    throttleUpdate: 0,
    inProgressReads: 0,
  };
  const revisionId = (n: number) => `rev-${n}`;
  const aliasOut = (a: NonNullable<FakeLambdaWorld['alias']>) => ({
    AliasArn: `${FUNCTION_ARN}:${ALIAS}`,
    Name: ALIAS,
    FunctionVersion: a.primary,
    ...(a.extra ? { RoutingConfig: { AdditionalVersionWeights: { ...a.extra } } } : {}),
    RevisionId: revisionId(a.revision),
  });
  let tampered: FakeLambdaWorld['alias'];

  mock.on(GetAliasCommand).callsFake(async () => {
    if (tampered) {
      const t = tampered;
      tampered = undefined;
      return aliasOut(t);
    }
    if (!world.alias)
      throw lambdaError('ResourceNotFoundException', `Alias not found: ${FUNCTION_ARN}:${ALIAS}`, 404);
    return aliasOut(world.alias);
  });
  mock.on(UpdateAliasCommand).callsFake(async (input) => {
    if (world.throttleUpdate > 0) {
      world.throttleUpdate--;
      throw throttled();
    }
    const a = world.alias!;
    if (input.RevisionId && input.RevisionId !== revisionId(a.revision)) {
      throw lambdaError(
        'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id.',
        412,
      );
    }
    const extra = input.RoutingConfig?.AdditionalVersionWeights;
    const next = {
      primary: input.FunctionVersion ?? a.primary,
      ...(extra && Object.keys(extra).length > 0 ? { extra: { ...extra } } : {}),
      revision: a.revision + 1,
    };
    world.alias = next;
    if (world.tamperAfterUpdate) {
      tampered = world.tamperAfterUpdate(next);
      world.tamperAfterUpdate = undefined;
    }
    world.onUpdate?.(next);
    return aliasOut(next);
  });
  const configOf = (input: GetFunctionConfigurationRequest) => {
    const q = input.Qualifier;
    if (!q || q === '$LATEST') {
      const busy = world.inProgressReads > 0;
      if (busy) world.inProgressReads--;
      const l = world.latest;
      return {
        FunctionName: FUNCTION,
        FunctionArn: FUNCTION_ARN,
        Version: '$LATEST',
        CodeSha256: l.codeSha,
        Role: l.role,
        ...(l.dlq ? { DeadLetterConfig: { TargetArn: l.dlq } } : {}),
        State: 'Active' as State,
        LastUpdateStatus: busy ? ('InProgress' as LastUpdateStatus) : l.lastUpdateStatus,
        RevisionId: revisionId(l.revision),
      };
    }
    const v = world.versions.get(q);
    if (!v) throw lambdaError('ResourceNotFoundException', `Function not found: ${FUNCTION_ARN}:${q}`, 404);
    return {
      FunctionName: FUNCTION,
      FunctionArn: `${FUNCTION_ARN}:${q}`,
      Version: q,
      CodeSha256: v.codeSha,
      Role: v.role,
      ...(v.dlq ? { DeadLetterConfig: { TargetArn: v.dlq } } : {}),
      State: v.state ?? 'Active',
      LastUpdateStatus: 'Successful' as LastUpdateStatus,
    };
  };
  mock.on(GetFunctionConfigurationCommand).callsFake(async (input) => configOf(input));
  mock.on(PublishVersionCommand).callsFake(async (input) => {
    const l = world.latest;
    if (world.inProgressReads > 0 || l.lastUpdateStatus === 'InProgress') {
      throw lambdaError(
        'ResourceConflictException',
        'The operation cannot be performed at this time. An update is in progress',
        409,
      );
    }
    if (input.RevisionId && input.RevisionId !== revisionId(l.revision)) {
      throw lambdaError(
        'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id.',
        412,
      );
    }
    // an unchanged $LATEST publishes nothing new: the version with the same code comes back
    const same = [...world.versions.entries()].find(([, v]) => v.codeSha === l.codeSha && v.role === l.role);
    if (same) return { Version: same[0], CodeSha256: l.codeSha };
    const next = String(Math.max(0, ...[...world.versions.keys()].map(Number)) + 1);
    world.versions.set(next, {
      codeSha: l.codeSha,
      role: l.role,
      ...(l.dlq ? { dlq: l.dlq } : {}),
      ...(l.invoke ? { invoke: l.invoke } : { invoke: { payload: '{"ok":true}' } }),
    });
    return { Version: next, CodeSha256: l.codeSha };
  });
  mock.on(InvokeCommand).callsFake(async (input: InvokeCommandInput) => {
    const v = world.versions.get(input.Qualifier ?? '');
    if (!v)
      throw lambdaError(
        'ResourceNotFoundException',
        `Function not found: ${FUNCTION_ARN}:${input.Qualifier}`,
        404,
      );
    const answer = v.invoke ?? { payload: 'null' };
    return {
      StatusCode: answer.status ?? 200,
      ExecutedVersion: input.Qualifier,
      ...(answer.functionError ? { FunctionError: answer.functionError } : {}),
      Payload: new TextEncoder().encode(answer.payload),
    };
  });
  mock.on(ListTagsCommand).callsFake(async () => ({ Tags: { ...world.tags } }));
  mock.on(TagResourceCommand).callsFake(async (input) => {
    Object.assign(world.tags, input.Tags);
    return {};
  });
  mock.on(UntagResourceCommand).callsFake(async (input) => {
    for (const k of input.TagKeys ?? []) delete world.tags[k];
    return {};
  });

  /** a new upload to $LATEST, as deploy-command would make it */
  const upload = (codeSha: string, changes: Partial<FakeVersion> = {}) => {
    Object.assign(world.latest, { codeSha, ...changes, revision: world.latest.revision + 1 });
  };
  /** the alias as percent per version */
  const split = (): Record<string, number> => {
    const a = world.alias!;
    const extra = Object.entries(a.extra ?? {});
    const out: Record<string, number> = {
      [a.primary]: Math.round((1 - extra.reduce((n, [, w]) => n + w, 0)) * 1000) / 10,
    };
    for (const [v, w] of extra) out[v] = Math.round(w * 1000) / 10;
    return out;
  };
  return { client, mock, world, upload, split };
}

export type FakeLambda = ReturnType<typeof fakeLambda>;

/** The UpdateAlias requests sent, as `version`, or `version+extra@weight` */
export function aliasWrites(fake: FakeLambda): string[] {
  return fake.mock.commandCalls(UpdateAliasCommand).map((c) => {
    const i = c.args[0].input;
    const extra = Object.entries(i.RoutingConfig?.AdditionalVersionWeights ?? {});
    return extra.length
      ? `${i.FunctionVersion}+${extra.map(([v, w]) => `${v}@${w}`).join(',')}`
      : `${i.FunctionVersion}`;
  });
}

/** Every Lambda call in order, by command name. */
export function lambdaCalls(fake: FakeLambda): string[] {
  return fake.mock
    .calls()
    .map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));
}
