// Sends the run's notifications (start, then its outcome) without ever failing or stalling the deploy.
import * as core from '@actions/core';
import type { Config, Slot } from '../config/types.js';
import type { Result } from '../ports/timeline.js';
import { messageFor, notify, type MessageDetails, type NotifyKind } from './notify.js';

const KIND: Partial<Record<Result, NotifyKind>> = {
  promoted: 'promoted',
  'rolled-back': 'rollback',
  held: 'held',
  failed: 'failed',
  aborted: 'rollback',
};

export class Notifier {
  private readonly pending: Promise<void>[] = [];

  constructor(
    private readonly config: Config,
    private readonly secrets: readonly string[],
    private readonly base: Pick<MessageDetails, 'runUrl'>,
  ) {}

  /** fire and forget: the deploy does not wait for the webhook */
  start(target?: Slot | string): void {
    this.send('start', { target });
  }

  outcome(
    result: Result,
    d: Omit<MessageDetails, 'repository' | 'environment' | 'runUrl' | 'environmentUrl'>,
  ): void {
    const kind = KIND[result];
    if (kind) this.send(kind, d);
  }

  /** waits for what is in flight; each send is bounded by its own timeout */
  async settle(): Promise<void> {
    await Promise.all(this.pending);
  }

  private send(kind: NotifyKind, d: MessageDetails): void {
    const url = this.config.notifyWebhook;
    if (!url) return;
    const message = messageFor(kind, {
      repository: process.env.GITHUB_REPOSITORY,
      environment: this.config.environment,
      environmentUrl: this.config.environmentUrl,
      strategy: this.config.strategy.name,
      ...this.base,
      ...d,
    });
    this.pending.push(
      notify(url, message, { secrets: this.secrets }).then((r) => {
        if (!r.ok)
          core.warning(
            `the ${kind} notification was not delivered: ${r.error ?? 'unknown error'} (the deploy is not affected)`,
          );
      }),
    );
  }
}
