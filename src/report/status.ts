// What `status` shows: each slot's weight, state and role, the rejected mark and why, the lock, and
// the commands that make sense next; as log lines and as a summary section.
import type { Slot } from '../config/types.js';
import { otherSlot } from '../config/types.js';
import type { StatusSnapshot } from '../ports/timeline.js';
import { describeRejection, slotLabel, type SlotNames } from '../ports/traffic.js';
import { escapeInline } from './markdown.js';
import { formatPercent } from './progress.js';
import { formatDuration } from '../config/durations.js';
import { LOCK_CLOCK_SKEW_MS } from '../config/limits.js';

const SLOTS: readonly Slot[] = ['blue', 'green'];
/** A state that takes no traffic: an admin state (HAProxy), or no healthy target at all (ALB: `0/2 healthy`). */
const OUT = /^(DRAIN|MAINT|DOWN|NOLB|0\/|no targets)/;

const utc = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** What a slot is to on-call: live, the deploy's new slot, previous, rejected and why. */
export function slotRole(s: StatusSnapshot, slot: Slot): string {
  const rejected = s.rejected?.slot === slot ? `rejected: ${describeRejection(s.rejected)}` : undefined;
  if (s.split) {
    const { live, target, known } = s.split;
    if (slot === live) return 'live: the deploy in progress started from it';
    if (slot === target)
      return `new: the deploy in progress, held at ${formatPercent(s.weights[target])} (known from ${known === 'hold-at' ? 'hold-at' : s.provider === 'lambda' ? "Glidepath's note in the function's tags" : "Glidepath's note on the load balancer"})`;
  }
  if (s.live) {
    if (slot === s.live) return s.liveDown ? `live, but cannot serve: ${s.liveDown}` : 'live';
    if (rejected) return rejected;
    if (s.undone === slot) return 'previous: the deploy held on it was undone outside Glidepath';
    if (s.left === slot)
      return 'previous: kept out of service (MAINT) since the last rollback, so no pinned client stays on it; a rollback brings it back';
    const state = s.slots?.[slot]?.state ?? '';
    if (OUT.test(state))
      return `previous, but it takes no traffic (${state}): bring it back up before a rollback`;
    return 'previous: a rollback switches back to it';
  }
  return rejected ?? '';
}

export function lockText(s: StatusSnapshot, now: number): string {
  const lock = s.lock;
  if (lock === undefined || lock === 'none')
    return s.provider === 'command'
      ? 'none kept by this provider: give the workflow a `concurrency:` group so two deploys never run at once'
      : 'none kept by this provider';
  if (lock === 'free')
    return s.provider === 'haproxy'
      ? 'none seen: no deploy holds this backend (HAProxy keeps the lock in a process variable, which a reload clears: a deploy running since a reload would hold none)'
      : 'free';
  if (!Number.isFinite(lock.expiresAt)) return lock.problem ?? `held by ${lock.run} (expiry unreadable)`;
  const left = lock.expiresAt - now;
  const run = `run ${lock.run}${lock.url ? ` (${lock.url})` : ''}`;
  const over = utc(lock.expiresAt + LOCK_CLOCK_SKEW_MS);
  const text =
    left > 0
      ? `held by ${run} until ${utc(lock.expiresAt)} (${Math.ceil(left / 60_000)} min left)`
      : now > lock.expiresAt + LOCK_CLOCK_SKEW_MS
        ? `left by ${run}, expired ${utc(lock.expiresAt)}: the next run takes it over`
        : `left by ${run}, expired ${utc(lock.expiresAt)}: taken over from ${over} (clocks may differ by ${formatDuration(LOCK_CLOCK_SKEW_MS)})`;
  return lock.problem ? `${text}; ${lock.problem}` : text;
}

/** The commands that make sense from here, each with what it does. */
export function nextCommands(s: StatusSnapshot, now: number, names?: SlotNames): string[] {
  const out: string[] = [];
  const L = (slot: Slot) => slotLabel(slot, names);
  const lock = s.lock;
  if (lock && typeof lock === 'object' && lock.expiresAt > now)
    out.push(
      `wait for run ${lock.run} to finish (it holds the lock until ${utc(lock.expiresAt)}): any command now fails`,
    );
  else if (lock && typeof lock === 'object' && !Number.isFinite(lock.expiresAt))
    out.push(
      'clear the value that is no lock (above) once you know no deploy is running: any command now fails',
    );
  if (s.problem) {
    out.push(
      s.disagree
        ? 'abort puts every instance back on the live slot while a deploy’s note names its target; else set the weights alike by hand'
        : s.split === undefined && s.weights.blue > 0 && s.weights.green > 0
          ? 'give promote or abort the held weight as hold-at, or set the weights by hand'
          : 'set the weights by hand: no slot is live',
    );
    return out;
  }
  if (s.split) {
    const { live, target } = s.split;
    out.push(
      `promote: continue ${L(target)} from ${formatPercent(s.weights[target])} to 100% with the same checks`,
      `abort: send all traffic back to ${L(live)} (marks ${L(target)} rejected)`,
    );
    return out;
  }
  if (!s.live) return out;
  const other = otherSlot(s.live);
  if (s.liveDown) out.push(`bring ${L(s.live)} back up: it has all the traffic but cannot serve it`);
  if (s.undone === other)
    out.push(`deploy again to ship to ${L(other)}: the held deploy's traffic was taken back`);
  if (s.rejected?.slot === other) {
    out.push(
      `deploy a fixed version to ${L(other)} (the deploy lifts the mark)`,
      `rollback with force: true sends all traffic to ${L(other)} anyway (${L(other)}'s version was rejected)`,
    );
  } else {
    const state = s.slots?.[other]?.state ?? '';
    if (s.left !== other && OUT.test(state)) {
      out.push(
        `bring ${L(other)} back up (${state}) before a rollback can switch to it`,
        `deploy ships the next version to ${L(other)}`,
      );
    } else {
      out.push(
        `rollback switches all traffic back to ${L(other)} (probed first when pre-traffic-urls is set)`,
        `deploy ships the next version to ${L(other)}`,
      );
    }
  }
  return out;
}

/**
 * Several load balancers moved as one (HAProxy instances): each one's split and servers, and
 * whether they agree.
 */
function instanceLines(s: StatusSnapshot): string[] {
  if (!s.instances || s.instances.length < 2) return [];
  return [
    `${s.instances.length} instances, ${s.disagree ? 'which DISAGREE' : 'all alike'}:`,
    ...s.instances.map(
      (i) =>
        `${i.name}: blue ${formatPercent(i.weights.blue)} / green ${formatPercent(i.weights.green)}${i.detail ? ` (${i.detail})` : ''}`,
    ),
  ];
}

/** The status as log lines: one row per slot, then the mark, the lock and the next commands. */
export function statusLines(s: StatusSnapshot, now: number, names?: SlotNames): string[] {
  const rows = SLOTS.map((slot) => [
    slotLabel(slot, names),
    formatPercent(s.weights[slot]),
    s.slots?.[slot]?.state ?? '–',
    [slotRole(s, slot), s.slots?.[slot]?.detail].filter(Boolean).join(' · '),
  ]);
  const width = (i: number) => Math.max(...rows.map((r) => r[i]!.length));
  const lines = rows.map(
    (r) => `  ${r[0]!.padEnd(width(0))}  ${r[1]!.padStart(width(1))}  ${r[2]!.padEnd(width(2))}  ${r[3]}`,
  );
  if (s.problem) lines.push(`  ${s.problem}`);
  for (const i of instanceLines(s)) lines.push(`  ${i}`);
  if (s.rejected && !(s.live && s.rejected.slot === otherSlot(s.live)))
    lines.push(`  rejected mark on ${slotLabel(s.rejected.slot, names)}: ${describeRejection(s.rejected)}`);
  lines.push(`  lock: ${lockText(s, now)}`);
  const next = nextCommands(s, now, names);
  if (next.length) lines.push('  next:', ...next.map((n) => `    - ${n}`));
  return lines;
}

/** The status as a summary section. */
export function statusMarkdown(s: StatusSnapshot, now: number, names?: SlotNames): string[] {
  const named = Object.keys(names ?? {}).length > 0;
  const out = [
    '### Status',
    '',
    `| ${named ? 'version' : 'slot'} | weight | state | what it is |`,
    '|---|---|---|---|',
    ...SLOTS.map(
      (slot) =>
        `| ${escapeInline(slotLabel(slot, names))} | ${formatPercent(s.weights[slot])} | ${escapeInline(s.slots?.[slot]?.state ?? '–')} | ${escapeInline(
          [slotRole(s, slot), s.slots?.[slot]?.detail].filter(Boolean).join(' · '),
        )} |`,
    ),
    '',
  ];
  if (s.problem) out.push(`**${escapeInline(s.problem)}**`, '');
  const [head, ...each] = instanceLines(s);
  if (head) out.push(escapeInline(head), '', ...each.map((i) => `- ${escapeInline(i)}`), '');
  if (s.rejected && !(s.live && s.rejected.slot === otherSlot(s.live)))
    out.push(
      `Rejected mark on ${escapeInline(slotLabel(s.rejected.slot, names))}: ${escapeInline(describeRejection(s.rejected))}`,
      '',
    );
  out.push(`Lock: ${escapeInline(lockText(s, now))}`, '');
  const next = nextCommands(s, now, names);
  if (next.length) out.push('**Next:**', '', ...next.map((n) => `- ${escapeInline(n)}`), '');
  return out;
}
