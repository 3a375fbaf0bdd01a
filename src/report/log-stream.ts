// The live log: each timeline event as one line as it happens, a log group per traffic step,
// warnings and the rollback as annotations.
import * as core from '@actions/core';
import type { Slot } from '../config/types.js';
import type { TimelineEvent } from '../ports/timeline.js';
import type { SlotNames } from '../ports/traffic.js';
import { formatEvent, RESTORE_WORDS, type DisplayLimits } from './progress.js';
import { statusLines } from './status.js';
import { redact } from '../shared/redact.js';

export class LogStream {
  private target: Slot | undefined;
  private names: SlotNames = {};
  private groupOpen = false;
  /** the probes of the step's evaluations so far: a step's line counts all of them, not its last */
  private stepProbes = new Map<number, { ok: number; failed: number }>();
  /** the last error line: a result whose reason is that error points at it rather than repeat it */
  private lastError: string | undefined;

  constructor(private readonly opts: { limits: DisplayLimits; secrets: readonly string[] }) {}

  /** the slot being deployed to, once the run knows it */
  get targetSlot(): Slot | undefined {
    return this.target;
  }

  readonly onEvent = (e: TimelineEvent): void => {
    if (e.type === 'run-start') this.target = e.target;
    if (e.type === 'slot-names') this.names = e.names;
    // a step's evaluations fold under its group; phases and outcomes stand outside so they stay visible
    if (e.type === 'phase' || e.type === 'rollback' || e.type === 'run-end' || e.type === 'drift')
      this.closeGroup();
    if (e.type === 'status') {
      for (const l of statusLines(e.status, e.at, this.names)) core.info(redact(l, this.opts.secrets));
      return;
    }
    if (e.type === 'evaluation') {
      const m = e.verdict.measures;
      if (m.probesOk !== undefined || m.probesFailed !== undefined) {
        const p = this.stepProbes.get(e.step) ?? { ok: 0, failed: 0 };
        this.stepProbes.set(e.step, {
          ok: p.ok + (m.probesOk ?? 0),
          failed: p.failed + (m.probesFailed ?? 0),
        });
      }
    }
    const probes = e.type === 'step-verdict' ? this.stepProbes.get(e.step) : undefined;
    if (e.type === 'error') this.lastError = e.message;
    const shown: TimelineEvent =
      e.type === 'run-end' && e.reason !== undefined && e.reason === this.lastError
        ? { ...e, reason: 'the error above' }
        : e.type === 'step-verdict' && probes
          ? {
              ...e,
              verdict: {
                ...e.verdict,
                measures: { ...e.verdict.measures, probesOk: probes.ok, probesFailed: probes.failed },
              },
            }
          : e;
    const line = formatEvent(shown, {
      target: this.target,
      limits: this.opts.limits,
      secrets: this.opts.secrets,
      names: this.names,
    });
    if (line === undefined) return;
    if (e.type === 'phase' && e.name.startsWith('step ')) {
      // the runner draws its own marker in front of a group title
      core.startGroup(line.replace(/^▸ /, ''));
      this.groupOpen = true;
    } else if (e.type === 'warning')
      // the runner titles the annotation "Warning" itself: no second "warning:" in front
      core.warning(line.replace(/^warning: /, ''));
    else if (e.type === 'left' && e.requests !== 0) core.warning(line);
    else if (e.type === 'rollback') core.notice(line, { title: RESTORE_WORDS[e.cause ?? 'verdict'].title });
    else if (e.type === 'force') core.warning(line, { title: 'Glidepath rollback forced' });
    else core.info(line);
  };

  closeGroup(): void {
    if (!this.groupOpen) return;
    core.endGroup();
    this.groupOpen = false;
  }
}
