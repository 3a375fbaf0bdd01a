// The `provider` input and the inputs each provider needs or cannot use, into a ProviderConfig.
import type { ProviderConfig } from './types.js';
import type { InputName } from './inputs.js';
import type { InputReader } from './reader.js';
import { didYouMean } from './suggest.js';
import { parseLambda } from './lambda.js';
import {
  LISTENER_FORM,
  LISTENER_RULE_FORM,
  SOCKET_FORM,
  haproxyServerForm,
  targetGroupForm,
  isListenerArn,
  isListenerRuleArn,
  isTargetGroupArn,
  parseHaproxySlot,
  parseSocketAddress,
  socketLines,
} from './targets.js';
import {
  formatSocketAddress,
  isServerPattern,
  type HaproxySlot,
  type Slot,
  type SocketAddress,
} from './types.js';

type ProviderKind = ProviderConfig['kind'];
const KINDS: readonly ProviderKind[] = ['alb', 'haproxy', 'lambda', 'command', 'none'];
export const PROVIDER_FORM = 'alb, haproxy, lambda, command or none';

// Inputs that belong to one provider only; giving them to another is a mix-up worth stopping on.
const OWN_INPUTS: Record<ProviderKind, readonly InputName[]> = {
  alb: ['alb-listener-arn', 'alb-rule-arn'],
  haproxy: ['haproxy-socket'],
  command: ['traffic-command', 'traffic-status-command'],
  lambda: ['lambda-function', 'lambda-alias', 'lambda-version', 'pre-traffic-payload'],
  none: [],
};

/** The provider section, or undefined when it has problems (all recorded on the reader). */
export function parseProvider(r: InputReader): ProviderConfig | undefined {
  const text = r.given('provider');
  if (text === '') {
    r.problem('provider', `is required for every command: ${PROVIDER_FORM}`);
    return undefined;
  }
  const kind = KINDS.find((k) => k === text.toLowerCase());
  if (!kind) {
    r.bad('provider', `must be ${PROVIDER_FORM}${didYouMean(text, KINDS)}`);
    return undefined;
  }

  for (const other of KINDS.filter((k) => k !== kind)) {
    for (const name of OWN_INPUTS[other]) {
      if (r.isSet(name))
        r.problem(name, `is not used with provider ${kind} (it belongs to provider ${other}); remove it`);
    }
  }
  const before = r.errors.length;
  const provider =
    kind === 'haproxy'
      ? haproxy(r)
      : kind === 'alb'
        ? alb(r)
        : kind === 'lambda'
          ? parseLambda(r)
          : kind === 'command'
            ? command(r)
            : none(r);
  return r.errors.length === before ? provider : undefined;
}

function haproxy(r: InputReader): ProviderConfig | undefined {
  const blue = haproxySlot(r, 'blue');
  const green = haproxySlot(r, 'green');
  const sockets = haproxySockets(r);
  if (blue && green) {
    if (blue.backend !== green.backend) {
      r.bad(
        'green-target',
        `is in backend ${green.backend} but blue-target is in backend ${blue.backend}: both must be servers of the same ` +
          `backend, because HAProxy weights only split traffic among the servers of one backend, like app/blue and app/green`,
      );
    } else {
      const shared = green.servers.filter((s) => blue.servers.includes(s));
      if (shared.length > 0) {
        const what = shared.map((s) => `${green.backend}/${s}`).join(', ');
        r.bad(
          'green-target',
          shared.some(isServerPattern)
            ? `repeats ${what} from blue-target: the two slots must be different servers of backend ${blue.backend}, like app/blue* and app/green*`
            : `names ${what}, which blue-target names too: the two slots must be different servers of backend ${blue.backend}, like app/blue and app/green`,
        );
      }
    }
  }
  return blue && green && sockets ? { kind: 'haproxy', sockets, blue, green } : undefined;
}

function haproxySlot(r: InputReader, slot: Slot): HaproxySlot | undefined {
  const name = `${slot}-target` as const;
  const text = r.given(name);
  if (text === '') {
    r.problem(name, `is required with provider haproxy: ${haproxyServerForm(slot)}`);
    return undefined;
  }
  const parsed = parseHaproxySlot(text);
  for (const p of parsed.problems) r.bad(name, `${p}; accepted: ${haproxyServerForm(slot)}`);
  return parsed.slot;
}

/** haproxy-socket: one address per line, each checked on its own; the same instance twice is refused. */
function haproxySockets(r: InputReader): SocketAddress[] | undefined {
  const text = r.given('haproxy-socket');
  if (text === '') {
    r.problem('haproxy-socket', `is required with provider haproxy: ${SOCKET_FORM}`);
    return undefined;
  }
  const lines = socketLines(text);
  const sockets: SocketAddress[] = [];
  let ok = true;
  lines.forEach((line, i) => {
    const where = lines.length > 1 ? `(line ${i + 1}) ` : '';
    const address = parseSocketAddress(line);
    if (!address) {
      r.bad(
        'haproxy-socket',
        `${where}must be ${SOCKET_FORM}${lines.length > 1 ? ', one per line' : ''}`.trim(),
        line,
      );
      ok = false;
      return;
    }
    const shown = formatSocketAddress(address);
    if (sockets.some((s) => formatSocketAddress(s) === shown)) {
      r.bad(
        'haproxy-socket',
        `${where}is listed twice: give each HAProxy instance once, one address per line`,
        line,
      );
      ok = false;
      return;
    }
    sockets.push(address);
  });
  return ok ? sockets : undefined;
}

function alb(r: InputReader): ProviderConfig | undefined {
  const asArn = (test: (t: string) => boolean) => (t: string) => (test(t) ? t : undefined);
  const blue = required(r, 'blue-target', 'alb', targetGroupForm('blue'), asArn(isTargetGroupArn));
  const green = required(r, 'green-target', 'alb', targetGroupForm('green'), asArn(isTargetGroupArn));
  if (blue && green && blue === green) {
    r.bad(
      'green-target',
      'is the same target group as blue-target: the two slots must be two different target groups',
    );
  }

  const listenerText = r.given('alb-listener-arn');
  const ruleText = r.given('alb-rule-arn');
  if (listenerText === '' && ruleText === '') {
    r.problem(
      'alb-listener-arn',
      `or alb-rule-arn is required with provider alb: ${LISTENER_FORM}, or ${LISTENER_RULE_FORM}`,
    );
  }
  if (listenerText !== '' && !isListenerArn(listenerText))
    r.bad('alb-listener-arn', `must be ${LISTENER_FORM}`);
  if (ruleText !== '' && !isListenerRuleArn(ruleText)) r.bad('alb-rule-arn', `must be ${LISTENER_RULE_FORM}`);

  if (!blue || !green) return undefined;
  return {
    kind: 'alb',
    blueTargetGroupArn: blue,
    greenTargetGroupArn: green,
    ...(listenerText ? { listenerArn: listenerText } : {}),
    ...(ruleText ? { ruleArn: ruleText } : {}),
  };
}

/** Nothing to split: the two slots' inputs would describe a load balancer that is not used. */
function none(r: InputReader): ProviderConfig {
  for (const name of ['blue-target', 'green-target'] as const) {
    if (r.isSet(name))
      r.problem(
        name,
        'is not used with provider none: there are no slots, the platform replaces the running version itself; remove it',
      );
  }
  return { kind: 'none' };
}

function command(r: InputReader): ProviderConfig | undefined {
  const trafficCommand = r.given('traffic-command');
  if (trafficCommand === '') {
    r.problem(
      'traffic-command',
      'is required with provider command: a shell command that applies BLUE_WEIGHT and GREEN_WEIGHT, like ./set-weights.sh',
    );
    return undefined;
  }
  const statusCommand = r.given('traffic-status-command');
  return { kind: 'command', trafficCommand, ...(statusCommand ? { statusCommand } : {}) };
}

function required<T>(
  r: InputReader,
  name: InputName,
  kind: ProviderKind,
  form: string,
  parse: (text: string) => T | undefined,
): T | undefined {
  const text = r.given(name);
  if (text === '') {
    r.problem(name, `is required with provider ${kind}: ${form}`);
    return undefined;
  }
  const value = parse(text);
  if (value === undefined) r.bad(name, `must be ${form}`);
  return value;
}
