import * as wf from '@temporalio/workflow';

import type { RefundState } from './state';
import type { RefundStatus } from './status';

/**
 * Messages a refund workflow answers, declared once and imported by the workflow and its callers
 * (client, HTTP API, CLI). The wire names and payloads are docs/contract.md's: a signal sent from the
 * Temporal UI or `temporal workflow signal` with exactly this JSON works.
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

/** Lets a refund above the approval threshold go to the provider. */
export const approveSignal = wf.defineSignal<[OperatorAction]>('approve');
/** Ends a refund that has not reached the provider; refused (and recorded) once it has. */
export const cancelSignal = wf.defineSignal<[OperatorAction]>('cancel');
/** Raises `NeedsAttention` with the reason and who asked. */
export const escalateSignal = wf.defineSignal<[OperatorAction]>('escalate');
/** Sets the final outcome of a refund that needs attention; refused (and recorded) otherwise. */
export const resolveSignal = wf.defineSignal<[ResolveAction]>('resolve');
/** A provider event (GetPaid webhook): triggers an immediate status read. */
export const providerEventSignal = wf.defineSignal<[ProviderEvent]>('providerEvent');

/** What an operator action did: the answer of the updates below. */
export interface ActionResult {
  readonly accepted: boolean;
  /** Why it was refused, or what it did. */
  readonly note: string;
  readonly status: RefundStatus;
}

/**
 * The same actions as updates, for callers that need the answer (the HTTP API, the CLI, the
 * TypeScript client); the signals stay for the Temporal UI and `temporal workflow signal`.
 */
export const approveUpdate = wf.defineUpdate<ActionResult, [OperatorAction]>('approve');
export const cancelUpdate = wf.defineUpdate<ActionResult, [OperatorAction]>('cancel');
export const escalateUpdate = wf.defineUpdate<ActionResult, [OperatorAction]>('escalate');
export const resolveUpdate = wf.defineUpdate<ActionResult, [ResolveAction]>('resolve');

/** The whole refund state as JSON. */
export const stateQuery = wf.defineQuery<RefundState>('state');
