import { randomUUID } from 'node:crypto';

import type { RefundsClient } from '../src/client';
import type { RefundState } from '../src/refunds/state';

/** Waits until the refund's `state` satisfies `ready` (status changes are asynchronous). */
export async function stateWhen(
  refunds: RefundsClient,
  refundId: string,
  ready: (state: RefundState) => boolean,
  what: string,
  timeoutMs = 20_000
): Promise<RefundState> {
  return eventually(
    async () => {
      const state = await refunds.get(refundId);
      return ready(state) ? state : undefined;
    },
    `${refundId}: ${what}`,
    timeoutMs
  );
}

/** Polls `probe` until it returns a value (visibility is eventually consistent); not a timing assertion. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let counter = 0;
/** A refundId unique to this run. */
export function uniqueRefundId(prefix = 'rf'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${randomUUID().slice(0, 8)}`;
}

/** Tasks 0 … `total` − 1, at most `limit` at a time. */
export async function pool(total: number, limit: number, one: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let i = next++; i < total; i = next++) await one(i);
    })
  );
}
