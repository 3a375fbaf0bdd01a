// Which slot is live, read from the router's weights: the load balancer is the source of truth.
import type { Slot } from '../config/types.js';
import { otherSlot } from '../config/types.js';
import type { RouterState, Weights } from './ports.js';

export type SlotReading =
  /** one slot takes all traffic */
  | { kind: 'at-rest'; live: Slot }
  /** both slots take traffic: a deploy is in progress; `target` is the slot being deployed to */
  | { kind: 'split'; live: Slot; target: Slot }
  | { kind: 'invalid'; message: string };

export const describeWeights = (w: Weights): string => `blue ${fmt(w.blue)}% / green ${fmt(w.green)}%`;

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/**
 * `holdAt` breaks the tie of a split: the slot at the held weight is the new one. Otherwise the
 * slot with less traffic is taken as the new one (a canary grows from below).
 */
export function readSlots(state: RouterState, holdAt?: number): SlotReading {
  const { blue, green } = state.weights;
  const ineligible = new Set(state.ineligible ?? []);
  if (blue <= 0 && green <= 0) {
    return {
      kind: 'invalid',
      message: `both slots have weight 0 (${state.detail ?? describeWeights(state.weights)}): no slot is live`,
    };
  }
  if (blue > 0 && green > 0) {
    let target: Slot | undefined;
    if (holdAt !== undefined && Math.abs(blue - holdAt) < 0.5 && Math.abs(green - holdAt) >= 0.5)
      target = 'blue';
    else if (holdAt !== undefined && Math.abs(green - holdAt) < 0.5 && Math.abs(blue - holdAt) >= 0.5)
      target = 'green';
    else if (blue !== green) target = blue < green ? 'blue' : 'green';
    if (!target) {
      return {
        kind: 'invalid',
        message: `traffic is split evenly (${describeWeights(state.weights)}): cannot tell which slot is new; set hold-at to the held weight or set the weights by hand`,
      };
    }
    return { kind: 'split', live: otherSlot(target), target };
  }
  const live: Slot = blue > 0 ? 'blue' : 'green';
  if (ineligible.has(live)) {
    return {
      kind: 'invalid',
      message: `${live} has all the weight but cannot take traffic (${state.detail ?? 'drain, maint or down'}): fix the load balancer before deploying`,
    };
  }
  return { kind: 'at-rest', live };
}

export const weightsFor = (target: Slot, percent: number): Weights =>
  target === 'green' ? { blue: 100 - percent, green: percent } : { blue: percent, green: 100 - percent };

export const sameWeights = (a: Weights, b: Weights, tolerance = 1): boolean =>
  Math.abs(a.blue - b.blue) <= tolerance && Math.abs(a.green - b.green) <= tolerance;
