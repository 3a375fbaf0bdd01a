// The pre-traffic gate of provider lambda: the new version invoked once with pre-traffic-payload before any traffic moves.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Slot } from '../config/types.js';
import type { Gate } from '../ports/checks.js';
import { withThrottleRetry } from '../traffic/aws-retry.js';

/** What the gate quotes of the function's answer (an error message and its type, usually). */
const ANSWER_MAX = 300;

export interface LambdaInvokeGateOptions {
  client: LambdaClient;
  functionName: string;
  /** the JSON event, as typed in pre-traffic-payload */
  payload: string;
  /** the version each slot stands for (the router's names) */
  versionOf: (slot: Slot) => string | undefined;
  /** bound on the invocation, the function's own run time included */
  timeoutMs: number;
  sleep: (ms: number) => Promise<void>;
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > ANSWER_MAX ? `${flat.slice(0, ANSWER_MAX - 1)}…` : flat || '(empty answer)';
}

/**
 * Invokes the target's version (RequestResponse, the version as qualifier): a function error or a
 * non-2xx status fails the gate with the function's answer quoted. Throttling is retried with the
 * same bounded backoff as every AWS call; anything else fails the gate with the SDK's message.
 */
export function lambdaInvokeGate(o: LambdaInvokeGateOptions): Gate {
  return {
    name: 'pre-traffic-payload',
    run: async ({ target, signal }) => {
      const version = o.versionOf(target);
      if (!version) return `no version of function ${o.functionName} is known for ${target} to invoke`;
      try {
        const out = await withThrottleRetry(
          () =>
            o.client.send(
              new InvokeCommand({
                FunctionName: o.functionName,
                Qualifier: version,
                InvocationType: 'RequestResponse',
                Payload: new TextEncoder().encode(o.payload),
              }),
              { abortSignal: signal, requestTimeout: o.timeoutMs },
            ),
          { sleep: o.sleep, attempts: 4 },
        );
        const answer = out.Payload ? new TextDecoder().decode(out.Payload) : '';
        if (out.FunctionError) {
          return `version ${version} answered pre-traffic-payload with a function error (${out.FunctionError}): ${quote(answer)}`;
        }
        const status = out.StatusCode ?? 0;
        if (status < 200 || status > 299) {
          return `Invoke of version ${version} returned status ${status}: ${quote(answer)}`;
        }
        return undefined;
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        return `Invoke of version ${version} with pre-traffic-payload failed: ${quote(why)}`;
      }
    },
  };
}
