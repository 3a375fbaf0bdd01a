// Which slot is live, read from the router's weights: the load balancer is the source of truth.
import type { Slot } from '../config/types.js';
import { otherSlot } from '../config/types.js';
import {
  describeSplit,
  slotLabel,
  type RouterState,
  type SlotNames,
  type Weights,
} from '../ports/traffic.js';

export type SlotReading =
  /** one slot takes all traffic; `liveDown` when the load balancer says it cannot serve (DRAIN/MAINT/DOWN) */
  | { kind: 'at-rest'; live: Slot; liveDown?: string }
  /** both slots take traffic: a deploy is in progress; `target` is the slot being deployed to */
  | { kind: 'split'; live: Slot; target: Slot }
  /** both take traffic, and nothing says which one is new */
  | { kind: 'ambiguous'; message: string }
  | { kind: 'invalid'; message: string };

/** `blue 90% / green 10%`; with the router's names, `version 7 90% / version 8 10%`. */
export const describeWeights = (w: Weights, names?: SlotNames): string => describeSplit(w, names);

/**
 * Reads the slots from the weights. In a split the new slot is the one the router remembers
 * (markedTarget), else the one at `holdAt`; never a guess from the sizes, because a canary held
 * above 50% would then be promoted backwards and aborted onto the unverified version.
 */
export function readSlots(
  state: RouterState,
  known: { holdAt?: number; marked?: Slot; names?: SlotNames } = {},
): SlotReading {
  const { blue, green } = state.weights;
  const name = (s: Slot) => slotLabel(s, known.names);
  if (state.disagreement) {
    // several load balancers moved as one (HAProxy instances) must read alike before anything moves
    return {
      kind: 'invalid',
      message: `${state.disagreement}: put every instance on one split first (command abort does it while a deploy's note names its target), or set the weights alike by hand`,
    };
  }
  if (blue <= 0 && green <= 0) {
    return {
      kind: 'invalid',
      message: `both slots have weight 0 (${state.detail ?? describeWeights(state.weights, known.names)}): no slot is live`,
    };
  }
  if (blue > 0 && green > 0) {
    const at = (w: number) => known.holdAt !== undefined && Math.abs(w - known.holdAt) < 0.5;
    const byHoldAt: Slot | undefined = at(blue) !== at(green) ? (at(blue) ? 'blue' : 'green') : undefined;
    const split = describeWeights(state.weights, known.names);
    if (known.marked && byHoldAt && known.marked !== byHoldAt) {
      return {
        kind: 'ambiguous',
        message: `traffic is split (${split}): the load balancer's note names ${name(known.marked)} as the new slot but hold-at ${known.holdAt}% matches ${name(byHoldAt)}; check the weights and set them by hand`,
      };
    }
    const target = known.marked ?? byHoldAt;
    if (!target) {
      const holdAt =
        known.holdAt === undefined ? 'hold-at is not set' : `hold-at ${known.holdAt}% matches neither side`;
      return {
        kind: 'ambiguous',
        message: `traffic is split (${split}) and nothing says which slot is new: the load balancer has no note of the deploy's target (HAProxy reloaded since, the tag removed, or provider command) and ${holdAt}; give hold-at the held weight, or set the weights by hand`,
      };
    }
    return { kind: 'split', live: otherSlot(target), target };
  }
  const live: Slot = blue > 0 ? 'blue' : 'green';
  if (state.ineligible?.includes(live)) {
    return {
      kind: 'at-rest',
      live,
      liveDown: state.detail ?? `${name(live)} is drained, in maintenance or down`,
    };
  }
  return { kind: 'at-rest', live };
}

export const weightsFor = (target: Slot, percent: number): Weights =>
  target === 'green' ? { blue: 100 - percent, green: percent } : { blue: percent, green: 100 - percent };

export const sameWeights = (a: Weights, b: Weights, tolerance = 1): boolean =>
  Math.abs(a.blue - b.blue) <= tolerance && Math.abs(a.green - b.green) <= tolerance;
