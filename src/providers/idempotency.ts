import { createHash } from 'node:crypto';

/**
 * A provider idempotency key for one step of one refund. It is derived from the workflow id (never
 * the run id, which changes on reset or continue-as-new) and the step, so every retry, every worker
 * and every replay sends the same key. Keys that would exceed a provider's length limit become a
 * hash of the same input, still stable.
 */
export function idempotencyKey(workflowId: string, step: string, maxLength: number): string {
  const plain = `${workflowId}-${step}`;
  if (plain.length <= maxLength && /^[A-Za-z0-9_-]+$/.test(plain)) return plain;
  const digest = createHash('sha256').update(`${workflowId}\u0000${step}`).digest('hex');
  return `rf-${digest}`.slice(0, maxLength);
}
