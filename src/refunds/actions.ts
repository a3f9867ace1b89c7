import type { RefundStatus } from './status';

/**
 * What operators and providers send a refund, and what an action answers: the payloads of the
 * refund's signals and updates (declared in src/contract.ts, their JSON docs/contract.md's).
 */

/** Who acts on a refund, and why: the payload of `approve`, `cancel` and `escalate`. */
export interface OperatorAction {
  readonly reason: string;
  readonly by: string;
  /**
   * The authenticated identity that sent it (the API token's name), set by the API and the client,
   * never taken from an HTTP body. Absent for a signal sent from the Temporal UI or CLI, whose
   * access Temporal itself controls.
   */
  readonly actor?: string;
}

/** The operator's final word on a refund that needs attention. */
export interface ResolveAction extends OperatorAction {
  readonly outcome: 'SUCCEEDED' | 'FAILED';
}

/**
 * A provider's webhook, delivered by the API. Only a hint: the workflow confirms it by reading the
 * refund from the provider, so a forged or stale event can never move a refund by itself.
 */
export interface ProviderEvent {
  readonly eventId: string;
  readonly type: string;
  readonly providerRefundId?: string | undefined;
}

/**
 * A provider's reconciler about its own health (SecPaid's, to the refunds it reads for): stalled
 * since a time, with why, or back (`stalledSince` null). While it is stalled nobody reads the
 * provider for these refunds but their own slow fallback, so each one asks a person.
 */
export interface ReconcilerHealth {
  readonly stalledSince: string | null;
  readonly reason: string;
}

/** What an operator action did: the answer of its update. */
export interface ActionResult {
  readonly accepted: boolean;
  /** Why it was refused, or what it did. */
  readonly note: string;
  readonly status: RefundStatus;
}
