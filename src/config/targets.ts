// Addresses of the two slots and of the traffic switch: HAProxy server refs and sockets, ALB ARNs.
import type { HaproxyServerRef, HaproxySlot, SocketAddress } from './types.js';

// Characters HAProxy allows in proxy and server names; a server may also be a pattern with * and ?.
const HAPROXY_NAME = '[A-Za-z0-9_.:-]+';
const SERVER_PATTERN = '[A-Za-z0-9_.:*?-]+';
const SERVER_REF = new RegExp(`^(${HAPROXY_NAME})/(${HAPROXY_NAME})$`);
const SLOT_ITEM = new RegExp(`^(${HAPROXY_NAME})/(${SERVER_PATTERN})$`);

/** The accepted form, with an example for the slot it is about (`app/green` for green-target). */
export const haproxyServerForm = (slot: 'blue' | 'green'): string =>
  `backend/server as named in haproxy.cfg, like app/${slot}; several servers of one backend as a comma or newline list (app/${slot}1, app/${slot}2) or a name pattern (app/${slot}*)`;

export function parseHaproxyServer(text: string): HaproxyServerRef | undefined {
  const m = SERVER_REF.exec(text);
  return m && m[1] && m[2] ? { backend: m[1], server: m[2] } : undefined;
}

/**
 * blue-target / green-target for HAProxy: one or more `backend/server` (names or patterns), split on
 * commas and newlines, all in one backend. Returns the slot, or one problem per bad item.
 */
export function parseHaproxySlot(text: string): { slot?: HaproxySlot; problems: string[] } {
  const items = text
    .split(/[,\n]/)
    .map((i) => i.trim())
    .filter((i) => i !== '');
  const problems: string[] = [];
  const servers: string[] = [];
  let backend: string | undefined;
  items.forEach((item, i) => {
    const where = items.length > 1 ? ` (item ${i + 1}, "${item}")` : '';
    const m = SLOT_ITEM.exec(item);
    if (!m || !m[1] || !m[2]) {
      problems.push(`has an item that is not backend/server${where}`);
      return;
    }
    if (backend !== undefined && m[1] !== backend) {
      problems.push(
        `lists servers of two backends, ${backend} and ${m[1]}${where}: a slot's servers must all be in one backend`,
      );
      return;
    }
    backend = m[1];
    if (servers.includes(m[2])) problems.push(`lists ${m[1]}/${m[2]} twice`);
    else servers.push(m[2]);
  });
  if (items.length === 0) problems.push('is empty');
  return problems.length === 0 && backend ? { slot: { backend, servers }, problems } : { problems };
}

export const SOCKET_FORM =
  'a unix socket path like /run/haproxy/admin.sock, or host:port like 127.0.0.1:9999 (optionally ipv4@127.0.0.1:9999), port 1 to 65535';

/** haproxy-socket: one runtime-API address per line (blank lines skipped), in the order given. */
export function socketLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** A path (anything with a `/`, as in haproxy.cfg's `stats socket`) or a TCP `host:port`. */
export function parseSocketAddress(text: string): SocketAddress | undefined {
  const unix = text.startsWith('unix@') ? text.slice('unix@'.length) : text;
  if (unix.includes('/')) return { kind: 'unix', path: unix };
  const m = /^(?:ipv4@)?([A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  if (!m || !m[1]) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { kind: 'tcp', host: m[1], port };
}

// arn:<partition>:elasticloadbalancing:<region>:<account>:<resource>
const ARN_PREFIX = String.raw`arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:`;
const NAME = '[A-Za-z0-9-]{1,32}';
const ID = '[0-9a-f]+';

const TARGET_GROUP = new RegExp(`^${ARN_PREFIX}targetgroup/${NAME}/${ID}$`);
// Only application load balancers (`app/`) support weighted forwards.
const LISTENER = new RegExp(`^${ARN_PREFIX}listener/app/${NAME}/${ID}/${ID}$`);
const LISTENER_RULE = new RegExp(`^${ARN_PREFIX}listener-rule/app/${NAME}/${ID}/${ID}/${ID}$`);

export const targetGroupForm = (slot: 'blue' | 'green'): string =>
  `a target group ARN like arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app-${slot}/${slot === 'blue' ? '0123456789abcdef' : 'fedcba9876543210'}`;
export const LISTENER_FORM =
  'an Application Load Balancer listener ARN like arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/my-alb/50dc6c495c0c9188/f2f7dc8efc522ab2';
export const LISTENER_RULE_FORM =
  'an Application Load Balancer listener rule ARN like arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/my-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee';

export const isTargetGroupArn = (text: string): boolean => TARGET_GROUP.test(text);
export const isListenerArn = (text: string): boolean => LISTENER.test(text);
export const isListenerRuleArn = (text: string): boolean => LISTENER_RULE.test(text);
