import * as wf from '@temporalio/workflow';

import type { Activities } from '../activities';
import { resolveSignal, stateQuery } from '../refunds/messages';
import type { ResolveAction } from '../refunds/messages';
import type { ProviderFailureDetails, SubmitOutcome } from '../refunds/provider-outcome';
import type { RefundRequest } from '../refunds/request';
import { NeedsAttentionKey, RefundStatusKey } from '../refunds/search-attributes';
import type { ProviderAttempt, RefundFailure, RefundState } from '../refunds/state';
import { canMoveTo } from '../refunds/status';
import type { RefundStatus } from '../refunds/status';

/** The final word of a refund workflow: its result as well as its last `state`. */
export interface RefundOutcome {
  readonly status: Extract<RefundStatus, 'SUCCEEDED' | 'FAILED' | 'CANCELLED'>;
  readonly providerRefundId: string | null;
  readonly failure: RefundFailure | null;
}

type SubmitActivityName = `${RefundRequest['provider']}SubmitRefund`;

/**
 * Synchronous providers answer within seconds. Retries back off to a minute and stop after an
 * hour; each retry of a provider call is safe because the adapter reads the provider's status
 * before it sends again.
 */
const providerCalls = wf.proxyActivities<Pick<Activities, SubmitActivityName>>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const SYSTEM = 'system';

/** Drives one refund from request to a final outcome. Workflow id `refund-<refundId>`. */
export async function refund(request: RefundRequest): Promise<RefundOutcome> {
  let state: RefundState = {
    refundId: request.refundId,
    provider: request.provider,
    paymentId: request.paymentId,
    amount: request.amount,
    full: request.full,
    requestedBy: request.requestedBy,
    status: 'RECEIVED',
    needsAttention: false,
    attentionReason: null,
    providerRefundId: null,
    failure: null,
    attempts: [],
    transitions: [{ from: null, to: 'RECEIVED', at: now(), cause: 'refund requested', by: request.requestedBy }],
  };
  let resolution: ResolveAction | undefined;
  wf.setHandler(stateQuery, () => state);
  wf.setHandler(resolveSignal, (action) => {
    if (!state.needsAttention || resolution !== undefined) {
      wf.log.warn('resolve ignored: the refund does not need attention', { by: action.by, status: state.status });
      return;
    }
    resolution = action;
  });

  const moveTo = (to: RefundStatus, cause: string, by: string = SYSTEM): void => {
    if (!canMoveTo(state.status, to)) return;
    state = {
      ...state,
      status: to,
      transitions: [...state.transitions, { from: state.status, to, at: now(), cause, by }],
    };
    wf.upsertSearchAttributes([{ key: RefundStatusKey, value: to }]);
  };
  const recordAttempt = (attempt: Omit<ProviderAttempt, 'at'>): void => {
    state = { ...state, attempts: [...state.attempts, { ...attempt, at: now() }] };
  };
  const raiseAttention = (reason: string): void => {
    state = { ...state, needsAttention: true, attentionReason: reason };
    wf.upsertSearchAttributes([{ key: NeedsAttentionKey, value: true }]);
  };

  moveTo('SUBMITTING', 'sending the refund to the provider');
  const submitActivity: SubmitActivityName = `${request.provider}SubmitRefund`;
  let outcome: SubmitOutcome;
  try {
    outcome = await providerCalls[submitActivity](request);
  } catch (err) {
    const failure = permanentFailureOf(err);
    if (failure === undefined) {
      // Retries ran out without a definite answer: a person has to find out what happened.
      const message = err instanceof wf.ActivityFailure && err.cause ? err.cause.message : String(err);
      recordAttempt({ step: 'submit', outcome: 'error', message });
      raiseAttention(`provider outcome unknown after retries: ${message}`);
      await wf.condition(() => resolution !== undefined);
      return resolve(resolution!);
    }
    recordAttempt({ step: 'submit', outcome: 'failed', code: failure.providerCode, message: failure.providerMessage });
    state = { ...state, failure };
    moveTo('FAILED', `${request.provider} refused the refund: ${failure.type}`, request.provider);
    return { status: 'FAILED', providerRefundId: null, failure };
  }

  /** The operator's final word: ends the refund and clears `NeedsAttention`. */
  function resolve(action: ResolveAction): RefundOutcome {
    state = { ...state, needsAttention: false, attentionReason: null };
    wf.upsertSearchAttributes([{ key: NeedsAttentionKey, value: false }]);
    const failure: RefundFailure | null =
      action.outcome === 'FAILED'
        ? { type: 'ResolvedByOperator', providerCode: undefined, providerMessage: action.reason }
        : null;
    state = { ...state, failure };
    moveTo(action.outcome, `resolved by operator: ${action.reason}`, action.by);
    return { status: action.outcome, providerRefundId: state.providerRefundId, failure };
  }

  recordAttempt({ step: 'submit', outcome: outcome.kind });
  state = { ...state, providerRefundId: outcome.providerRefundId };
  moveTo('SUCCEEDED', `${request.provider} approved the refund`, request.provider);
  return { status: 'SUCCEEDED', providerRefundId: outcome.providerRefundId, failure: null };
}

function now(): string {
  return new Date(Date.now()).toISOString();
}

/** The provider's permanent refusal inside an activity failure, or `undefined` for anything else. */
function permanentFailureOf(err: unknown): RefundFailure | undefined {
  if (!(err instanceof wf.ActivityFailure) || !(err.cause instanceof wf.ApplicationFailure)) return undefined;
  const cause = err.cause;
  if (!cause.nonRetryable || cause.type == null) return undefined;
  const details = cause.details?.[0] as ProviderFailureDetails | undefined;
  return { type: cause.type, providerCode: details?.code, providerMessage: details?.message };
}
