/**
 * One apply of a supplier's inventory at a time (issue 13): the lease on the supplier's watermark item
 * (store/watermark.ts), taken before offers are compared and written, renewed while a large file is
 * written, released with the apply's outcome. A second apply waits for it within a bounded time, then
 * fails with a TransientError its caller's retry replays (a file: the Lambda async retry; a message: SQS
 * redelivers the batch item). Waits are counted in sleeps, not read from the clock.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../kernel/clock';
import { TransientError } from '../../kernel/errors';
import type { StoreContext } from '../../runtime/table/context';
import { sleep, type TransactItem } from '../../runtime/table/transactions';
import { indexSettleWait } from '../domain/as-of';
import { acquireLease, releaseItem, releaseLease, renewLease, type Watermark, type WatermarkAdvance } from '../store/watermark';

export interface ApplyLockTuning {
  /** How long a lease lasts without renewal (default 2 min; renewed while an apply writes). */
  readonly leaseMs?: number | undefined;
  /** How long to wait for another apply's lease before failing (retried by the caller). */
  readonly lockWaitMs?: number | undefined;
  /** How long gsi1 is given to show an apply's writes before the next apply reads offers (default 1 s in AWS, 0 on DynamoDB Local). */
  readonly indexSettleMs?: number | undefined;
}

export const DEFAULT_LEASE_MS = 120_000;
/** Files wait up to 3 minutes (the feed function runs up to 10); messages 2 s (the inbound consumer runs 30 s for a batch of up to 10). */
export const FILE_LOCK_WAIT_MS = 180_000;
export const MESSAGE_LOCK_WAIT_MS = 2_000;
/**
 * gsi1 is eventually consistent in AWS (usually well under a second). DynamoDB Local (the local runtime,
 * AWS_ENDPOINT_URL_DYNAMODB set) updates its indexes with the item: nothing to wait for there.
 */
export const DEFAULT_INDEX_SETTLE_MS = process.env['AWS_ENDPOINT_URL_DYNAMODB'] === undefined || process.env['AWS_ENDPOINT_URL_DYNAMODB'] === '' ? 1000 : 0;

const MAX_POLL_MS = 250;

export interface LockDeps {
  readonly store: StoreContext;
  readonly now: Clock;
}

/** A held apply lock. */
export class SupplierApplyLock {
  private renewedAt: number;

  constructor(
    private readonly deps: LockDeps,
    readonly supplierId: string,
    readonly owner: string,
    /** The watermark as it was when the lock was taken. */
    readonly watermark: Watermark,
    private readonly leaseMs: number,
    private readonly settleMs: number,
  ) {
    this.renewedAt = deps.now().getTime();
  }

  /** Renew when a quarter of the lease has passed; throws when the lease was lost (the apply must stop). */
  async keepAlive(): Promise<void> {
    const nowMs = this.deps.now().getTime();
    if (nowMs - this.renewedAt < this.leaseMs / 4) return;
    const ok = await renewLease(this.deps.store, { supplierId: this.supplierId, owner: this.owner, nowMs, leaseMs: this.leaseMs });
    if (!ok) throw new TransientError(`the inventory apply lock of supplier ${this.supplierId} expired and was taken over: this apply stops (retried)`);
    this.renewedAt = nowMs;
  }

  /** Wait until gsi1 shows the last apply's writes (see indexSettleWait). */
  async settleIndex(): Promise<void> {
    // Taken over from an apply that died holding it: its last writes may be moments old.
    const wait = this.watermark.tookOver === true ? this.settleMs : indexSettleWait(this.watermark.lastWriteAt, this.deps.now(), this.settleMs);
    if (wait > 0) await sleep(wait);
  }

  /** The release (advancing the marks when given) as a transaction item of the apply's outcome. */
  releaseItem(advance?: WatermarkAdvance): TransactItem {
    return releaseItem(this.deps.store, this.supplierId, this.owner, advance);
  }

  /** Release without advancing (nothing applied). Best effort, never throws. */
  release(): Promise<void> {
    return releaseLease(this.deps.store, this.supplierId, this.owner);
  }
}

/**
 * Take the supplier's apply lock, waiting (polling with backoff) up to `waitMs`; throws a TransientError
 * when another apply still holds it.
 */
export async function holdApplyLock(deps: LockDeps, supplierId: string, source: string, waitMs: number, tuning: ApplyLockTuning = {}): Promise<SupplierApplyLock> {
  const owner = randomUUID();
  const leaseMs = tuning.leaseMs ?? DEFAULT_LEASE_MS;
  const settleMs = tuning.indexSettleMs ?? DEFAULT_INDEX_SETTLE_MS;
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    const watermark = await acquireLease(deps.store, { supplierId, owner, nowMs: deps.now().getTime(), leaseMs, source });
    if (watermark !== undefined) return new SupplierApplyLock(deps, supplierId, owner, watermark, leaseMs, settleMs);
    if (waited >= waitMs) break;
    const pause = Math.min(MAX_POLL_MS, 20 * 2 ** Math.min(attempt, 6), Math.max(1, waitMs - waited)) + Math.floor(Math.random() * 20);
    await sleep(pause);
    waited += pause;
  }
  throw new TransientError(`another apply of supplier ${supplierId}'s inventory holds the apply lock (waited ${Math.round(waited)} ms): retried`);
}
