// The new Lambda version: published from $LATEST once its update has finished, and checked against Lambda's
// rules for a weighted alias before any traffic moves (published, Active, same role and dead-letter queue).
import {
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { formatDuration } from '../config/durations.js';

export interface LambdaVersionsOptions {
  functionName: string;
  alias: string;
  client: LambdaClient;
  /** one API call with the router's throttling backoff; errors come back wrapped, the SDK's as `cause` */
  call: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  log: (line: string) => void;
  /** bound on each wait: $LATEST's update, a version turning Active */
  waitMs: number;
  pollMs: number;
}

/** The SDK error's name, through the router's wrapping. */
function sdkName(e: unknown): string | undefined {
  const inner = e instanceof Error && e.cause !== undefined ? e.cause : e;
  return typeof inner === 'object' && inner !== null && 'name' in inner && typeof inner.name === 'string'
    ? inner.name
    : undefined;
}

export class LambdaVersions {
  constructor(private readonly o: LambdaVersionsOptions) {}

  /** GetFunctionConfiguration of a version, or of $LATEST without one. */
  async configuration(version?: string): Promise<FunctionConfiguration> {
    return this.o.call('GetFunctionConfiguration', () =>
      this.o.client.send(
        new GetFunctionConfigurationCommand({
          FunctionName: this.o.functionName,
          ...(version ? { Qualifier: version } : {}),
        }),
      ),
    );
  }

  /**
   * Publishes $LATEST and returns the version number. PublishVersion refuses to run while an update
   * is in progress, and returns the existing version when $LATEST did not change since it was
   * published: the caller compares it with the live version. CodeSha256 and RevisionId pin what we
   * waited for, so an update landing in between is not published half-seen: we wait again.
   */
  async publish(signal?: AbortSignal): Promise<{ version: string }> {
    const deadline = this.o.now() + this.o.waitMs;
    for (;;) {
      const latest = await this.settled(undefined, deadline, signal);
      try {
        const out = await this.o.call('PublishVersion', () =>
          this.o.client.send(
            new PublishVersionCommand({
              FunctionName: this.o.functionName,
              ...(latest.CodeSha256 ? { CodeSha256: latest.CodeSha256 } : {}),
              ...(latest.RevisionId ? { RevisionId: latest.RevisionId } : {}),
              Description: `published by Glidepath for alias ${this.o.alias}`,
            }),
          ),
        );
        const version = out.Version ?? '';
        if (!/^[1-9]\d*$/.test(version)) {
          throw new Error(
            `Lambda PublishVersion on function ${this.o.functionName} returned version "${version}", not a number`,
          );
        }
        this.o.log(`published version ${version} of function ${this.o.functionName} from $LATEST`);
        return { version };
      } catch (e) {
        // an update started, or $LATEST changed, between our look and the publish: look again
        const name = sdkName(e);
        if (
          (name === 'ResourceConflictException' || name === 'PreconditionFailedException') &&
          this.o.now() < deadline
        ) {
          this.o.log(`PublishVersion: $LATEST is changing (${name}); waiting for it to settle`);
          await this.o.sleep(this.o.pollMs, signal);
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * Lambda's rules for shifting an alias to `version` beside `live`: the version exists and is
   * published, turns Active (SnapStart versions take a while), and shares the live version's
   * execution role and dead-letter queue. `input` is what the user fixes when it does not.
   */
  async checkShiftable(version: string, live: string, input: string, signal?: AbortSignal): Promise<void> {
    let target: FunctionConfiguration;
    try {
      target = await this.settled(version, this.o.now() + this.o.waitMs, signal);
    } catch (e) {
      if (sdkName(e) === 'ResourceNotFoundException') {
        throw new Error(
          `${input}: "${version}" is not a published version of function ${this.o.functionName}; publish it first (aws lambda publish-version) or give another`,
          { cause: e },
        );
      }
      throw e;
    }
    const current = await this.configuration(live);
    const role = (c: FunctionConfiguration) => c.Role ?? 'none';
    const dlq = (c: FunctionConfiguration) => c.DeadLetterConfig?.TargetArn ?? 'none';
    const rule =
      'Lambda splits an alias only between versions with the same execution role and dead-letter queue';
    if (role(target) !== role(current)) {
      throw new Error(
        `${input}: version ${version} runs as role ${role(target)} but live version ${live} as ${role(current)}: ${rule}; ` +
          'deploy the new version with the live role, or switch the role in a deploy of its own',
      );
    }
    if (dlq(target) !== dlq(current)) {
      throw new Error(
        `${input}: version ${version} has dead-letter queue ${dlq(target)} but live version ${live} has ${dlq(current)}: ${rule}`,
      );
    }
  }

  /** A version's (or $LATEST's) configuration once no update is in progress and it is not Pending. */
  private async settled(
    version: string | undefined,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<FunctionConfiguration> {
    const what = version ? `version ${version}` : '$LATEST';
    const since = this.o.now();
    for (;;) {
      const c = await this.configuration(version);
      if (c.State === 'Failed') {
        throw new Error(
          `${version ? 'lambda-version' : 'deploy-command'}: ${what} of function ${this.o.functionName} is in state Failed ` +
            `(${c.StateReasonCode ?? 'no code'}: ${c.StateReason ?? 'no reason given'}); nothing was published or moved`,
        );
      }
      if (c.LastUpdateStatus === 'Failed') {
        throw new Error(
          `deploy-command: the last update of ${what} of function ${this.o.functionName} failed ` +
            `(${c.LastUpdateStatusReasonCode ?? 'no code'}: ${c.LastUpdateStatusReason ?? 'no reason given'}); nothing was published or moved`,
        );
      }
      const busy = c.LastUpdateStatus === 'InProgress' || c.State === 'Pending';
      if (!busy) return c;
      const waited = this.o.now() - since;
      const status = c.LastUpdateStatus === 'InProgress' ? 'LastUpdateStatus InProgress' : 'State Pending';
      if (this.o.now() >= deadline) {
        throw new Error(
          `${what} of function ${this.o.functionName} was still busy (${status}) after ${formatDuration(waited)}; ` +
            'nothing was published or moved: let the update finish, then deploy again',
        );
      }
      this.o.log(
        `waiting for ${what} of function ${this.o.functionName} to settle (${status}, ${formatDuration(waited)} of at most ${formatDuration(deadline - since)})`,
      );
      await this.o.sleep(Math.min(this.o.pollMs, Math.max(0, deadline - this.o.now())), signal);
    }
  }
}
