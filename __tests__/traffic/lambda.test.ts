// The Lambda router against the real SDK client with aws-sdk-client-mock: the exact requests of each
// read, write, publish and tag, and every one of Lambda's rules refused before anything moves.
import { describe, expect, it } from 'vitest';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  ListTagsCommand,
  PublishVersionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import type { Command } from '../../src/config/types.js';
import { LambdaRouter, tagKey, toLambdaWeight, type LambdaProvider } from '../../src/traffic/lambda.js';
import {
  ALIAS,
  FUNCTION,
  FUNCTION_ARN,
  aliasWrites,
  fakeLambda,
  lambdaCalls,
  type FakeLambda,
} from './lambda-fake.js';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

function router(
  fake: FakeLambda,
  o: { command?: Command; provider?: Partial<LambdaProvider>; attempts?: number } = {},
) {
  let t = T0;
  const log: string[] = [];
  const r = new LambdaRouter({
    client: fake.client,
    provider: { kind: 'lambda', functionName: FUNCTION, alias: ALIAS, ...o.provider },
    command: o.command ?? 'deploy',
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    retry: { attempts: o.attempts ?? 4, baseMs: 500, random: () => 0.5 },
    publishWaitMs: 60_000,
    pollMs: 2_000,
    log: (l) => log.push(l),
  });
  return { r, log, elapsed: () => t - T0 };
}

const inputs = <T>(fake: FakeLambda, cmd: new (...a: never[]) => T) =>
  fake.mock.commandCalls(cmd as never).map((c) => (c.args[0] as { input: unknown }).input);

describe('LambdaRouter: reading the alias', () => {
  it('maps the alias version to blue and reads its tags from the function ARN', async () => {
    const fake = fakeLambda();
    const { r } = router(fake);
    const state = await r.read();
    expect(state).toEqual({ weights: { blue: 100, green: 0 }, detail: 'alias live: version 7' });
    expect(inputs(fake, GetAliasCommand)).toEqual([{ FunctionName: FUNCTION, Name: ALIAS }]);
    expect(inputs(fake, ListTagsCommand)).toEqual([{ Resource: FUNCTION_ARN }]);
    expect(r.slotNames()).toEqual({
      blue: { id: '7', label: 'version 7' },
      green: { id: '', label: 'the new version' },
    });
  });

  it('a split reads as the live version and the additional one, in percent', async () => {
    const fake = fakeLambda({ extra: { '8': 0.25 }, versions: ['6', '7', '8'] });
    const { r } = router(fake, { command: 'status' });
    expect((await r.read()).weights).toEqual({ blue: 75, green: 25 });
    expect(await r.markedTarget()).toBe('green');
  });

  it('a deploy in progress keeps the mapping its target tag recorded, even after a promotion', async () => {
    const fake = fakeLambda({
      primary: '8',
      versions: ['7', '8'],
      tags: { 'glidepath:live:target': '8 from 7' },
    });
    const { r } = router(fake, { command: 'abort' });
    // the post step after a crash right after promotion: 8 is green, so restoring blue goes back to 7
    expect((await r.read()).weights).toEqual({ blue: 0, green: 100 });
    expect(r.slotNames().blue?.id).toBe('7');
  });

  it('rollback maps the previous version recorded by a promotion to the other slot', async () => {
    const fake = fakeLambda({ tags: { 'glidepath:live:previous': '6' } });
    const { r } = router(fake, { command: 'rollback' });
    expect((await r.read()).weights).toEqual({ blue: 100, green: 0 });
    expect(r.slotNames().green).toEqual({ id: '6', label: 'version 6' });
  });

  it('rollback with nothing recorded: the other slot names no version, and says why', async () => {
    const fake = fakeLambda();
    const { r } = router(fake, { command: 'rollback' });
    await r.read();
    expect(r.slotNames().green).toEqual({
      id: '',
      label: 'the previous version',
      missing:
        'no version of function checkout is recorded as the one before version 7 on alias live ' +
        '(tag glidepath:live:previous, written when a deploy through Glidepath is promoted); ' +
        'to go back to a version, deploy it with lambda-version',
    });
  });

  it('tags of another alias of the same function are not ours', async () => {
    const fake = fakeLambda({
      tags: { 'glidepath:beta:previous': '6', 'glidepath:beta:target': '6 from 7' },
    });
    const { r } = router(fake, { command: 'rollback' });
    await r.read();
    expect(r.slotNames().green?.id).toBe('');
    expect(await r.markedTarget()).toBeUndefined();
  });
});

describe("LambdaRouter: Lambda's rules, each naming the input", () => {
  it('the alias must exist', async () => {
    const fake = fakeLambda();
    fake.world.alias = undefined;
    await expect(router(fake).r.read()).rejects.toThrow(
      /^lambda-alias: function checkout has no alias live \(ResourceNotFoundException: Alias not found: .*\); create it/,
    );
  });

  it('the alias must point at a published version, not $LATEST', async () => {
    const fake = fakeLambda({ primary: '$LATEST' });
    await expect(router(fake).r.read()).rejects.toThrow(
      /^lambda-alias: alias live of function checkout points at \$LATEST, not a published version/,
    );
  });

  it('at most one additional version', async () => {
    const fake = fakeLambda({ extra: { '8': 0.1, '9': 0.1 } });
    await expect(router(fake).r.read()).rejects.toThrow(
      'lambda-alias: alias live routes to version 8, version 9 besides version 7: Lambda allows at most one additional version',
    );
  });

  it('lambda-version must differ from the live version', async () => {
    const fake = fakeLambda();
    const { r } = router(fake, { provider: { version: '7' } });
    await r.read();
    await expect(r.stage('green', false)).rejects.toThrow(
      /^lambda-version: "7" is the version alias live already serves/,
    );
    expect(fake.mock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('lambda-version must be a published version', async () => {
    const fake = fakeLambda();
    const { r } = router(fake, { provider: { version: '9' } });
    await r.read();
    await expect(r.stage('green', false)).rejects.toThrow(
      /^lambda-version: "9" is not a published version of function checkout/,
    );
  });

  it('the new version must share the live version’s role and dead-letter queue', async () => {
    const fake = fakeLambda({ versions: ['7', '8'] });
    fake.world.versions.get('8')!.role = 'arn:aws:iam::123456789012:role/other';
    const { r } = router(fake, { provider: { version: '8' } });
    await r.read();
    await expect(r.stage('green', false)).rejects.toThrow(
      /^lambda-version: version 8 runs as role arn:aws:iam::123456789012:role\/other but live version 7 as arn:aws:iam::123456789012:role\/checkout: Lambda splits an alias only between versions with the same execution role and dead-letter queue/,
    );
    fake.world.versions.get('8')!.role = fake.world.versions.get('7')!.role;
    fake.world.versions.get('8')!.dlq = 'arn:aws:sqs:eu-west-1:123456789012:dlq';
    await expect(r.stage('green', false)).rejects.toThrow(/^lambda-version: version 8 has dead-letter queue/);
  });

  it('a valid lambda-version is checked before the hooks and names the new slot', async () => {
    const fake = fakeLambda({ versions: ['7', '8'] });
    const { r } = router(fake, { provider: { version: '8' } });
    await r.read();
    await r.stage('green', false);
    await r.stage('green', true);
    expect(inputs(fake, GetFunctionConfigurationCommand)).toEqual([
      { FunctionName: FUNCTION, Qualifier: '8' },
      { FunctionName: FUNCTION, Qualifier: '7' },
    ]);
    expect(fake.mock.commandCalls(PublishVersionCommand)).toHaveLength(0);
    expect(r.slotNames().green).toEqual({ id: '8', label: 'version 8' });
  });
});

describe('LambdaRouter: publishing $LATEST', () => {
  it('waits while $LATEST is InProgress, then publishes exactly what it waited for', async () => {
    const fake = fakeLambda();
    fake.upload('sha-new');
    fake.world.inProgressReads = 2;
    const { r, log, elapsed } = router(fake);
    await r.read();
    await r.stage('green', false); // nothing to check before the hooks without lambda-version
    await r.stage('green', true);
    expect(inputs(fake, GetFunctionConfigurationCommand)).toEqual([
      { FunctionName: FUNCTION },
      { FunctionName: FUNCTION },
      { FunctionName: FUNCTION },
      { FunctionName: FUNCTION, Qualifier: '8' },
      { FunctionName: FUNCTION, Qualifier: '7' },
    ]);
    expect(inputs(fake, PublishVersionCommand)).toEqual([
      {
        FunctionName: FUNCTION,
        CodeSha256: 'sha-new',
        RevisionId: 'rev-2',
        Description: 'published by Glidepath for alias live',
      },
    ]);
    expect(r.slotNames().green).toEqual({ id: '8', label: 'version 8' });
    expect(elapsed()).toBe(4_000);
    expect(log).toEqual([
      'waiting for $LATEST of function checkout to settle (LastUpdateStatus InProgress, 0s of at most 1m)',
      'waiting for $LATEST of function checkout to settle (LastUpdateStatus InProgress, 2s of at most 1m)',
      'published version 8 of function checkout from $LATEST',
    ]);
  });

  it('nothing changed since the live version: a clear error before any shift', async () => {
    const fake = fakeLambda(); // $LATEST holds version 7's code
    const { r } = router(fake);
    await r.read();
    await expect(r.stage('green', true)).rejects.toThrow(
      'nothing changed since the live version: PublishVersion returned version 7, which alias live already serves; ' +
        'deploy-command must update the function ($LATEST) before Glidepath publishes it, or give lambda-version',
    );
    expect(fake.mock.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('an update that never finishes: bounded, and nothing is published', async () => {
    const fake = fakeLambda();
    fake.upload('sha-new');
    fake.world.inProgressReads = 1000;
    const { r, elapsed } = router(fake);
    await r.read();
    await expect(r.stage('green', true)).rejects.toThrow(
      /^\$LATEST of function checkout was still busy \(LastUpdateStatus InProgress\) after 1m; nothing was published or moved/,
    );
    expect(elapsed()).toBe(60_000);
    expect(fake.mock.commandCalls(PublishVersionCommand)).toHaveLength(0);
  });

  it('a failed update is reported with its reason', async () => {
    const fake = fakeLambda();
    fake.upload('sha-new');
    fake.world.latest.lastUpdateStatus = 'Failed';
    const { r } = router(fake);
    await r.read();
    await expect(r.stage('green', true)).rejects.toThrow(
      /^deploy-command: the last update of \$LATEST of function checkout failed/,
    );
  });
});

describe('LambdaRouter: shifting', () => {
  async function staged(fake: FakeLambda, attempts?: number) {
    const made = router(fake, { provider: { version: '8' }, attempts });
    await made.r.read();
    await made.r.stage('green', false);
    fake.mock.resetHistory();
    return made;
  }

  it('a step sets AdditionalVersionWeights with the RevisionId just read, then reads the alias back', async () => {
    const fake = fakeLambda({ versions: ['7', '8'] });
    const { r } = await staged(fake);
    const state = await r.set({ blue: 90, green: 10 });
    expect(lambdaCalls(fake)).toEqual(['GetAlias', 'UpdateAlias', 'GetAlias']);
    expect(inputs(fake, UpdateAliasCommand)).toEqual([
      {
        FunctionName: FUNCTION,
        Name: ALIAS,
        FunctionVersion: '7',
        RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } },
        RevisionId: 'rev-1',
      },
    ]);
    expect(state).toEqual({
      weights: { blue: 90, green: 10 },
      detail: 'alias live: version 7 + version 8 at 0.1',
    });
  });

  it('promotion points the alias at the new version with no additional weights; rollback does the same for the live one', async () => {
    const fake = fakeLambda({ versions: ['7', '8'] });
    const { r } = await staged(fake);
    await r.set({ blue: 50, green: 50 });
    expect((await r.set({ blue: 0, green: 100 })).weights).toEqual({ blue: 0, green: 100 });
    expect((await r.set({ blue: 100, green: 0 })).weights).toEqual({ blue: 100, green: 0 });
    expect(aliasWrites(fake)).toEqual(['7+8@0.5', '8', '7']);
    expect(inputs(fake, UpdateAliasCommand).slice(1)).toEqual([
      {
        FunctionName: FUNCTION,
        Name: ALIAS,
        FunctionVersion: '8',
        RoutingConfig: { AdditionalVersionWeights: {} },
        RevisionId: 'rev-2',
      },
      {
        FunctionName: FUNCTION,
        Name: ALIAS,
        FunctionVersion: '7',
        RoutingConfig: { AdditionalVersionWeights: {} },
        RevisionId: 'rev-3',
      },
    ]);
  });

  it('a read-back that disagrees with the write is an error naming both', async () => {
    const fake = fakeLambda({ versions: ['7', '8'] });
    const { r } = await staged(fake);
    fake.world.tamperAfterUpdate = (a) => ({ ...a, extra: { '8': 0.2 } });
    await expect(r.set({ blue: 90, green: 10 })).rejects.toThrow(
      'Lambda: read-back mismatch on alias live of function checkout: wrote version 7 + version 8 at 0.1; read version 7 + version 8 at 0.2',
    );
  });

  it('someone moving the alias between our read and our write makes the write fail, not overwrite', async () => {
    const fake = fakeLambda({ versions: ['7', '8'] });
    const { r } = await staged(fake);
    fake.mock.on(GetAliasCommand).resolvesOnce({
      AliasArn: `${FUNCTION_ARN}:${ALIAS}`,
      FunctionVersion: '7',
      RevisionId: 'rev-0',
    });
    await expect(r.set({ blue: 90, green: 10 })).rejects.toThrow(
      /^Lambda UpdateAlias on function checkout failed: PreconditionFailedException/,
    );
    expect(fake.world.alias).toMatchObject({ primary: '7', revision: 1 });
  });

  it('UpdateAlias throttled twice: backs off and goes through', async () => {
    const fake = fakeLambda({ versions: ['7', '8'] });
    const { r, log, elapsed } = await staged(fake);
    fake.world.throttleUpdate = 2;
    await r.set({ blue: 90, green: 10 });
    expect(aliasWrites(fake)).toEqual(['7+8@0.1', '7+8@0.1', '7+8@0.1']);
    expect(log).toEqual([
      'Lambda UpdateAlias throttled, retry 1/3 in 0.4s',
      'Lambda UpdateAlias throttled, retry 2/3 in 0.8s',
    ]);
    expect(elapsed()).toBe(1_125);
  });

  it('UpdateAlias throttled beyond the bounded retries: an error with the SDK’s words', async () => {
    const fake = fakeLambda({ versions: ['7', '8'] });
    const { r } = await staged(fake, 3);
    fake.world.throttleUpdate = 5;
    await expect(r.set({ blue: 90, green: 10 })).rejects.toThrow(
      'Lambda UpdateAlias on function checkout failed: TooManyRequestsException: Rate exceeded',
    );
    expect(fake.mock.commandCalls(UpdateAliasCommand)).toHaveLength(3);
  });

  it('weights: a sliver stays a sliver, and the scale never reaches 1', () => {
    expect([0.05, 0.5, 10, 99.95, 100].map(toLambdaWeight)).toEqual([0.001, 0.005, 0.1, 0.999, 0.999]);
  });
});

describe('LambdaRouter: tags keyed by alias on the function', () => {
  it('lock, target, record, reject and prepare write exactly these tags', async () => {
    const fake = fakeLambda({ versions: ['7', '8'] });
    const { r } = router(fake, { provider: { version: '8' } });
    await r.lock('run-1001-1-42', 30 * 60_000);
    await r.read();
    await r.stage('green', false);
    await r.markTarget('green');
    await r.reject('green');
    await r.prepare('green');
    await r.record({
      live: 'green',
      previous: 'blue',
      runUrl: 'https://github.com/acme/shop/actions/runs/1001',
    });
    await r.markTarget(undefined);
    await r.unlock('run-1001-1-42');
    expect(inputs(fake, TagResourceCommand)).toEqual([
      { Resource: FUNCTION_ARN, Tags: { 'glidepath:live:lock': 'run-1001-1-42 2026-11-22T12:30:00.000Z' } },
      { Resource: FUNCTION_ARN, Tags: { 'glidepath:live:target': '8 from 7' } },
      { Resource: FUNCTION_ARN, Tags: { 'glidepath:live:rejected': '8' } },
      {
        Resource: FUNCTION_ARN,
        Tags: {
          'glidepath:live:previous': '7',
          'glidepath:live:run': 'https://github.com/acme/shop/actions/runs/1001',
        },
      },
    ]);
    expect(inputs(fake, UntagResourceCommand)).toEqual([
      {
        Resource: FUNCTION_ARN,
        TagKeys: [
          'glidepath:live:rejected',
          'glidepath:live:rejected-run',
          'glidepath:live:rejected-at',
          'glidepath:live:rejected-reason',
        ],
      },
      { Resource: FUNCTION_ARN, TagKeys: ['glidepath:live:target'] },
      { Resource: FUNCTION_ARN, TagKeys: ['glidepath:live:lock'] },
    ]);
    expect(fake.world.tags).toEqual({
      'glidepath:live:previous': '7',
      'glidepath:live:run': 'https://github.com/acme/shop/actions/runs/1001',
    });
  });

  it('a lock on another alias of the same function does not block', async () => {
    const fake = fakeLambda({ tags: { 'glidepath:beta:lock': 'run-999-1 2026-11-22T13:00:00.000Z' } });
    await router(fake).r.lock('run-1', 60_000);
    expect(fake.world.tags['glidepath:live:lock']).toMatch(/^run-1 /);
    expect(fake.world.tags['glidepath:beta:lock']).toBe('run-999-1 2026-11-22T13:00:00.000Z');
  });

  it('a lock held by another run on this alias stops the run, naming the holder', async () => {
    const fake = fakeLambda({ tags: { 'glidepath:live:lock': 'run-999-1 2026-11-22T13:00:00.000Z' } });
    await expect(router(fake).r.lock('run-1', 60_000)).rejects.toThrow(
      'Lambda: alias live of function checkout is locked by run run-999-1 until 2026-11-22T13:00:00.000Z (tag glidepath:live:lock)',
    );
    expect(fake.mock.commandCalls(TagResourceCommand)).toHaveLength(0);
  });

  it('a lock tag in another format is refused, naming the tag, its value and the command that clears it', async () => {
    const fake = fakeLambda({ tags: { 'glidepath:live:lock': 'held-by-codedeploy' } });
    const { r } = router(fake);
    const clear = `aws lambda untag-resource --region ${FUNCTION_ARN.split(':')[3]} --resource ${FUNCTION_ARN} --tag-keys glidepath:live:lock`;
    const refused = r.lock('run-1', 60_000);
    await expect(refused).rejects.toThrow(
      'Lambda: the tag glidepath:live:lock on alias live of function checkout holds "held-by-codedeploy", which is not a Glidepath lock',
    );
    await expect(refused).rejects.toThrow(`clear it: ${clear}`);
    expect(await r.lockClearCommand()).toBe(clear);
    await r.unlock('run-1');
    expect(fake.mock.commandCalls(TagResourceCommand)).toHaveLength(0);
    expect(fake.mock.commandCalls(UntagResourceCommand)).toHaveLength(0);
    expect(fake.world.tags['glidepath:live:lock']).toBe('held-by-codedeploy');
  });

  it('rejected() names the slot of the rejected version', async () => {
    const fake = fakeLambda({ tags: { 'glidepath:live:previous': '6', 'glidepath:live:rejected': '6' } });
    const { r } = router(fake, { command: 'rollback' });
    await r.read();
    expect(await r.rejected()).toEqual({ slot: 'green' });
  });

  it('the rejected mark keeps its note (escaped into what tag values accept), and lift removes it all', async () => {
    const fake = fakeLambda({ versions: ['7', '8'] });
    const { r } = router(fake, { provider: { version: '8' } });
    await r.read();
    await r.stage('green', false);
    const note = {
      run: 'https://github.com/acme/shop/actions/runs/1001',
      at: Date.UTC(2026, 10, 22, 12, 7, 0),
      reason: 'rolled back: version 8 error rate 6% (12 of 200; "p99")',
    };
    await r.reject('green', note);
    expect(inputs(fake, TagResourceCommand).at(-1)).toEqual({
      Resource: FUNCTION_ARN,
      Tags: {
        'glidepath:live:rejected': '8',
        'glidepath:live:rejected-run': 'https://github.com/acme/shop/actions/runs/1001',
        'glidepath:live:rejected-at': '2026-11-22T12:07:00.000Z',
        'glidepath:live:rejected-reason':
          'rolled back: version 8 error rate 6=25 =2812 of 200=3B =22p99=22=29',
      },
    });
    expect(await r.rejected()).toEqual({ slot: 'green', note });
    await expect(r.lift('blue')).rejects.toThrow(
      'Lambda: no glidepath:live:rejected tag names version 7 on function checkout',
    );
    await r.lift('green');
    expect(fake.world.tags).toEqual({});
  });

  it('lockHolder reads the lock tag for status', async () => {
    const fake = fakeLambda({ tags: { 'glidepath:live:lock': 'run-999-1 2026-11-22T13:00:00.000Z' } });
    expect(await router(fake).r.lockHolder()).toEqual({
      run: 'run-999-1',
      expiresAt: Date.UTC(2026, 10, 22, 13),
    });
    expect(await router(fakeLambda()).r.lockHolder()).toBeUndefined();
  });

  it('slotStates reads each version’s State for status', async () => {
    const fake = fakeLambda({ versions: ['6', '7'], tags: { 'glidepath:live:previous': '6' } });
    fake.world.versions.get('6')!.state = 'Inactive';
    const { r } = router(fake, { command: 'status' });
    await r.read();
    expect(await r.slotStates()).toEqual({
      blue: { state: 'Active', detail: 'version 7, last update Successful' },
      green: { state: 'Inactive', detail: 'version 6, last update Successful' },
    });
  });

  it('keys fit Lambda’s 128 characters whatever the alias length', () => {
    expect(tagKey('live', 'lock')).toBe('glidepath:live:lock');
    const long = tagKey('a'.repeat(128), 'rejected');
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long).toMatch(/^glidepath:a{100}~[0-9a-f]{8}:rejected$/);
    expect(tagKey('a'.repeat(128), 'rejected')).not.toBe(tagKey(`${'a'.repeat(127)}b`, 'rejected'));
  });
});

describe('LambdaRouter in the post step', () => {
  it('restores the live version of a run that died mid-shift, mapped by its target tag, without a read first', async () => {
    const fake = fakeLambda({
      versions: ['7', '8'],
      extra: { '8': 0.1 },
      tags: { 'glidepath:live:target': '8 from 7', 'glidepath:live:lock': 'run-1 2026-11-22T13:00:00.000Z' },
    });
    const { r } = router(fake);
    const state = await r.set({ blue: 100, green: 0 });
    expect(state.weights).toEqual({ blue: 100, green: 0 });
    expect(aliasWrites(fake)).toEqual(['7']);
    await r.reject('green');
    await r.markTarget(undefined);
    await r.unlock('run-1');
    expect(fake.world.tags).toEqual({ 'glidepath:live:rejected': '8' });
  });

  it('a run that died right after promoting: the post step goes back to the version it replaced', async () => {
    const fake = fakeLambda({
      versions: ['7', '8'],
      primary: '8',
      tags: { 'glidepath:live:target': '8 from 7' },
    });
    const { r } = router(fake);
    await r.set({ blue: 100, green: 0 });
    expect(aliasWrites(fake)).toEqual(['7']);
  });
});
