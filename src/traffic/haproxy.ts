// TrafficRouter over the HAProxy runtime API: percent splits as absolute server weights in one backend,
// over every server of each slot, on every HAProxy instance of the deploy at once.
import { otherSlot, slotText, type ProviderConfig, type Slot } from '../config/types.js';
import {
  PartialWrite,
  describeSplit,
  type InstanceState,
  type LockHolder,
  type Rejection,
  type RejectionNote,
  type RouterState,
  type SlotState,
  type TrafficRouter,
  type Weights,
} from '../ports/traffic.js';
import { decodeMark, encodeMark, type MarkKind, type ServerMark } from './haproxy-mark.js';
import { HaproxyInstance } from './haproxy-instance.js';
import { HaproxyRunLock, type HaproxyLockOptions } from './haproxy-lock.js';
import {
  SLOTS,
  checkWeights,
  planWeights,
  serverName,
  shares,
  weightSums,
  type ServerView,
  type SlotServers,
} from './haproxy-servers.js';

export { isEligibleStatus } from './haproxy-servers.js';

export type HaproxyProvider = Extract<ProviderConfig, { kind: 'haproxy' }>;

/** What one instance reads: its servers and the splits they make. */
interface InstanceReading {
  instance: HaproxyInstance;
  servers: SlotServers;
  state: InstanceState;
}

/**
 * The admin state Glidepath's mark puts a slot's servers in: MAINT, because with cookie persistence
 * HAProxy still sends pinned clients to a server at weight 0 or in DRAIN (checked on 2.6).
 */
const MARK_STATE = 'maint';

/** Two splits within this many points read as the same (HAProxy weights give two decimals of percent). */
const SAME_SPLIT = 0.5;

function validate(w: Weights): void {
  for (const slot of SLOTS) {
    const v = w[slot];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) {
      throw new Error(`HAProxy weights: ${slot} is ${String(v)}; accepted: a percent from 0 to 100`);
    }
  }
  if (w.blue === 0 && w.green === 0) {
    throw new Error(
      'HAProxy weights: blue 0 and green 0 would send traffic nowhere; accepted: two percents summing to 100',
    );
  }
  if (Math.abs(w.blue + w.green - 100) > 1e-9) {
    throw new Error(
      `HAProxy weights: blue ${w.blue} + green ${w.green} = ${w.blue + w.green}; accepted: two percents summing to 100`,
    );
  }
}

const close = (a: Weights, b: Weights) =>
  Math.abs(a.blue - b.blue) <= SAME_SPLIT && Math.abs(a.green - b.green) <= SAME_SPLIT;

/**
 * `web/blue weight 95 (95%) UP, web/green weight 5 (5%) UP`: each server's weight, the share of
 * traffic it takes now (servers that can take traffic, by weight) and its status.
 */
function listing(servers: SlotServers): string {
  const all = SLOTS.flatMap((slot) => servers[slot]);
  const total = all.filter((s) => s.eligible).reduce((n, s) => n + s.weight, 0);
  return all
    .map((s) => {
      const share = s.eligible && s.weight > 0 && total > 0 ? ` (${pct((s.weight / total) * 100)})` : '';
      return `${serverName(s)} weight ${s.weight}${share} ${s.status}`.trimEnd();
    })
    .join(', ');
}

/** 47.5 → `47.5%`, 33.333 → `33.33%` */
const pct = (p: number) => `${Number(p.toFixed(2))}%`;

/** One instance's servers as a state: the split the weights say, and the one traffic takes now. */
function stateOf(instance: HaproxyInstance, servers: SlotServers): InstanceState {
  const weights = shares(weightSums(servers));
  const eligibleSums = weightSums(servers, (s) => s.eligible);
  const effective = shares(eligibleSums);
  const ineligible = SLOTS.filter((slot) => !servers[slot].some((s) => s.eligible));
  // servers that cannot take traffic in a slot that takes some: left out of its share, and named
  const sums = weightSums(servers);
  const excluded = SLOTS.filter((slot) => sums[slot] > 0)
    .flatMap((slot) => servers[slot])
    .filter((s) => !s.eligible)
    .map((s) => `${serverName(s)} ${s.status}`);
  const differs = eligibleSums.blue + eligibleSums.green > 0 && effective.blue !== weights.blue;
  return {
    name: instance.name,
    weights,
    ...(differs ? { effective } : {}),
    ...(ineligible.length ? { ineligible } : {}),
    detail: listing(servers),
    ...(excluded.length ? { excluded } : {}),
  };
}

export class HaproxyRouter implements TrafficRouter {
  readonly description: string;
  /** the instances of the deploy, in the order haproxy-socket lists them */
  readonly instances: HaproxyInstance[];

  /** the run lock: a process variable per backend on every instance */
  private readonly runLock: HaproxyRunLock;

  constructor(
    private readonly provider: HaproxyProvider,
    opts: { timeoutMs?: number; lock?: HaproxyLockOptions } = {},
  ) {
    this.instances = provider.sockets.map(
      (address) =>
        new HaproxyInstance(address, opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    );
    this.runLock = new HaproxyRunLock(this.instances, provider.blue.backend, opts.lock);
    const { blue, green } = provider;
    const simple =
      blue.servers.length === 1 &&
      green.servers.length === 1 &&
      !/[*?]/.test(blue.servers[0]! + green.servers[0]!);
    const slots = simple
      ? `${slotText(blue)}, ${slotText(green)}`
      : `blue ${slotText(blue)}; green ${slotText(green)}`;
    this.description = `HAProxy ${this.instances.map((i) => i.name).join(', ')} (${slots})`;
  }

  /** Every instance's servers of both slots, as read now (for probes straight at a slot's servers). */
  async servers(): Promise<{ instance: string; servers: SlotServers }[]> {
    const read = await this.onEach((i) => i.slots(this.provider));
    return read.map((servers, n) => ({ instance: this.instances[n]!.name, servers }));
  }

  async read(): Promise<RouterState> {
    const readings = await this.onEach(async (instance) => this.reading(instance));
    return this.combine(readings);
  }

  private async reading(instance: HaproxyInstance, idle?: Slot): Promise<InstanceReading> {
    const missing: string[] = [];
    const servers = await instance.slots(this.provider, { mayLack: idle, missing });
    checkWeights(servers, instance.where);
    const state = stateOf(instance, servers);
    if (missing.length > 0) state.detail = `${state.detail ?? ''}; ${gone(missing)}`;
    return { instance, servers, state };
  }

  /**
   * Runs `call` on every instance at once; rejects when any fails, naming each that did (the error
   * of a lone instance is its own). Results keep the instances' order.
   */
  private async onEach<T>(call: (i: HaproxyInstance) => Promise<T>): Promise<T[]> {
    const settled = await Promise.allSettled(this.instances.map(call));
    const failed = settled.flatMap((r, n) =>
      r.status === 'rejected' ? [{ name: this.instances[n]!.name, error: message(r.reason) }] : [],
    );
    if (failed.length > 0) {
      const done = this.instances.filter((_, n) => settled[n]!.status === 'fulfilled').map((i) => i.name);
      throw new Error(
        `${failed.map((f) => f.error).join('; ')}${done.length ? ` (done on ${done.join(', ')})` : ''}`,
      );
    }
    return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
  }

  /** One state from every instance's: theirs when they agree, else the first's with what differs. */
  private combine(readings: InstanceReading[]): RouterState {
    this.sameServers(readings);
    const [first] = readings as [InstanceReading, ...InstanceReading[]];
    const states = readings.map((r) => r.state);
    const ineligible = SLOTS.filter((slot) => states.some((s) => s.ineligible?.includes(slot)));
    const excluded = states.flatMap((s) =>
      (s.excluded ?? []).map((e) => (readings.length > 1 ? `${e} on ${s.name}` : e)),
    );
    const effective = states.find((s) => s.effective)?.effective;
    const state: RouterState = {
      weights: first.state.weights,
      ...(ineligible.length ? { ineligible } : {}),
      detail: this.detail(states),
      ...(effective ? { effective } : {}),
      ...(excluded.length ? { excluded } : {}),
    };
    if (readings.length === 1) return state;
    state.instances = states;
    const apart = states.filter((s) => !close(s.weights, first.state.weights));
    if (apart.length > 0) {
      state.disagreement = `the HAProxy instances disagree: ${states
        .map((s) => `${s.name} reads ${describeSplit(s.weights)}`)
        .join(', ')}`;
    }
    return state;
  }

  private detail(states: InstanceState[]): string {
    if (states.length === 1) return states[0]!.detail ?? '';
    const first = states[0]!.detail;
    if (states.every((s) => s.detail === first)) return `on each of ${states.length} instances: ${first}`;
    return states.map((s) => `${s.name}: ${s.detail}`).join('; ');
  }

  /** A pattern may match other servers on another instance: one deploy needs the same servers everywhere. */
  private sameServers(readings: InstanceReading[]): void {
    const names = (r: InstanceReading, slot: Slot) => r.servers[slot].map(serverName).join(', ');
    const first = readings[0]!;
    for (const other of readings.slice(1)) {
      for (const slot of SLOTS) {
        if (names(other, slot) !== names(first, slot)) {
          throw new Error(
            `${slot}-target is ${names(first, slot)} on ${first.instance.where} but ${names(other, slot)} on ${other.instance.where}: ` +
              'every HAProxy instance of a deploy must have the same servers in each slot',
          );
        }
      }
    }
  }

  /**
   * `scur` of the slot's servers summed over every instance: client sessions still attached to the
   * slot (WebSockets, long responses), which cleanup of the previous slot waits for.
   */
  async openSessions(slot: Slot): Promise<number> {
    const read = await this.onEach((i) => i.slots(this.provider));
    let total = 0;
    read.forEach((servers, n) => {
      for (const s of servers[slot]) {
        const scur = s.row.scur ?? '';
        const count = Number(scur);
        if (scur === '' || !Number.isFinite(count))
          throw new Error(`${this.instances[n]!.where}: unreadable scur "${scur}" for ${serverName(s)}`);
        total += count;
      }
    });
    return total;
  }

  async set(requested: Weights): Promise<RouterState> {
    validate(requested);
    const settled = await Promise.allSettled(this.instances.map((i) => this.setOn(i, requested)));
    const reached = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const missed = settled.flatMap((r, n) =>
      r.status === 'rejected' ? [{ name: this.instances[n]!.name, error: message(r.reason) }] : [],
    );
    if (missed.length === 0) {
      const state = this.combine(reached);
      if (state.disagreement)
        throw new Error(`after setting ${describeSplit(requested)}, ${state.disagreement}`);
      return state;
    }
    const errors = missed.map((m) => m.error).join('; ');
    if (reached.length === 0) throw new Error(errors);
    const applied = this.combine(reached);
    const names = reached.map((r) => r.instance.name);
    applied.detail = `on ${names.join(', ')} only: ${applied.detail ?? ''}`;
    throw new PartialWrite(
      `${errors}; ${names.join(', ')} ${names.length > 1 ? 'read' : 'reads'} ${describeSplit(applied.weights)}`,
      applied,
      names,
      missed,
    );
  }

  /**
   * Sets one instance: each slot's share split evenly over its servers that can take traffic, the
   * gaining slot's servers raised before the losing one's are lowered, in one command line, so no
   * instant has every server at 0. Servers that cannot take traffic get 0 while traffic is split; at
   * 100% every server of the slot gets its weight, so one that comes back later takes its share.
   */
  private async setOn(instance: HaproxyInstance, requested: Weights): Promise<InstanceReading> {
    const atRest = requested.blue === 0 || requested.green === 0;
    // all traffic to one slot (a restore, above all) must not fail for servers of the other that
    // HAProxy no longer has: they take no traffic anyway
    const idle: Slot | undefined = atRest ? (requested.blue === 0 ? 'blue' : 'green') : undefined;
    const servers = await instance.slots(this.provider, { mayLack: idle });
    checkWeights(servers, instance.where);
    const counted = (slot: Slot) => servers[slot].filter((s) => atRest || s.eligible);
    for (const slot of SLOTS) {
      if (!atRest && requested[slot] > 0 && counted(slot).length === 0) {
        throw new Error(
          `${slot}-target: no server of ${slot} can take traffic on ${instance.where} (${servers[slot]
            .map((s) => `${serverName(s)} ${s.status}`)
            .join(
              ', ',
            )}), so it cannot get ${requested[slot]}%. Servers out of service by an operator, a failing health check, ` +
            'or a mark whose note was lost in a reload stay out: `set server <backend>/<server> state ready` brings one back',
        );
      }
    }
    const count = { blue: counted('blue').length, green: counted('green').length };
    const per = planWeights(requested, count);
    const reached = shares({ blue: per.blue * count.blue, green: per.green * count.green });
    if (Math.abs(reached.green - requested.green) > 1) {
      // integer weights 1..256 cannot make this split with these server counts: say so before writing
      throw new Error(
        `${describeSplit(requested)} cannot be split evenly over ${count.blue} blue and ${count.green} green server(s) on ${instance.where}: ` +
          `with weights 1 to 256 the closest is ${describeSplit(reached)}; use steps nearer the middle (like 5% rather than 1%), or fewer servers per slot`,
      );
    }
    const target = (s: ServerView) => (atRest || s.eligible ? per[s.slot] : 0);

    const now = shares(weightSums(servers));
    const nowTotal = weightSums(servers);
    const gaining: Slot =
      nowTotal.blue + nowTotal.green === 0
        ? requested.green >= requested.blue
          ? 'green'
          : 'blue'
        : requested.green > now.green
          ? 'green'
          : 'blue';
    const all = [...servers[gaining], ...servers[otherSlot(gaining)]];
    const raised = all.filter((s) => target(s) > 0 && s.slot === gaining);
    const rest = all.filter((s) => !raised.includes(s));
    const line = [...raised, ...rest].map((s) => `set weight ${serverName(s)} ${target(s)}`).join('; ');
    await instance.run(line);
    return this.reading(instance, idle);
  }

  /**
   * Marks a slot whose version was rolled back, aborted or never verified, on every instance: its
   * servers go to MAINT, the only admin state that moves clients pinned by cookie persistence
   * (`cookie SRV insert`: weight 0 and DRAIN keep sending them), and read() reports the slot
   * ineligible. The note goes into a process variable beside it, naming the servers Glidepath put in
   * MAINT: that is what tells its mark from an operator's MAINT.
   */
  async reject(slot: Slot, note?: RejectionNote): Promise<void> {
    await this.mark(slot, 'rejected', note);
  }

  /** After an on-call rollback: the slot rolled back from goes to MAINT too, marked as left, not rejected. */
  async evacuate(slot: Slot, note?: RejectionNote): Promise<void> {
    await this.mark(slot, 'left', note);
  }

  /**
   * The note is written first: MAINT without it would read as an operator's. Servers already in
   * MAINT stay out of the list (an operator's), unless this slot's mark already lists them.
   */
  private async mark(slot: Slot, kind: MarkKind, note?: RejectionNote): Promise<void> {
    await this.onEach(async (i) => {
      const [servers, before] = await Promise.all([
        i.slots(this.provider).then((s) => s[slot]),
        i.getVar(this.markVar).then(decodeMark),
      ]);
      const already = before?.slot === slot ? new Set(before.servers ?? []) : new Set<string>();
      const ours = servers.filter((s) => !/^MAINT/.test(s.status) || already.has(s.server));
      const drained = ours
        .filter(
          (s) => /^DRAIN/.test(s.status) || (before?.slot === slot && before.drained.includes(s.server)),
        )
        .map((s) => s.server);
      const mark: ServerMark = {
        slot,
        kind,
        ...(note ? { note } : {}),
        servers: ours.map((s) => s.server),
        drained,
      };
      await i.setVar(this.markVar, encodeMark(mark));
      await i.setState(
        ours.filter((s) => !/^MAINT/.test(s.status)),
        MARK_STATE,
      );
    });
  }

  /**
   * The mark as the instances keep it. An instance that lost it (reloaded) does not hide it on the
   * others; two instances naming different slots are a contradiction to resolve by hand.
   */
  private async readMark(): Promise<ServerMark | undefined> {
    const values = await this.onEach((i) => i.getVar(this.markVar));
    const marks = values.flatMap((value, n) => {
      const mark = decodeMark(value);
      return mark ? [{ name: this.instances[n]!.name, mark }] : [];
    });
    if (new Set(marks.map((m) => `${m.mark.slot} ${m.mark.kind}`)).size > 1) {
      throw new Error(
        `the HAProxy instances keep different marks: ${marks.map((m) => `${m.name} ${m.mark.slot} ${m.mark.kind}`).join(', ')}`,
      );
    }
    return marks[0]?.mark;
  }

  async rejected(): Promise<Rejection | undefined> {
    const mark = await this.readMark();
    if (mark?.kind !== 'rejected') return undefined;
    return mark.note ? { slot: mark.slot, note: mark.note } : { slot: mark.slot };
  }

  async evacuated(): Promise<Slot | undefined> {
    const mark = await this.readMark();
    return mark?.kind === 'left' ? mark.slot : undefined;
  }

  /**
   * Lifts Glidepath's own mark on every instance: only from the servers it lists, in the state the
   * mark put them in. Refused, changing nothing, when the slot would still have no server able to
   * take traffic on an instance: an operator's MAINT, a drain, DOWN servers.
   */
  async lift(slot: Slot): Promise<void> {
    const what = slotText(this.provider[slot]);
    if ((await this.readMark())?.slot !== slot) throw new Error(`Glidepath has no mark on ${what} to lift`);
    const all = await this.onEach(async (i) => ({
      i,
      servers: (await i.slots(this.provider))[slot],
      mark: decodeMark(await i.getVar(this.markVar)),
    }));
    for (const { i, servers, mark } of all) {
      const lifted = new Set(mark?.slot === slot ? liftable(servers, mark).map((s) => s.server) : []);
      const back = servers.filter((s) =>
        lifted.has(s.server) ? !mark!.drained.includes(s.server) : s.eligible,
      );
      if (back.length > 0) continue;
      const on = this.instances.length > 1 ? ` on ${i.where}` : '';
      const out = servers.filter((s) => !lifted.has(s.server));
      const maint = out.filter((s) => /^MAINT/.test(s.status));
      if (maint.length > 0)
        throw new Error(
          `${maint.map(serverName).join(', ')} ${maint.length > 1 ? 'are' : 'is'} in MAINT${on}, an operator's maintenance that Glidepath never lifts; bring ${maint.length > 1 ? 'them' : 'it'} back by hand first`,
        );
      throw new Error(
        `${what} cannot take traffic${on} (${out.map((s) => `${serverName(s)} ${s.status}`).join(', ')}): its health check fails or an operator drained it`,
      );
    }
    await this.onEach((i) => this.liftOn(i, slot));
  }

  /**
   * A deploy is going to the slot: Glidepath's own mark and its note no longer describe it. An
   * operator's MAINT or DRAIN stays: set() leaves such servers out and names them.
   */
  async prepare(slot: Slot): Promise<void> {
    await this.onEach((i) => this.liftOn(i, slot));
  }

  /** On one instance: the listed servers back to the state they had, then the note cleared. */
  private async liftOn(i: HaproxyInstance, slot: Slot): Promise<void> {
    const mark = decodeMark(await i.getVar(this.markVar));
    if (mark?.slot !== slot) return;
    const servers = liftable((await i.slots(this.provider))[slot], mark);
    await i.setState(
      servers.filter((s) => !mark.drained.includes(s.server)),
      'ready',
    );
    await i.setState(
      servers.filter((s) => mark.drained.includes(s.server)),
      'drain',
    );
    await i.setVar(this.markVar, '');
  }

  /**
   * Requests HAProxy sent to the slot's servers on every instance, for the watch after a restore:
   * `stot`, which counts each request (a stream, in HTTP mode) when it is sent to the server, so one
   * already on its way before the restore is not counted when it ends (`req_tot` counts at the end).
   */
  async slotRequests(slot: Slot): Promise<number> {
    const all = await this.onEach((i) => i.slots(this.provider));
    let total = 0;
    for (const servers of all) {
      for (const s of servers[slot]) {
        const n = Number(s.row.stot ?? '');
        if (s.row.stot === undefined || s.row.stot === '' || !Number.isFinite(n))
          throw new Error(`unreadable stot "${s.row.stot ?? ''}" for ${serverName(s)}`);
        total += n;
      }
    }
    return total;
  }

  /**
   * Each slot's state for `status`: its servers' states (`UP`, `2 UP, 1 DOWN`), each server and
   * its check in the detail, and each instance's when they differ.
   */
  async slotStates(): Promise<Partial<Record<Slot, SlotState>>> {
    const all = await this.onEach((i) => i.slots(this.provider));
    const out: Partial<Record<Slot, SlotState>> = {};
    for (const slot of SLOTS) {
      const per = all.map((servers) => servers[slot]);
      const describe = (servers: ServerView[]) =>
        servers
          .map(
            (s) =>
              `${serverName(s)}${servers.length > 1 ? ` ${s.status}` : ''}${s.row.check_status ? `, check ${s.row.check_status}` : ''}`,
          )
          .join('; ');
      const details = per.map(describe);
      const sameEverywhere =
        details.every((d) => d === details[0]) && per.every((p) => stateWord(p) === stateWord(per[0]!));
      out[slot] = sameEverywhere
        ? { state: stateWord(per[0]!), detail: details[0]! }
        : {
            state: [...new Set(per.map(stateWord))].join(' / '),
            detail: `the instances differ: ${per.map((p, n) => `${this.instances[n]!.name}: ${stateWord(p)} (${details[n]})`).join('; ')}`,
          };
    }
    return out;
  }

  /**
   * The deploy's target slot, kept in HAProxy itself as a process-wide variable on every instance, so
   * a later promote or abort job tells the new slot from the old one at any split. Lost on reload.
   * When some instances refuse it, the others are cleared again: a half-written note would name a
   * target to a later job that no deploy has.
   */
  async markTarget(slot: Slot | undefined): Promise<void> {
    const value = slot ?? 'none';
    const settled = await Promise.allSettled(this.instances.map((i) => i.setVar(this.targetVar, value)));
    const failed = settled.flatMap((r) => (r.status === 'rejected' ? [message(r.reason)] : []));
    if (failed.length === 0) return;
    if (slot !== undefined) {
      await Promise.allSettled(
        this.instances
          .filter((_, n) => settled[n]!.status === 'fulfilled')
          .map((i) => i.setVar(this.targetVar, 'none')),
      );
    }
    throw new Error(failed.join('; '));
  }

  async markedTarget(): Promise<Slot | undefined> {
    const values = await this.onEach((i) => i.getVar(this.targetVar));
    const named = values.map((v, n) => ({
      name: this.instances[n]!.name,
      slot: v === 'blue' || v === 'green' ? (v as Slot) : undefined,
    }));
    const slots = [...new Set(named.flatMap((v): Slot[] => (v.slot ? [v.slot] : [])))];
    if (slots.length > 1) {
      throw new Error(
        `the HAProxy instances name different deploy targets: ${named.map((v) => `${v.name} ${v.slot ?? 'none'}`).join(', ')}`,
      );
    }
    return slots[0];
  }

  /** The run lock on every instance, in the order listed; throws naming the holder (haproxy-lock.ts). */
  async lock(runId: string, ttlMs: number, runUrl?: string): Promise<void> {
    await this.runLock.take(runId, ttlMs, runUrl);
  }

  async unlock(runId: string): Promise<void> {
    await this.runLock.release(runId);
  }

  async lockHolder(): Promise<LockHolder | undefined> {
    return this.runLock.holder();
  }

  async lockClearCommand(): Promise<string> {
    return this.runLock.clearCommand();
  }

  /** one variable per backend: several services may share an HAProxy */
  private get targetVar(): string {
    return `proc.glidepath_target_${this.backendVar}`;
  }

  /** the mark's note; the name is the one the first notes used, so their marks still read */
  private get markVar(): string {
    return `proc.glidepath_rejected_${this.backendVar}`;
  }

  private get backendVar(): string {
    return this.provider.blue.backend.replace(/[^A-Za-z0-9_]/g, '_');
  }
}

/**
 * The servers of a slot Glidepath's mark holds now: those it lists that are still in MAINT, or for
 * a mark an older Glidepath left (no list), the slot's drained servers.
 */
function liftable(servers: ServerView[], mark: ServerMark): ServerView[] {
  if (mark.servers === undefined) return servers.filter((s) => /^DRAIN/.test(s.status));
  return servers.filter((s) => mark.servers!.includes(s.server) && /^MAINT/.test(s.status));
}

/** `web/green is no longer a server of HAProxy (it takes no traffic)` */
function gone(names: string[]): string {
  return `${names.join(', ')} ${names.length > 1 ? 'are no longer servers' : 'is no longer a server'} of HAProxy (no traffic goes there)`;
}

/** `UP` when every server of the slot reads the same, else `1 UP, 1 DOWN` */
function stateWord(servers: ServerView[]): string {
  const counts = new Map<string, number>();
  for (const s of servers) counts.set(s.status || 'unknown', (counts.get(s.status || 'unknown') ?? 0) + 1);
  if (counts.size === 1) return [...counts.keys()][0]!;
  return [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
