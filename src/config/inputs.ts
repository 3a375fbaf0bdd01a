// The action's public interface as data: every input and output, its default and description.
// action.yml is checked against this table by __tests__/action-yml.test.ts.

export interface InputSpec {
  name: string;
  /** as written in action.yml; '' for none */
  default: string;
  /** the value is masked in errors and registered with the runner's log masking */
  secret: boolean;
  description: string;
}

export interface OutputSpec {
  name: string;
  description: string;
}

/** The default of `github-token`; the runner substitutes it, so seeing it verbatim means no token. */
export const GITHUB_TOKEN_DEFAULT = '${{ github.token }}';

export const INPUTS = [
  {
    name: 'command',
    default: 'deploy',
    secret: false,
    description:
      'What to do: deploy, promote (continue a held deploy to 100%), abort (send all traffic back to the live slot), rollback (switch back to the previous slot), status, plan (print the plan and change nothing), or cleanup (remove a preview when its pull request closes: cleanup-command, the deployment marked inactive, the PR comment updated).',
  },
  {
    name: 'force',
    default: 'false',
    secret: false,
    description:
      "For command rollback only: true sends traffic back to a slot Glidepath marked rejected after an abort or a rollback (probed first when pre-traffic-urls is set); it never overrides an operator's MAINT or a DOWN server. Other commands ignore it and say so.",
  },
  {
    name: 'strategy',
    default: 'canary',
    secret: false,
    description:
      'How traffic moves to the new slot: blue-green, canary, linear, all-at-once, or a CodeDeploy preset name ' +
      'such as Canary10Percent5Minutes or CodeDeployDefault.ECSLinear10PercentEvery1Minutes.',
  },
  {
    name: 'canary-steps',
    default: '10,50',
    secret: false,
    description:
      'Canary weights of the new slot in percent, ascending, each between 1 and 99, like 5,25,50; 100 follows the last step.',
  },
  {
    name: 'linear-increment',
    default: '10',
    secret: false,
    description: 'Percent of traffic added to the new slot at each linear step, a whole number from 1 to 99.',
  },
  {
    name: 'interval',
    default: '5m',
    secret: false,
    description:
      'How long each step is held and analysed before the next one, like 30s, 5m or 1h30m. A CodeDeploy preset brings its own.',
  },
  {
    name: 'hold-at',
    default: '',
    secret: false,
    description:
      'Stop the deploy when the new slot reaches this weight and exit with result held; a later run with command promote or abort finishes it. ' +
      'Must be a weight the strategy passes through.',
  },
  {
    name: 'provider',
    default: '',
    secret: false,
    description:
      'Required. What carries the traffic: alb (AWS Application Load Balancer), haproxy (runtime API), lambda (a weighted Lambda alias), command (your own script), or none (no traffic split: previews and platforms that replace the running version themselves).',
  },
  {
    name: 'blue-target',
    default: '',
    secret: false,
    description:
      'The blue slot: a target group ARN for alb; for haproxy backend/server (like app/blue), or several servers of one backend as a comma or newline list or a name pattern (like app/blue*). Required for alb and haproxy.',
  },
  {
    name: 'green-target',
    default: '',
    secret: false,
    description:
      'The green slot: a target group ARN for alb; for haproxy backend/server in the same backend as blue-target (like app/green), or several servers as a comma or newline list or a name pattern (like app/green*). Required for alb and haproxy.',
  },
  {
    name: 'alb-listener-arn',
    default: '',
    secret: false,
    description:
      'ARN of the ALB listener whose default action forwards to both target groups. Give this or alb-rule-arn when provider is alb.',
  },
  {
    name: 'alb-rule-arn',
    default: '',
    secret: false,
    description:
      'ARN of the ALB listener rule whose forward action splits traffic between the target groups; used instead of alb-listener-arn when both are given.',
  },
  {
    name: 'haproxy-socket',
    default: '',
    secret: false,
    description:
      'HAProxy runtime API address at admin level: a unix socket path like /run/haproxy/admin.sock, or host:port like 127.0.0.1:9999; for several HAProxy instances moved as one deploy, one address per line. Required for haproxy.',
  },
  {
    name: 'traffic-command',
    default: '',
    secret: false,
    description:
      'Shell command that sets the weights, run with BLUE_WEIGHT and GREEN_WEIGHT (percent) in its environment. Required for provider command.',
  },
  {
    name: 'traffic-status-command',
    default: '',
    secret: false,
    description:
      'Shell command that prints the current weights as {"blue":N,"green":M}. Required for provider command (plan refuses its absence too, as deploy would), since it is how the live slot is found.',
  },
  {
    name: 'lambda-function',
    default: '',
    secret: false,
    description:
      'The Lambda function: its name like checkout, or its unqualified ARN. Required for provider lambda.',
  },
  {
    name: 'lambda-alias',
    default: '',
    secret: false,
    description:
      'The alias your callers invoke, like live; its weights move traffic to the new version. Required for provider lambda.',
  },
  {
    name: 'lambda-version',
    default: '',
    secret: false,
    description:
      'The published version to shift to, like 8. Empty: Glidepath publishes one from $LATEST after deploy-command and reports its number.',
  },
  {
    name: 'pre-traffic-payload',
    default: '',
    secret: false,
    description:
      'A JSON event the new Lambda version is invoked with before any traffic moves; a function error or a non-2xx status stops the deploy.',
  },
  {
    name: 'health-urls',
    default: '',
    secret: false,
    description:
      'URLs probed during every step, one per line, the way users reach the service (through the load balancer). A line may add expect=CODES and body=CHECK for its URL, like https://app.example.com/ready expect=200 body=$.status == "ready"; health-expect and health-body apply otherwise. {url} is replaced by the URL a hook handed back (url= in GLIDEPATH_OUTPUT).',
  },
  {
    name: 'pre-traffic-urls',
    default: '',
    secret: false,
    description:
      'URLs that reach the idle slot directly, one per line, probed before any traffic moves; {slot} is replaced by blue or green, {url} by the URL a hook handed back. Lines take expect= and body= as in health-urls.',
  },
  {
    name: 'health-expect',
    default: '200-299',
    secret: false,
    description:
      'HTTP status codes a healthy probe may return: codes and ranges separated by commas, like 200,204 or 200-299,304.',
  },
  {
    name: 'health-body',
    default: '',
    secret: false,
    description:
      'Text a healthy response body must contain, or a JSON check like $.status == "ready" (also !=; strings in double quotes).',
  },
  {
    name: 'health-headers',
    default: '',
    secret: true,
    description:
      'Headers sent with every probe, one "Name: value" per line. Values are masked in logs; pass tokens from secrets.',
  },
  {
    name: 'probe-interval',
    default: '5s',
    secret: false,
    description:
      'Time between two probes of the same URL, like 5s; no longer than interval. A probe still running when the next is due is not sent twice.',
  },
  {
    name: 'probe-timeout',
    default: '3s',
    secret: false,
    description:
      'How long one probe may take before it counts as failed, like 3s. May be longer than probe-interval.',
  },
  {
    name: 'failure-threshold',
    default: '2',
    secret: false,
    description:
      'Consecutive failed readings of one probe URL, the check command, an alarm or target health that trigger a rollback, a whole number of at least 1. ' +
      'Real-traffic statistical tests have their own error control (confidence).',
  },
  {
    name: 'max-error-rate',
    default: '1',
    secret: false,
    description:
      "Highest percent of failed requests (5xx) tolerated on the new slot's real traffic (ALB metrics or HAProxy stats), from 0 to 100; judged by a sequential test over the whole deploy.",
  },
  {
    name: 'max-latency',
    default: '',
    secret: false,
    description: 'Latency limit on the new slot as a percentile and a duration, like p99<2s or p95<500ms.',
  },
  {
    name: 'compare-to-stable',
    default: 'false',
    secret: false,
    description:
      'true to also compare the new slot with the live slot at the same time (error rate and latency, with sequential tests), not only with the fixed limits.',
  },
  {
    name: 'min-requests',
    default: '20',
    secret: false,
    description:
      'Requests the new slot must serve during a step (the whole step) before the step can pass; a short step is extended once, then the deploy fails for lack of data. A whole number, 0 or more.',
  },
  {
    name: 'confidence',
    default: '99%',
    secret: false,
    description:
      "The judge's confidence: the chance that its statistical tests roll back a healthy version during a whole deploy is at most 100% minus this. A percent above 50 and below 100, like 99% or 99.9%.",
  },
  {
    name: 'max-error-rate-increase',
    default: '0.5',
    secret: false,
    description:
      "With compare-to-stable: percentage points the new slot's 5xx rate may exceed the live slot's, like 0.5.",
  },
  {
    name: 'max-latency-increase',
    default: '20%',
    secret: false,
    description:
      'With compare-to-stable: how much slower than the live slot the new slot may be (its median, and the percentile max-latency names), like 20% or 25ms.',
  },
  {
    name: 'max-failed-requests',
    default: '',
    secret: false,
    description:
      'Blast-radius budget: roll back as soon as the new slot has served more failed requests than this during the deploy (HAProxy 5xx and response errors, ALB target 5xx), whatever the statistics say. A whole number, 0 or more.',
  },
  {
    name: 'cloudwatch-alarms',
    default: '',
    secret: false,
    description:
      'CloudWatch alarm names, separated by newlines or commas; any alarm in ALARM state fails the step.',
  },
  {
    name: 'max-unhealthy-targets',
    default: '0',
    secret: false,
    description:
      'Unhealthy targets tolerated in the new slot (ALB target health), a whole number, 0 or more.',
  },
  {
    name: 'check-command',
    default: '',
    secret: false,
    description:
      'Shell command run at every evaluation, bounded by probe-timeout plus 4s; a non-zero exit fails that evaluation. Gets GLIDEPATH_WINDOW_START.',
  },
  {
    name: 'backup-command',
    default: '',
    secret: false,
    description: 'Shell command run first, before anything changes (for example a database backup).',
  },
  {
    name: 'deploy-command',
    default: '',
    secret: false,
    description: 'Shell command that puts the new version on the idle slot, named in GLIDEPATH_TARGET_SLOT.',
  },
  {
    name: 'smoke-command',
    default: '',
    secret: false,
    description:
      'Shell command that tests the idle slot before it takes any traffic; a non-zero exit stops the deploy.',
  },
  {
    name: 'verify-command',
    default: '',
    secret: false,
    description: 'Shell command run once the new slot takes 100% of traffic; a non-zero exit rolls back.',
  },
  {
    name: 'cleanup-command',
    default: '',
    secret: false,
    description:
      'Shell command run on the previous slot after keep-previous has passed and its open sessions drained (for example to scale it down); with command cleanup, the command that removes the preview.',
  },
  {
    name: 'rollback-command',
    default: '',
    secret: false,
    description: 'Shell command run after traffic has been switched back to the live slot during a rollback.',
  },
  {
    name: 'hook-timeout',
    default: '10m',
    secret: false,
    description: 'Longest time any one hook may run before it is stopped and counts as failed, like 10m.',
  },
  {
    name: 'keep-previous',
    default: '0s',
    secret: false,
    description:
      'How long the previous slot is kept as it is after promotion before cleanup-command runs, like 30m.',
  },
  {
    name: 'drain-timeout',
    default: '30s',
    secret: false,
    description:
      "After promotion and keep-previous, how long cleanup-command waits for the previous slot's open sessions to end (HAProxy scur of its server reaching 0), like 30s; where the load balancer cannot count them (ALB, Lambda, provider command) it waits this long. 0s runs cleanup at once.",
  },
  {
    name: 'timeout',
    default: '60m',
    secret: false,
    description:
      'Bound on the whole run, like 60m; when it passes, traffic goes back to the live slot and the run fails.',
  },
  {
    name: 'fail-on-rollback',
    default: 'true',
    secret: false,
    description:
      'true to fail the step when the deploy was rolled back; false to succeed once the live slot is restored.',
  },
  {
    name: 'environment',
    default: '',
    secret: false,
    description:
      'GitHub environment name; when set, a GitHub deployment is created and its status kept up to date.',
  },
  {
    name: 'environment-url',
    default: '',
    secret: false,
    description:
      'URL shown on the GitHub deployment and in the pull request comment, an absolute http(s) URL; {url} is replaced by the URL a hook handed back (url= in GLIDEPATH_OUTPUT), which is also the link when this is not set.',
  },
  {
    name: 'pr-comment',
    default: 'true',
    secret: false,
    description: 'true to keep one comment with the status and preview URL up to date on pull requests.',
  },
  {
    name: 'notify-webhook',
    default: '',
    secret: true,
    description:
      'Slack- or Teams-compatible incoming webhook URL (https) to notify when the run ends. Pass it from a secret.',
  },
  {
    name: 'github-token',
    default: GITHUB_TOKEN_DEFAULT,
    secret: true,
    description:
      'Token for GitHub deployments and pull request comments; needs deployments: write and pull-requests: write.',
  },
  {
    name: 'aws-region',
    default: '',
    secret: false,
    description:
      'AWS region for the ALB, Lambda and CloudWatch, like us-east-1. Defaults to the region in the environment; credentials always come from the environment.',
  },
] as const satisfies readonly InputSpec[];

export type InputName = (typeof INPUTS)[number]['name'];

export const OUTPUTS = [
  {
    name: 'result',
    description:
      'How the run ended: promoted, rolled-back, held, aborted, failed, planned, unchanged, or removed (command cleanup).',
  },
  {
    name: 'live-slot',
    description:
      'The slot taking traffic after the run: blue or green; with provider lambda, the version number.',
  },
  {
    name: 'previous-slot',
    description:
      'The other slot after the run, the one a rollback would switch back to: blue or green; with provider lambda, the version number.',
  },
  {
    name: 'weight',
    description:
      "The new slot's final weight in percent, as read back from the load balancer. The new slot: for deploy, promote and abort the deploy's target; for rollback the slot rolled back from (0 after a rollback); for status the target of a split in progress. Empty when there is none (status at rest, nothing to promote or abort).",
  },
  {
    name: 'rollback-reason',
    description: 'Why the deploy was rolled back or failed, in one sentence; empty when it was neither.',
  },
  { name: 'deployment-id', description: 'The id of the GitHub deployment, when one was created.' },
  { name: 'report', description: 'Path of a JSON report of the whole run timeline.' },
  {
    name: 'url',
    description:
      "The URL a hook handed back by writing url=<URL> to the file named in GLIDEPATH_OUTPUT (a preview's address); empty when none did.",
  },
] as const satisfies readonly OutputSpec[];

export type OutputName = (typeof OUTPUTS)[number]['name'];

const BY_NAME = new Map<string, InputSpec>(INPUTS.map((i) => [i.name, i]));

/** The spec of one input; every name in InputName has one. */
export function inputSpec(name: InputName): InputSpec {
  const spec = BY_NAME.get(name);
  if (!spec) throw new Error(`unknown input ${name}`);
  return spec;
}
