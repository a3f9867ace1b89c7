import type { Money } from './money';
import type { ProviderName } from './request';
import type { RefundStatus } from './status';

/** Who caused a transition: the orchestrator itself, the provider, or a named person or service. */
export type Actor = string;

export interface Transition {
  readonly from: RefundStatus | null;
  readonly to: RefundStatus;
  /** ISO-8601 workflow time. */
  readonly at: string;
  readonly cause: string;
  readonly by: Actor;
}

/** One provider call as the workflow saw it end (activity retries inside it are Temporal's). */
export interface ProviderAttempt {
  readonly step: string;
  readonly at: string;
  readonly outcome: 'succeeded' | 'pending' | 'failed' | 'error';
  readonly code?: string | undefined;
  readonly message?: string | undefined;
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
  readonly provider: ProviderName;
  readonly paymentId: string;
  readonly amount: Money;
  readonly full: boolean;
  readonly requestedBy: string;
  readonly status: RefundStatus;
  readonly needsAttention: boolean;
  readonly attentionReason: string | null;
  readonly providerRefundId: string | null;
  readonly failure: RefundFailure | null;
  readonly attempts: readonly ProviderAttempt[];
  readonly transitions: readonly Transition[];
}
