/**
 * The one failure vocabulary. Every provider answer that is not a success reaches the workflow as
 * an `ApplicationFailure` whose `type` is a key of {@link failureTypes}; each type belongs to one
 * {@link AnswerKind}, and {@link kindRules} says, once, what an answer of that kind may do. Adapters
 * can only build failures from this table (src/providers/failures.ts), and the decision core
 * (src/refunds/decide) reads nothing else. A type that is not in the table is `unknown`: the
 * refund can neither end nor resend on it.
 *
 * Workflow-safe: plain data.
 */

export const answerKinds = [
  /** The provider's final refusal. Of *this refund* (its own record) it ends the refund; of one request, only when no other request of the refund may have reached the provider. */
  'declined',
  /** "Already refunded", "duplicate", "already requested": someone's refund exists. Ours only if a read shows it. */
  'already-done',
  /** The provider says it did not process this request: the same refund may be sent again. */
  'not-processed',
  /** Final for this submission, yet a new submission may succeed later (a merchant float topped up). */
  'retry-later',
  /** The request may have reached the provider and its answer is lost. */
  'unknown',
  /** The call or the read failed for a reason that says nothing about the refund (5xx on a read, an odd body, 429). */
  'transient',
  /** The provider refused our credentials: a person must fix them; reads and sends go on meanwhile. */
  'auth',
  /** Not final yet at the provider: read again. */
  'pending',
] as const;

export type AnswerKind = (typeof answerKinds)[number];

export interface KindRule {
  /** May end the refund FAILED (and so release its reservation) on its own. */
  readonly mayEnd: 'yes' | 'only-if-nothing-earlier-may-have-landed' | 'no';
  /** May lead to sending the refund again. */
  readonly mayResend: 'same-submission' | 'new-submission' | 'no';
  /** Is settled by reading the provider. */
  readonly read: boolean;
  /** Asks a person (NeedsAttention) when it persists. */
  readonly ask: 'at-once' | 'after-a-bound' | 'no';
}

export const kindRules: Readonly<Record<AnswerKind, KindRule>> = {
  declined: { mayEnd: 'only-if-nothing-earlier-may-have-landed', mayResend: 'no', read: true, ask: 'after-a-bound' },
  'already-done': {
    mayEnd: 'only-if-nothing-earlier-may-have-landed',
    mayResend: 'no',
    read: true,
    ask: 'after-a-bound',
  },
  'not-processed': { mayEnd: 'no', mayResend: 'same-submission', read: false, ask: 'after-a-bound' },
  'retry-later': { mayEnd: 'no', mayResend: 'new-submission', read: true, ask: 'at-once' },
  unknown: { mayEnd: 'no', mayResend: 'no', read: true, ask: 'after-a-bound' },
  transient: { mayEnd: 'no', mayResend: 'same-submission', read: true, ask: 'after-a-bound' },
  auth: { mayEnd: 'no', mayResend: 'same-submission', read: true, ask: 'at-once' },
  pending: { mayEnd: 'no', mayResend: 'no', read: true, ask: 'no' },
};

/** Every `ApplicationFailure.type` a provider activity may throw, with its kind. */
export const failureTypes = {
  RefundDeclined: 'declined',
  InvalidRefundAmount: 'declined',
  PartialRefundNotAllowed: 'declined',
  PaymentMethodNotRefundable: 'declined',
  PaymentNotFound: 'declined',
  RefundBlockedByDispute: 'declined',
  RefundRejected: 'declined',
  ProviderRejectedRequest: 'declined',
  AlreadyRefunded: 'already-done',
  RefundAlreadyRequested: 'already-done',
  DuplicateReference: 'already-done',
  InsufficientMerchantFunds: 'retry-later',
  ProviderTemporarilyDeclined: 'retry-later',
  ProviderNotProcessed: 'not-processed',
  ProviderUnreachable: 'transient',
  OutcomeUnknown: 'unknown',
  ProviderUnavailable: 'transient',
  ProviderResponseInvalid: 'transient',
  ProviderReadFailing: 'transient',
  ProviderAuthFailed: 'auth',
  RefundPending: 'pending',
} as const satisfies Record<string, AnswerKind>;

export type FailureType = keyof typeof failureTypes;

/** The kind of a failure type; anything outside the table is `unknown` (fail closed). */
export function kindOf(type: string | undefined): AnswerKind {
  return type !== undefined && Object.hasOwn(failureTypes, type) ? failureTypes[type as FailureType] : 'unknown';
}

/**
 * What an answer is about. `refund`: the provider's own record of this refund (its status read, or
 * an idempotent replay of our key). `request`: only the request just sent, which says nothing of an
 * earlier request of the same refund.
 */
export type AnswerScope = 'refund' | 'request';

/** The first detail of every provider failure. */
export interface ProviderFailureDetails {
  readonly provider: string;
  readonly code: string | undefined;
  readonly message: string | undefined;
  /** Missing on failures recorded before the decision core: read as `request`. */
  readonly scope?: AnswerScope;
  /** An earlier attempt of this activity ran (it may have reached the provider). */
  readonly afterEarlierAttempt?: boolean;
  /** The provider's id of the transaction the answer is about, when it gave one. */
  readonly providerRefundId?: string | undefined;
}

/** Failure types of the orchestrator's own decisions (never a provider's). */
export const orchestratorFailureTypes = ['ExceedsRefundable', 'ResolvedByOperator', 'ReferenceTaken'] as const;

/**
 * Failures the orchestrator raises itself, outside a provider's answers and a refund's outcome:
 * each `ApplicationFailure.type` with what it means to whoever reads it.
 */
export const orchestratorErrorTypes = {
  ActionRefused: 'an operator action (update) refused by its validator, before it reached history',
  PaymentGuardClosed: "the payment's guard was terminated or failed: an operator restores it before refunding",
  NoWorkflowContext: 'a provider activity run outside a refund workflow (it has no idempotency key)',
  CallbackDestinationRefused: 'a callbackUrl whose host resolves to a refused address',
  CallbackUnreachable: 'a completion callback that did not get through (retried)',
  PaymentGuardUnanswered:
    "the payment's guard did not answer the reservation a synchronous provider's request waits on (src/activities/submit-in-task.ts): nothing was sent, and the refund reserves again on its own",
  WorkerStopping:
    "a payment-guard call on a worker that is shutting down: the refund's workflow task fails, so nothing of it is recorded, and the next worker makes the call again",
} as const;

export type OrchestratorErrorType = keyof typeof orchestratorErrorTypes;

/** The type of the in-task reservation's failure when the guard did not answer (its first detail: `{ claim }`, the update id to ask again with). */
export const GUARD_UNANSWERED: OrchestratorErrorType = 'PaymentGuardUnanswered';

/** The type of a guard call given up because its worker shuts down: the guard activities throw it, the refund workflow turns it into a workflow task failure, the log bridge expects it. */
export const WORKER_STOPPING: OrchestratorErrorType = 'WorkerStopping';
