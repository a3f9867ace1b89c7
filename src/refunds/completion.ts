import type { Money } from './money';

/** The event a backend receives at its `callbackUrl` when a refund ends. */
export interface CompletionEvent {
  /** Stable per refund and outcome: a receiver dedupes on it (deliveries may repeat). */
  readonly id: string;
  readonly type: 'refund.succeeded' | 'refund.failed' | 'refund.cancelled';
  readonly refundId: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  readonly provider: string;
  readonly paymentId: string;
  readonly amount: Money;
  readonly providerRefundId: string | null;
  readonly failure: {
    readonly type: string;
    readonly providerCode?: string | undefined;
    readonly providerMessage?: string | undefined;
  } | null;
  readonly occurredAt: string;
}

export function completionCallbackWorkflowId(refundId: string): string {
  return `refund-callback-${refundId}`;
}
