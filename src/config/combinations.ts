// Rules over several inputs that parse one by one but cannot work together (no plan needed: see plan/feasibility.ts).
import type { Config } from './types.js';
import type { InputReader } from './reader.js';
import type { InputName } from './inputs.js';
import { usesHandedBackUrl } from './urls.js';

export function checkCombinations(config: Config, r: InputReader): void {
  const p = config.provider;
  // plan refuses it too: a plan that says yes to what deploy then refuses is worse than no plan
  if (p.kind === 'command' && !p.statusCommand) {
    r.problem(
      'traffic-status-command',
      'is required with provider command: a command printing the current split as JSON, like {"blue":100,"green":0}; ' +
        'without it Glidepath cannot tell which slot is live and would have to guess',
    );
  }
  if (p.kind === 'command' && config.holdAt === 50) {
    r.bad(
      'hold-at',
      'leaves both slots at 50%, and with provider command nothing records which one is new, so promote and abort ' +
        'could not tell them apart; hold at another weight of the plan',
    );
  }
  checkHandedBackUrl(config, r);
  if (config.command === 'cleanup' && !config.hooks.cleanup) {
    r.problem(
      'cleanup-command',
      'is required with command cleanup: the command that removes the preview, like railway environment delete "pr-$PR" --yes; ' +
        'without it the deployment would be marked inactive while the preview still runs',
    );
  }
  if (p.kind === 'none') checkInPlace(config, r);
}

/** What `provider: none` refuses, and why: with no traffic split there is nothing to hold, continue or switch. */
const NO_SPLIT: Partial<Record<Config['command'], string>> = {
  promote:
    'there is no held split to continue: the platform replaced the running version when the deploy ran',
  abort: 'there is no split to abort: the platform replaced the running version when the deploy ran',
  rollback:
    "there is no previous slot to switch back to: redeploy the previous version with command deploy, or run your platform's own rollback",
  status: 'there is no load balancer to read: the platform itself knows which version runs',
};

function checkInPlace(config: Config, r: InputReader): void {
  const why = NO_SPLIT[config.command];
  if (why) r.bad('command', `cannot be used with provider none: ${why}; use deploy, cleanup or plan`);
  if (config.holdAt !== undefined) {
    r.bad('hold-at', 'cannot be used with provider none: there is no traffic split to hold; remove hold-at');
  }
  if (config.preTrafficUrls.some((t) => t.url.includes('{slot}'))) {
    r.bad(
      'pre-traffic-urls',
      'uses {slot}, but provider none has no slots: the deploy runs in place; point at the new version directly, ' +
        'or use {url} with a URL the deploy hook hands back (url= in GLIDEPATH_OUTPUT)',
      config.preTrafficUrls.find((t) => t.url.includes('{slot}'))!.text,
    );
  }
  if (config.compareToStable) {
    r.bad(
      'compare-to-stable',
      'cannot be used with provider none: no stable version serves beside the new one to compare with; remove it or set false',
    );
  }
  if (config.keepPreviousMs > 0) {
    r.bad(
      'keep-previous',
      'does not apply with provider none: there is no previous slot to keep, the platform stops the old version itself ' +
        '(and cleanup-command runs only for command cleanup); remove it',
    );
  }
}

/**
 * `{url}` is what a hook of this run hands back (url= in GLIDEPATH_OUTPUT). promote and rollback run
 * no hook before they probe, so a URL made from it could never be probed: refused before anything moves.
 */
function checkHandedBackUrl(config: Config, r: InputReader): void {
  const needs: Partial<Record<Config['command'], InputName[]>> = {
    promote: ['health-urls', 'pre-traffic-urls', 'environment-url'],
    rollback: ['pre-traffic-urls'],
  };
  const uses: Record<string, boolean> = {
    'health-urls': config.healthUrls.some((t) => usesHandedBackUrl(t.url)),
    'pre-traffic-urls': config.preTrafficUrls.some((t) => usesHandedBackUrl(t.url)),
    'environment-url': usesHandedBackUrl(config.environmentUrl ?? ''),
  };
  for (const input of needs[config.command] ?? []) {
    if (!uses[input]) continue;
    r.problem(
      input,
      `uses {url}, the URL a deploy's hooks hand back (url= in GLIDEPATH_OUTPUT), but command ${config.command} runs no such hook before it probes; ` +
        `give the URL itself in the ${config.command} job`,
    );
  }
}

/** The warning when `force: true` is given to a command other than rollback (which it does not change). */
export function forceIgnored(command: string): string {
  return `force: true applies to command rollback only (it lets a rollback go to a slot Glidepath marked rejected); it has no effect on ${command}`;
}
