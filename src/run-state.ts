// What main leaves for the post step (core.saveState): the split in progress, so a crash can be undone.
import * as core from '@actions/core';
import type { Slot } from './config/types.js';
import type { Weights } from './ports/traffic.js';

export interface SplitState {
  live: Slot;
  target: Slot;
  weights: Weights;
}

/** Called before every weight change and with undefined once traffic is at rest again. */
export function saveSplit(split: SplitState | undefined): void {
  core.saveState('split', split ? JSON.stringify(split) : '');
}

/** A held deploy leaves traffic split on purpose: the post step must not undo it. */
export function markHeld(): void {
  core.saveState('held', 'true');
}

export function loadSplit(): { split?: SplitState; held: boolean } {
  const held = core.getState('held') === 'true';
  const raw = core.getState('split');
  if (!raw) return { held };
  try {
    const s = JSON.parse(raw) as SplitState;
    if ((s.live === 'blue' || s.live === 'green') && (s.target === 'blue' || s.target === 'green'))
      return { split: s, held };
  } catch {
    // a torn write: nothing usable
  }
  return { held };
}

/**
 * Which run this is, from the runner's environment: names the report file, the lock and the links.
 * The pid keeps two local runs apart; the post step reads the id back from state (saveRunId).
 */
export function runIdentity(): { runId: string; runUrl?: string } {
  const env = process.env;
  const runId = `${env.GITHUB_RUN_ID ?? 'local'}-${env.GITHUB_RUN_ATTEMPT ?? '1'}-${process.pid}`;
  const runUrl = env.GITHUB_RUN_ID
    ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
    : undefined;
  return { runId, runUrl };
}

/**
 * Whether this run holds the load balancer's run lock (an ALB or Lambda tag, an HAProxy variable),
 * and the command that clears it by hand; the post step releases a leftover one, or says how.
 */
export function saveLock(held: boolean, clear?: string): void {
  core.saveState('locked', held ? 'true' : '');
  core.saveState('lock-clear', held ? (clear ?? '') : '');
}

export function loadLock(): { held: boolean; clear?: string } {
  const clear = core.getState('lock-clear');
  return { held: core.getState('locked') === 'true', ...(clear ? { clear } : {}) };
}

export function saveRunId(runId: string): void {
  core.saveState('run-id', runId);
}

export function loadRunId(): string | undefined {
  return core.getState('run-id') || undefined;
}
