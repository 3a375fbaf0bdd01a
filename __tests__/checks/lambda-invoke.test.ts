// The pre-traffic Invoke: the exact request, and what fails the gate (a function error, a non-2xx status, an SDK error).
import { describe, expect, it } from 'vitest';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { lambdaInvokeGate } from '../../src/checks/lambda-invoke.js';
import { FUNCTION, fakeLambda, lambdaError, throttled } from '../traffic/lambda-fake.js';

function gate(fake: ReturnType<typeof fakeLambda>) {
  return lambdaInvokeGate({
    client: fake.client,
    functionName: FUNCTION,
    payload: '{"path": "/health"}',
    versionOf: (slot) => (slot === 'green' ? '8' : '7'),
    timeoutMs: 60_000,
    sleep: async () => undefined,
  });
}
const run = (g: ReturnType<typeof gate>) =>
  g.run({ target: 'green', live: 'blue', signal: new AbortController().signal });

describe('pre-traffic-payload gate', () => {
  it('invokes the new version with the event as typed and passes on a 200 without a function error', async () => {
    const fake = fakeLambda({ versions: ['7', '8'] });
    expect(await run(gate(fake))).toBeUndefined();
    expect(fake.mock.commandCalls(InvokeCommand).map((c) => c.args[0].input)).toEqual([
      {
        FunctionName: FUNCTION,
        Qualifier: '8',
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode('{"path": "/health"}'),
      },
    ]);
  });

  it('fails on a function error, quoting the answer', async () => {
    const fake = fakeLambda({ versions: ['7', '8'] });
    fake.world.versions.get('8')!.invoke = {
      functionError: 'Unhandled',
      payload: '{"errorType":"Error","errorMessage":"db unreachable"}',
    };
    expect(await run(gate(fake))).toBe(
      'version 8 answered pre-traffic-payload with a function error (Unhandled): {"errorType":"Error","errorMessage":"db unreachable"}',
    );
  });

  it('fails on a non-2xx status', async () => {
    const fake = fakeLambda({ versions: ['7', '8'] });
    fake.world.versions.get('8')!.invoke = { status: 500, payload: '' };
    expect(await run(gate(fake))).toBe('Invoke of version 8 returned status 500: (empty answer)');
  });

  it('retries a throttled Invoke, and fails with the SDK’s words on anything else', async () => {
    const fake = fakeLambda({ versions: ['7', '8'] });
    fake.mock.on(InvokeCommand).rejectsOnce(throttled()).resolves({ StatusCode: 200 });
    expect(await run(gate(fake))).toBeUndefined();
    expect(fake.mock.commandCalls(InvokeCommand)).toHaveLength(2);

    fake.mock
      .on(InvokeCommand)
      .rejects(lambdaError('ResourceNotFoundException', 'Function not found: checkout:8', 404));
    expect(await run(gate(fake))).toBe(
      'Invoke of version 8 with pre-traffic-payload failed: ResourceNotFoundException: Function not found: checkout:8',
    );
  });
});
