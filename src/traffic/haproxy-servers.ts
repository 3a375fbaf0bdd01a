// The servers of each slot in one HAProxy's `show stat`, and the integer weights that split traffic between them.
import { isServerPattern, serverPattern, type HaproxySlot, type Slot } from '../config/types.js';
import type { Weights } from '../ports/traffic.js';

export const SLOTS: readonly Slot[] = ['blue', 'green'];

/** HAProxy's largest server weight (`set weight` takes 0..256). */
export const MAX_WEIGHT = 256;

/** One server of a slot as one HAProxy instance reports it. */
export interface ServerView {
  slot: Slot;
  backend: string;
  server: string;
  /** the weight `set weight` wrote (`uweight`; `weight` is the effective one that slowstart ramps); NaN when unreadable */
  weight: number;
  /** the `status` column: `UP`, `UP 1/3`, `DOWN`, `DRAIN`, `MAINT`, `no check`, ... */
  status: string;
  /** takes balanced traffic when given a weight: decided from `status`, never from `weight` */
  eligible: boolean;
  /** the server's own `address:port` (`addr`), when HAProxy shows one */
  addr?: string;
  /** the whole `show stat` row: counters (`req_tot`, `hrsp_5xx`, `scur`, `rtime`, ...) */
  row: Record<string, string>;
}

export type SlotServers = Record<Slot, ServerView[]>;

/**
 * A server takes balanced traffic when UP (also `UP 1/3`, going down but not yet down) or when it
 * has no health check. DRAIN/MAINT keep their weight column but take no new balanced traffic,
 * so eligibility comes from `status`, never from `weight`.
 */
export function isEligibleStatus(status: string): boolean {
  const s = status.trim();
  return /^UP\b/.test(s) || s === 'no check';
}

export const serverName = (s: Pick<ServerView, 'backend' | 'server'>): string => `${s.backend}/${s.server}`;

/**
 * The servers each slot's list names, in the order HAProxy lists them. Throws, naming the input,
 * when a name is not a server, a pattern matches none, or one server falls in both slots.
 * `where` names the instance (`HAProxy at /run/haproxy.sock`).
 */
export function resolveSlots(
  rows: Record<string, string>[],
  slots: Record<Slot, HaproxySlot>,
  where: string,
  /**
   * `mayLack`: a slot whose named servers HAProxy may no longer have (deleted at run time, or a
   * reload without them): they take no traffic, so putting all traffic on the other slot need not
   * fail for them; each is listed in `missing` instead of thrown
   */
  lack: { mayLack?: Slot; missing?: string[] } = {},
): SlotServers {
  const out = {} as SlotServers;
  for (const slot of SLOTS) {
    const target = slots[slot];
    const input = `${slot}-target`;
    const inBackend = rows.filter(
      (r) => r.pxname === target.backend && r.svname !== 'FRONTEND' && r.svname !== 'BACKEND',
    );
    const known = () => {
      const all = rows
        .filter((r) => r.svname !== 'FRONTEND' && r.svname !== 'BACKEND')
        .map((r) => `${r.pxname}/${r.svname}`);
      return all.length ? all.join(', ') : '(none)';
    };
    const picked = new Set<string>();
    for (const name of target.servers) {
      const match = isServerPattern(name) ? serverPattern(name) : undefined;
      const found = inBackend.filter((r) => (match ? match.test(r.svname ?? '') : r.svname === name));
      if (found.length === 0 && slot === lack.mayLack) {
        lack.missing?.push(`${target.backend}/${name}`);
        continue;
      }
      if (found.length === 0) {
        throw new Error(
          match
            ? `${input} "${target.backend}/${name}" matches no server of ${where}; servers it has: ${known()}`
            : `${input} "${target.backend}/${name}" is not a server of ${where}; servers it has: ${known()} (accepted form: backend/server)`,
        );
      }
      for (const r of found) picked.add(r.svname ?? '');
    }
    out[slot] = inBackend.filter((r) => picked.has(r.svname ?? '')).map((r) => view(slot, r));
  }
  const both = out.blue.filter((b) => out.green.some((g) => g.server === b.server));
  if (both.length > 0) {
    throw new Error(
      `${both.map(serverName).join(', ')} ${both.length > 1 ? 'are' : 'is'} named by both blue-target and green-target on ${where}: ` +
        'a server belongs to one slot; narrow the lists or patterns (like web/blue* and web/green*)',
    );
  }
  return out;
}

function view(slot: Slot, row: Record<string, string>): ServerView {
  // uweight is the weight `set weight` wrote; `weight` is the effective one that slowstart ramps
  const raw = row.uweight !== undefined && row.uweight !== '' ? row.uweight : row.weight;
  const status = (row.status ?? '').trim();
  return {
    slot,
    backend: row.pxname ?? '',
    server: row.svname ?? '',
    weight: raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw),
    status,
    eligible: isEligibleStatus(status),
    ...(row.addr ? { addr: row.addr } : {}),
    row,
  };
}

/** Throws, naming the server and its input, when a weight could not be read. */
export function checkWeights(servers: SlotServers, where: string): void {
  for (const slot of SLOTS) {
    for (const s of servers[slot]) {
      if (!Number.isFinite(s.weight)) {
        throw new Error(
          `${where}: unreadable weight "${s.row.uweight || s.row.weight || ''}" for ${serverName(s)} (${slot}-target)`,
        );
      }
    }
  }
}

/** Percent of the weights' sum per slot, to two decimals, the pair summing to 100; 0/0 when all are 0. */
export function shares(sum: Record<Slot, number>): Weights {
  const total = sum.blue + sum.green;
  if (total <= 0) return { blue: 0, green: 0 };
  const blue = Math.round((sum.blue / total) * 10000) / 100;
  return { blue, green: Math.round((100 - blue) * 100) / 100 };
}

/** The slots' weight sums over `servers` (all of them, or only those `keep` accepts). */
export function weightSums(
  servers: SlotServers,
  keep: (s: ServerView) => boolean = () => true,
): Record<Slot, number> {
  const sum = (list: ServerView[]) => list.filter(keep).reduce((n, s) => n + s.weight, 0);
  return { blue: sum(servers.blue), green: sum(servers.green) };
}

/**
 * One weight per server of each slot, so that `count` servers per slot take the `share` split as
 * exactly as integer weights 1..256 allow: the pair whose split is closest to the share, then the
 * one whose total is closest to 100 (so one server per slot keeps the percent itself as its weight:
 * 5% is weights 95 and 5), then the smaller. A slot at 0% gets 0. A slot at 100% gives each of its
 * servers the same weight, whatever their number.
 */
export function planWeights(share: Weights, count: Record<Slot, number>): Record<Slot, number> {
  const solo = (slot: Slot) => Math.min(MAX_WEIGHT, Math.max(1, Math.round(100 / Math.max(1, count[slot]))));
  if (share.green <= 0) return { blue: solo('blue'), green: 0 };
  if (share.blue <= 0) return { blue: 0, green: solo('green') };
  const nb = count.blue;
  const ng = count.green;
  if (nb <= 0 || ng <= 0) throw new Error('planWeights: a slot with a share needs at least one server');
  const want = share.blue / (share.blue + share.green);
  let best = { blue: 1, green: 1, err: Infinity, total: Infinity };
  for (let wb = 1; wb <= MAX_WEIGHT; wb++) {
    // for this blue weight, the best green weight is one of the two around the exact one (within 1..256)
    const exact = (nb * wb * (1 - want)) / (want * ng);
    const clamp = (w: number) => Math.min(MAX_WEIGHT, Math.max(1, w));
    for (const wg of [clamp(Math.floor(exact)), clamp(Math.ceil(exact))]) {
      const total = nb * wb + ng * wg;
      const err = Math.abs((nb * wb) / total - want);
      const better =
        err < best.err - 1e-12 ||
        (Math.abs(err - best.err) <= 1e-12 &&
          (Math.abs(total - 100) < Math.abs(best.total - 100) ||
            (Math.abs(total - 100) === Math.abs(best.total - 100) && total < best.total)));
      if (better) best = { blue: wb, green: wg, err, total };
    }
  }
  return { blue: best.blue, green: best.green };
}
