// docs/runbook.md names the places Glidepath keeps its marks and locks, and gives commands to read and
// clear them by hand: each must match what the code writes, or on-call clears the wrong thing at 3 a.m.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HaproxyInstance } from '../src/traffic/haproxy-instance.js';
import { HaproxyRunLock } from '../src/traffic/haproxy-lock.js';
import { SHOW_SERVER_STATS } from '../src/traffic/haproxy-socket.js';
import {
  TAG_LIVE,
  TAG_LOCK,
  TAG_PREVIOUS,
  TAG_REJECTED,
  TAG_REJECTED_AT,
  TAG_REJECTED_REASON,
  TAG_REJECTED_RUN,
  TAG_RUN,
  TAG_STICKINESS,
  TAG_TARGET,
} from '../src/traffic/alb.js';
import { tagKey } from '../src/traffic/lambda.js';

const runbook = readFileSync(new URL('../docs/runbook.md', import.meta.url), 'utf8');
/** the runbook's shell blocks, one command a line */
const commands = [...runbook.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1]!.replace(/\\\n\s*/g, '').split('\n'))
  .filter((l) => l && !l.startsWith('#'));

describe('docs/runbook.md against the code', () => {
  it('clears the HAProxy lock with the command a refusal prints', () => {
    const lock = new HaproxyRunLock(
      [new HaproxyInstance({ kind: 'unix', path: '/run/haproxy/admin.sock' })],
      'shop',
    );
    expect(commands).toContain(lock.clearCommand());
    expect(commands).toContain(`echo "get var ${lock.variable}" | socat stdio /run/haproxy/admin.sock`);
    expect(runbook).toContain(`proc.glidepath_lock_shop_api`);
    expect(new HaproxyRunLock([], 'shop-api').variable).toBe('proc.glidepath_lock_shop_api');
  });

  it('names the ALB tags the router writes, and removes the lock tag by its key', () => {
    for (const tag of [TAG_LIVE, TAG_PREVIOUS, TAG_RUN, TAG_TARGET, TAG_REJECTED, TAG_STICKINESS, TAG_LOCK])
      expect(runbook).toContain(`\`${tag}\``);
    expect(runbook).toContain(
      `\`${TAG_REJECTED_RUN}\`, \`-${TAG_REJECTED_AT.split('-').at(-1)}\`, \`-${TAG_REJECTED_REASON.split('-').at(-1)}\``,
    );
    expect(commands).toContain(`aws elbv2 remove-tags --resource-arns "$RULE_ARN" --tag-keys ${TAG_LOCK}`);
  });

  it('names the Lambda tags by alias, and removes the lock tag by its key', () => {
    expect(runbook).toContain('`glidepath:<alias>:rejected`');
    expect(tagKey('live', 'rejected')).toBe('glidepath:live:rejected');
    expect(commands).toContain(
      `aws lambda untag-resource --resource "$FUNCTION_ARN" --tag-keys ${tagKey('live', 'lock')}`,
    );
  });

  it('reads HAProxy with the command Glidepath sends', () => {
    expect(commands.some((c) => c.startsWith(`echo "${SHOW_SERVER_STATS}" | socat`))).toBe(true);
  });
});
