import type { Money } from './money';

import type { RefundStatus } from './status';

/** Who caused something: `system`, the provider's name, or a named person or service. */
export type Actor = string;

export interface Transition {
  readonly from: RefundStatus | null;
  readonly to: RefundStatus;
  /** ISO-8601 workflow time. */
  readonly at: string;
  readonly cause: string;
  readonly by: Actor;
}

/** One provider call as the workflow saw it end (retries inside it are Temporal's). */
export interface ProviderAttempt {
  readonly step: 'submit' | 'poll';
  readonly submission: number;
  readonly at: string;
  readonly outcome: 'succeeded' | 'pending' | 'failed' | 'not-processed' | 'unknown' | 'retry-later' | 'deadline';
  readonly code?: string | undefined;
  readonly message?: string | undefined;
}

/** A signal from a person or the API, and what the refund did with it. */
export interface OperatorActionRecord {
  /** `approve`, `cancel`, `escalate`, `resolve`, `providerEvent`, or a signal name the refund does not take (refused). */
  readonly signal: string;
  readonly by: Actor;
  /** The authenticated identity behind it (the API token's name), when it came through the API. */
  readonly actor?: string | undefined;
  readonly reason: string;
  readonly at: string;
  readonly accepted: boolean;
  /** Why it was refused, or what it did. */
  readonly note: string;
}

export interface RefundFailure {
  /** Stable failure type, e.g. `RefundDeclined`, `AlreadyRefunded`, `PartialRefundNotAllowed`. */
  readonly type: string;
  /** The provider's own code and message, as it sent them. */
  readonly providerCode: string | undefined;
  readonly providerMessage: string | undefined;
}

/** The whole refund as the `state` query returns it. */
export interface RefundState {
  readonly refundId: string;
  readonly provider: string;
  readonly paymentId: string;
  readonly amount: Money;
  readonly full: boolean;
  readonly requestedBy: string;
  /** The authenticated identity that started it (the API token's name); null when not known. */
  readonly initiatedBy: string | null;
  readonly status: RefundStatus;
  readonly needsAttention: boolean;
  readonly attentionReason: string | null;
  /** What the refund is waiting for right now, in words. */
  readonly waitingFor: string | null;
  readonly providerRefundId: string | null;
  /** What the provider says it refunded, when it says (minor units of `amount.currency`). */
  readonly refundedAmountMinor: number | null;
  readonly failure: RefundFailure | null;
  /** What the per-payment guard said: reserved against the refundable amount, or why it could not check. */
  readonly paymentGuard: string | null;
  readonly attempts: readonly ProviderAttempt[];
  readonly transitions: readonly Transition[];
  readonly actions: readonly OperatorActionRecord[];
}
