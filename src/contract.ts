import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import * as wf from '@temporalio/workflow';

import type { ActionResult, OperatorAction, ProviderEvent, ReconcilerHealth, ResolveAction } from './refunds/actions';
import type {
  HandoverInput,
  HandoverResult,
  OperatorRelease,
  OperatorReleaseInput,
  PaymentGuardState,
  ReserveInput,
  ReserveResult,
  SettleInput,
} from './refunds/payment-guard';
import type { RefundState } from './refunds/state';
import type { ReconcilerSettings, SecpaidReconcilerState } from './providers/secpaid/reconciler-state';

/**
 * The wire contract (docs/contract.md), declared once and imported by the workflows and their
 * callers (client, HTTP API, CLI, tests): workflow ids, task queues, the refund's and the payment
 * guard's signals, updates and queries, and the search attributes. A signal sent from the Temporal
 * UI or `temporal workflow signal` with exactly these names and JSON works. The payloads' types
 * are the domain's (src/refunds).
 */

// Task queues and workflow ids.

/** The task queue every refund workflow runs on (docs/contract.md). */
export const REFUNDS_TASK_QUEUE = 'refunds';

/** A refund's workflow id: `refund-<refundId>`, so a repeated start with one refundId finds one workflow. */
export function refundWorkflowId(refundId: string): string {
  return `refund-${refundId}`;
}

/** The slow watch of a refund an operator resolved FAILED while the provider may still hold it. */
export function refundWatchWorkflowId(refundId: string): string {
  return `refund-watch-${refundId}`;
}

export function completionCallbackWorkflowId(refundId: string): string {
  return `refund-callback-${refundId}`;
}

/**
 * Guards run on a task queue of their own, `<refunds queue>-guard`, served by a worker of their
 * own in every worker process: a refund's workflow task waits (in a local activity) for its guard's
 * update, and if guards shared the refunds' workflow-task slots, a thousand refunds starting at
 * once would hold every slot while their guards waited for one (found by `npm run soak`).
 */
export const PAYMENT_GUARD_TASK_QUEUE_SUFFIX = 'guard';

export function paymentGuardWorkflowId(provider: string, paymentId: string): string {
  return `payment-${provider}-${paymentId}`;
}

/**
 * SecPaid's reconciler for the refunds of one task queue (one account: its token): reads the
 * account's transactions for every waiting SecPaid refund at once (src/providers/secpaid/reconciler.ts).
 */
export function secpaidReconcilerWorkflowId(refundsTaskQueue: string): string {
  return `secpaid-reconciler-${refundsTaskQueue}`;
}

/** The one-shot workflow that starts a closed guard's next run from its ledger: one per closed run. */
export function paymentGuardResumeWorkflowId(guardId: string, closedRunId: string): string {
  return `${guardId}-resume-${closedRunId}`;
}

// The refund's messages.

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
/**
 * From the provider's reconciler (SecPaid's) to the refunds it reads for: it has stalled (each one
 * raises `NeedsAttention`), or it is back (the attention it raised clears).
 */
export const reconcilerHealthSignal = wf.defineSignal<[ReconcilerHealth]>('reconcilerHealth');
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

// The payment guard's messages.

export const reserveUpdate = wf.defineUpdate<ReserveResult, [ReserveInput]>('reserve');
export const handoverUpdate = wf.defineUpdate<HandoverResult, [HandoverInput]>('handover');
export const releaseUpdate = wf.defineUpdate<void, [SettleInput]>('release');
export const commitUpdate = wf.defineUpdate<void, [SettleInput]>('commit');
export const guardStateQuery = wf.defineQuery<PaymentGuardState>('guardState');
/**
 * A provider event about the payment (SecPaid's reconciler saw a refund row of the link): the guard
 * passes it on, as `providerEvent`, to the refunds that hold a reservation of the payment.
 */
export const paymentEventSignal = wf.defineSignal<[ProviderEvent]>('providerEvent');
/** Releases a reservation its refund can no longer release (it was terminated); refused before history otherwise. */
export const operatorReleaseUpdate = wf.defineUpdate<OperatorRelease, [OperatorReleaseInput]>('operatorRelease');

// SecPaid's reconciler.

/** Its last passes, what they read and whom they woke (src/providers/secpaid/reconciler.ts). */
export const reconcilerStateQuery = wf.defineQuery<SecpaidReconcilerState>('state');
/** Today's settings, from the worker that starts it (or finds it running). */
export const reconcilerSettingsSignal = wf.defineSignal<[ReconcilerSettings]>('settings');

// Search attributes.

/**
 * The refund search attributes of docs/contract.md, defined once. The workflow upserts them, the client
 * sets them at start and queries them, and the dev server registers them at launch.
 */
export const RefundStatusKey = defineSearchAttributeKey('RefundStatus', SearchAttributeType.KEYWORD);
export const RefundProviderKey = defineSearchAttributeKey('RefundProvider', SearchAttributeType.KEYWORD);
export const PaymentIdKey = defineSearchAttributeKey('PaymentId', SearchAttributeType.KEYWORD);
export const RefundAmountKey = defineSearchAttributeKey('RefundAmount', SearchAttributeType.INT);
export const RefundCurrencyKey = defineSearchAttributeKey('RefundCurrency', SearchAttributeType.KEYWORD);
export const NeedsAttentionKey = defineSearchAttributeKey('NeedsAttention', SearchAttributeType.BOOL);
/**
 * True while the refund asks a person because the provider's reconciler, which reads for it, has
 * stalled (SecPaid's): the reconciler finds by it the refunds to tell that it is back.
 */
export const ReconcilerStalledKey = defineSearchAttributeKey('ReconcilerStalled', SearchAttributeType.BOOL);

export const refundSearchAttributeKeys = [
  RefundStatusKey,
  RefundProviderKey,
  PaymentIdKey,
  RefundAmountKey,
  RefundCurrencyKey,
  NeedsAttentionKey,
  ReconcilerStalledKey,
] as const;

/** The type names `temporal server start-dev --search-attribute NAME=TYPE` accepts. */
const cliTypeName: Record<SearchAttributeType, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

export function devServerSearchAttributeFlags(): string[] {
  return refundSearchAttributeKeys.flatMap((key) => ['--search-attribute', `${key.name}=${cliTypeName[key.type]}`]);
}
