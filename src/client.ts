import { createHash } from 'node:crypto';

import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { Client, WorkflowHandle } from '@temporalio/client';

import {
  approveUpdate,
  cancelUpdate,
  escalateUpdate,
  guardStateQuery,
  NeedsAttentionKey,
  operatorReleaseUpdate,
  paymentGuardWorkflowId,
  PaymentIdKey,
  providerEventSignal,
  RefundAmountKey,
  RefundCurrencyKey,
  RefundProviderKey,
  REFUNDS_TASK_QUEUE,
  RefundStatusKey,
  refundWorkflowId,
  resolveUpdate,
  stateQuery,
} from './contract';
import type { ActionResult, OperatorAction, ProviderEvent, ResolveAction } from './refunds/actions';
import { formatMoney } from './refunds/minor-units';
import { operatorActionSchema, resolveActionSchema } from './refunds/operator';
import { refundListFilterSchema, visibilityQuery } from './refund-list';
import type { RefundListFilter, RefundSummary } from './refund-list';
import { parseRefundRequest } from './providers';
import type { RefundRequest, RefundRequestInput } from './providers';
import { updatePaymentGuard } from './temporal/payment-guard-client';
import { workflowStatus } from './temporal/workflow-status';
import type { OperatorRelease, PaymentGuardState } from './refunds/payment-guard';
import type { OrchestratorErrorType } from './refunds/failures';
import type { RefundState } from './refunds/state';
import type { RefundStatus } from './refunds/status';
import type { RefundOutcome, RefundWorkflowOptions } from './workflows/refund/types';
import type { refund } from './workflows';

export type { RefundOutcome } from './workflows/refund/types';
export type { RefundRequestInput } from './providers';
export type { ActionResult, OperatorAction, ResolveAction } from './refunds/actions';
export type { RefundListFilter, RefundSummary } from './refund-list';

/** A second request with a known `refundId` but a different body. */
export class RefundConflictError extends Error {
  constructor(readonly refundId: string) {
    super(`refundId ${refundId} is already used by a refund with a different request`);
    this.name = 'RefundConflictError';
  }
}

export interface StartedRefund {
  readonly workflowId: string;
  readonly handle: WorkflowHandle<typeof refund>;
  /** `false` when this call found the refund already started by an earlier one. */
  readonly created: boolean;
  /** `RECEIVED` for a refund this call created; else its status now, from the search attributes. */
  readonly status: string;
}

/** Memo key holding a digest of the validated request, to tell a replay from a conflicting reuse. */
const REQUEST_DIGEST_MEMO = 'requestDigest';

/** The action with the authenticated identity beside `by` (the payload itself never claims one). */
function withActor<A extends OperatorAction>(action: A, by: ActOptions): A {
  return by.actor === undefined ? action : { ...action, actor: by.actor };
}

function requestDigest(request: RefundRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface RefundsClientOptions {
  /** Default `refunds`; tests run their own. */
  readonly taskQueue?: string;
  // No time scale, approval threshold or deadline: a refund's waits are its worker's configuration
  // (REFUND_TIME_SCALE, APPROVAL_*), never its starter's.
}

/** Who starts a refund: the authenticated identity (the API token's name), recorded in its state. */
export interface StartOptions {
  readonly initiatedBy?: string | undefined;
}

/** Who acts: the authenticated identity, recorded beside the free-text `by`. */
export interface ActOptions {
  readonly actor?: string | undefined;
}

/** A typed client for backends: starts refunds and reads and acts on them. */
export class RefundsClient {
  private readonly taskQueue: string;

  constructor(
    private readonly client: Client,
    options: RefundsClientOptions = {}
  ) {
    this.taskQueue = options.taskQueue ?? REFUNDS_TASK_QUEUE;
  }

  private workflowOptions(start: StartOptions): RefundWorkflowOptions {
    return {
      ...(start.initiatedBy !== undefined && { initiatedBy: start.initiatedBy }),
    };
  }

  /**
   * Validates the request (throwing `InvalidRefundRequestError` naming each bad field, with nothing
   * started) and starts its workflow. Idempotent on `refundId`: the same request again returns the
   * existing refund; a different request with the same `refundId` throws {@link RefundConflictError}.
   * A refundId is never run twice, not even after its refund has ended.
   */
  async start(input: RefundRequestInput, start: StartOptions = {}): Promise<StartedRefund> {
    const request = parseRefundRequest(input);
    const workflowId = refundWorkflowId(request.refundId);
    const digest = requestDigest(request);
    try {
      const handle = await this.client.workflow.start<typeof refund>('refund', {
        workflowId,
        taskQueue: this.taskQueue,
        args: [request, this.workflowOptions(start)],
        // Never start a second workflow for a refundId, open or closed: that would be a second refund.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        memo: { [REQUEST_DIGEST_MEMO]: digest },
        typedSearchAttributes: [
          { key: RefundStatusKey, value: 'RECEIVED' },
          { key: RefundProviderKey, value: request.provider },
          { key: PaymentIdKey, value: request.paymentId },
          { key: RefundAmountKey, value: request.amount.amountMinor },
          { key: RefundCurrencyKey, value: request.amount.currency },
          { key: NeedsAttentionKey, value: false },
        ],
        staticSummary: `${request.provider} refund of ${formatMoney(request.amount.amountMinor, request.amount.currency)} for payment ${request.paymentId}`,
      });
      // Started just now with this status; asking the server again would only cost a round trip.
      return { workflowId, handle, created: true, status: 'RECEIVED' };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const handle = this.client.workflow.getHandle<typeof refund>(workflowId);
      const description = await handle.describe();
      if (description.memo?.[REQUEST_DIGEST_MEMO] !== digest) throw new RefundConflictError(request.refundId);
      return {
        workflowId,
        handle,
        created: false,
        status: description.typedSearchAttributes.get(RefundStatusKey) ?? 'RECEIVED',
      };
    }
  }

  /** The refund's status from its search attributes: answered by the server alone, no worker needed. */
  async status(refundId: string): Promise<string> {
    const description = await this.handle(refundId).describe();
    return description.typedSearchAttributes.get(RefundStatusKey) ?? 'RECEIVED';
  }

  /** Hands a provider's event (a webhook) to its refund; the refund confirms it with the provider. */
  async deliverProviderEvent(refundId: string, event: ProviderEvent): Promise<void> {
    await this.handle(refundId).signal(providerEventSignal, event);
  }

  /** The refund's whole state (the `state` query). */
  async get(refundId: string): Promise<RefundState> {
    return this.handle(refundId).query(stateQuery);
  }

  /** Waits for the refund's final outcome. */
  async waitForOutcome(refundId: string): Promise<RefundOutcome> {
    return this.handle(refundId).result();
  }

  /**
   * Starts a refund and waits up to `waitMs` for it to end (synchronous providers usually answer
   * within seconds): its final state then, or `undefined` while it goes on. The HTTP API's
   * `Prefer: wait=<s>`, for a TypeScript backend.
   */
  async startAndWait(
    input: RefundRequestInput,
    waitMs: number,
    start: StartOptions = {}
  ): Promise<{ readonly started: StartedRefund; readonly final: RefundState | undefined }> {
    const started = await this.start(input, start);
    return { started, final: await this.outcomeWithin(parseRefundRequest(input).refundId, waitMs) };
  }

  /**
   * The final state of a refund that ends within `ms`, or `undefined` when it is still going then
   * (the long poll is aborted, not left running).
   */
  async outcomeWithin(refundId: string, ms: number): Promise<RefundState | undefined> {
    if (ms <= 0) return undefined;
    const deadline = AbortSignal.timeout(ms);
    try {
      await this.client.withAbortSignal(deadline, () => this.handle(refundId).result());
    } catch (err) {
      // The wait ran out (whatever error the aborted long poll surfaced as): still going.
      if (deadline.aborted) return undefined;
      if (!(err instanceof WorkflowFailedError)) throw err;
    }
    return this.get(refundId);
  }

  /** Refunds matching the filter, newest first, from visibility (search attributes). */
  async list(filter: RefundListFilter = {}): Promise<RefundSummary[]> {
    const parsed = refundListFilterSchema.parse(filter);
    const found: RefundSummary[] = [];
    for await (const wf of this.client.workflow.list({ query: visibilityQuery(parsed), pageSize: parsed.limit })) {
      const sa = wf.typedSearchAttributes;
      found.push({
        refundId: wf.workflowId.replace(/^refund-/, ''),
        status: sa.get(RefundStatusKey),
        provider: sa.get(RefundProviderKey),
        paymentId: sa.get(PaymentIdKey),
        amountMinor: sa.get(RefundAmountKey),
        currency: sa.get(RefundCurrencyKey),
        needsAttention: sa.get(NeedsAttentionKey),
        startedAt: wf.startTime.toISOString(),
        closedAt: wf.closeTime?.toISOString() ?? null,
      });
      if (found.length >= parsed.limit) break;
    }
    return found;
  }

  /** Lets a refund above the approval threshold go on; answers whether it was accepted, and why. */
  async approve(refundId: string, action: OperatorAction, by: ActOptions = {}): Promise<ActionResult> {
    const args: [OperatorAction] = [withActor(operatorActionSchema.parse(action), by)];
    return this.act(refundId, (handle) => handle.executeUpdate(approveUpdate, { args }));
  }

  async cancel(refundId: string, action: OperatorAction, by: ActOptions = {}): Promise<ActionResult> {
    const args: [OperatorAction] = [withActor(operatorActionSchema.parse(action), by)];
    return this.act(refundId, (handle) => handle.executeUpdate(cancelUpdate, { args }));
  }

  async escalate(refundId: string, action: OperatorAction, by: ActOptions = {}): Promise<ActionResult> {
    const args: [OperatorAction] = [withActor(operatorActionSchema.parse(action), by)];
    return this.act(refundId, (handle) => handle.executeUpdate(escalateUpdate, { args }));
  }

  async resolve(refundId: string, action: ResolveAction, by: ActOptions = {}): Promise<ActionResult> {
    const args: [ResolveAction] = [withActor(resolveActionSchema.parse(action), by)];
    return this.act(refundId, (handle) => handle.executeUpdate(resolveUpdate, { args }));
  }

  /** What a payment's guard holds: reservations, committed amounts, releases (operator tools). */
  async payment(provider: string, paymentId: string): Promise<PaymentGuardState> {
    return this.client.workflow.getHandle(paymentGuardWorkflowId(provider, paymentId)).query(guardStateQuery);
  }

  /**
   * Releases a reservation whose refund can no longer release it (the refund was terminated): its
   * reason and who asked are recorded at the guard. Refused while the refund still runs (resolve it
   * instead) and, by the guard's validator, when there is no such reservation.
   */
  async releaseReservation(
    provider: string,
    paymentId: string,
    refundId: string,
    action: OperatorAction,
    by: ActOptions = {}
  ): Promise<OperatorRelease> {
    const { reason, by: name } = operatorActionSchema.parse(action);
    if ((await workflowStatus(this.client, refundWorkflowId(refundId))) === 'RUNNING') {
      throw new Error(`refund ${refundId} is still running: resolve it; its reservation is its own to settle`);
    }
    // Never a new guard for a payment that has none: only an existing one (resumed from its ledger
    // if it closed after its quiet window) can hold a reservation to release.
    const guardId = paymentGuardWorkflowId(provider, paymentId);
    if ((await workflowStatus(this.client, guardId)) === undefined) {
      throw new Error(`no payment guard ${guardId}: nothing to release`);
    }
    return updatePaymentGuard(
      this.client,
      { provider, paymentId },
      { refundsTaskQueue: this.taskQueue },
      operatorReleaseUpdate,
      [{ refundId, reason, by: name, ...(by.actor !== undefined && { actor: by.actor }) }]
    );
  }

  /**
   * An update to a refund that has ended is refused by Temporal as "not found"; the refund exists,
   * so the answer is a refusal with its final status. A refund that never existed still throws.
   */
  private async act(
    refundId: string,
    run: (handle: WorkflowHandle<typeof refund>) => Promise<ActionResult>
  ): Promise<ActionResult> {
    try {
      return await run(this.handle(refundId));
    } catch (err) {
      // Refused by the update's validator: the refund's reason, and nothing in its history.
      if (
        err instanceof WorkflowUpdateFailedError &&
        err.cause instanceof ApplicationFailure &&
        err.cause.type === ('ActionRefused' satisfies OrchestratorErrorType)
      ) {
        return { accepted: false, note: err.cause.message, status: (await this.status(refundId)) as RefundStatus };
      }
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      const status = await this.status(refundId);
      return { accepted: false, note: `the refund has already ended: ${status}`, status: status as RefundStatus };
    }
  }

  private handle(refundId: string): WorkflowHandle<typeof refund> {
    return this.client.workflow.getHandle<typeof refund>(refundWorkflowId(refundId));
  }
}
