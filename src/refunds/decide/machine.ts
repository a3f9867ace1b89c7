import type { AnswerKind, AnswerScope } from '../failures';
import type { RefundFailure } from '../state';

import type { AttentionCause } from './rules';

/**
 * The refund's decision core: `decide(profile, state, event)` → the next state, whose `next` is the
 * one thing the workflow does now. Pure and synchronous (no Temporal import), so every rule of
 * ./rules.ts is tested in milliseconds; the workflow (src/workflows/refund) only carries out
 * `next` and feeds back what happened.
 */

/** How a provider's lifecycle bears on decisions (from its profile). */
export interface DecisionProfile {
  /**
   * `same-key`: every resend carries the same idempotency key (SandPay's `reference`) or cannot
   * create a second refund (SecPaid's one request per link), so Temporal retries the submission.
   * `never`: nothing makes a resend safe; a submission is sent once, and again only after the
   * provider said it did not process it.
   */
  readonly resend: 'same-key' | 'never';
  /**
   * How an earlier attempt whose answer was lost is found without the provider's refund id.
   * `read`: a read by our reference; `watch`: it shows only when final (SecPaid's refund row), so
   * the refund waits for it as for an accepted one; `none`: it cannot be found, a person is asked.
   */
  readonly findEarlier: 'read' | 'watch' | 'none';
  /** Waits before each look for an earlier attempt (e.g. +1, +5, +30 min), then a person. */
  readonly confirmHorizonMs: readonly number[];
  /** Between reads while waiting, and between looks once the horizon has passed. */
  readonly readIntervalMs: number;
  readonly slowReadMs: number;
  /** Failed reads (answers that are not about the refund) before a person is asked; reading goes on. */
  readonly readErrorsBeforeAttention: number;
  /** Resends after "not processed" before a person is asked (sending goes on, slower). */
  readonly maxResends: number;
  readonly resendBackoff: { readonly initialMs: number; readonly coefficient: number; readonly maximumMs: number };
  /**
   * After a `retry-later` answer, the wait before a new submission: `quickMs` for the first
   * `quickAttempts`, then `slowMs`. Null: the provider has no retry-later.
   */
  readonly retryLater: { readonly quickMs: number; readonly quickAttempts: number; readonly slowMs: number } | null;
  /**
   * A reconciler reads the provider for every waiting refund of the account and wakes the one
   * whose record appears (SecPaid): the watch of an accepted refund begins with this wait, cut
   * short by that wake, instead of a read at once. Null: the watch reads at once.
   */
  readonly watchAfterMs?: number | null;
}

/** A provider's non-success answer as the workflow received it. */
export interface Answer {
  readonly kind: AnswerKind;
  readonly failure: RefundFailure;
  readonly scope: AnswerScope;
  /** An earlier attempt of the same call ran and may have reached the provider. */
  readonly afterEarlierAttempt: boolean;
  /** The provider's id of the transaction the answer is about, when it gave one. */
  readonly providerRefundId?: string | undefined;
}

export type SubmitResult =
  | {
      readonly ok: true;
      readonly kind: 'succeeded';
      readonly providerRefundId: string;
      readonly amountMinor: number | null;
    }
  | { readonly ok: true; readonly kind: 'pending'; readonly providerRefundId: string | null }
  | { readonly ok: false; readonly answer: Answer };

export type ReadResult =
  | { readonly kind: 'succeeded'; readonly providerRefundId: string; readonly amountMinor: number | null }
  /** Our refund, found and not final yet (after a look for an earlier attempt). */
  | { readonly kind: 'pending'; readonly providerRefundId: string | null }
  /** The provider's final word on this refund: `declined` or `retry-later`. */
  | { readonly kind: 'final'; readonly answer: Answer }
  /** A look for an earlier attempt found no record of ours (yet). */
  | { readonly kind: 'not-found' }
  /** Reads have failed past their bound (a person is asked; reading goes on). */
  | { readonly kind: 'failing'; readonly message: string }
  /** A read worked again after `failing`. */
  | { readonly kind: 'healthy' }
  /** The provider's usual time to finish has passed. */
  | { readonly kind: 'deadline'; readonly message: string };

export type ReadMode = 'watch' | 'find' | 'recheck';

export type Command =
  | { readonly do: 'submit'; readonly submission: number }
  | { readonly do: 'read'; readonly mode: ReadMode; readonly slow: boolean }
  | { readonly do: 'sleep'; readonly ms: number; readonly then: Command }
  /** Nothing can be learnt from the provider: only an operator's resolve moves the refund. */
  | { readonly do: 'hold' }
  | { readonly do: 'end'; readonly end: Ending };

export interface Ending {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly providerRefundId: string | null;
  /** The reservation: released (the provider's final word), kept as reserved, or committed at another amount. */
  readonly guard: 'release' | 'hold' | 'commit';
  readonly amountMinor: number | null;
  readonly failure: RefundFailure | null;
  readonly cause: string;
  readonly by: 'provider' | 'system' | 'operator';
  /** Keep reading slowly after the end: an operator said FAILED while the provider may hold it. */
  readonly watch: boolean;
}

export interface DecisionState {
  readonly next: Command;
  readonly submission: number;
  readonly resends: number;
  /** A request of this refund may have reached the provider without its final word since. */
  readonly mayHoldRefund: boolean;
  readonly providerRefundId: string | null;
  /** The provider accepted the refund (status PENDING_*), or it is being waited for as such. */
  readonly accepted: boolean;
  readonly confirmStep: number;
  /** Failed reads since the last good one; past the profile's bound they are retried by Temporal. */
  readonly readErrors: number;
  /** `retry-later` answers so far: past the profile's quick attempts, new ones come slowly. */
  readonly retryLaters: number;
  readonly deadlinePassed: boolean;
  readonly attention: Readonly<Partial<Record<AttentionCause, string>>>;
}

export type DecisionEvent =
  | { readonly type: 'submitted'; readonly result: SubmitResult }
  | { readonly type: 'read'; readonly result: ReadResult }
  | { readonly type: 'resolved'; readonly outcome: 'SUCCEEDED' | 'FAILED'; readonly reason: string };

export interface RefundFacts {
  readonly provider: string;
  readonly requestedMinor: number;
}

export function initialState(): DecisionState {
  return {
    next: { do: 'submit', submission: 1 },
    submission: 1,
    resends: 0,
    mayHoldRefund: false,
    providerRefundId: null,
    accepted: false,
    confirmStep: 0,
    readErrors: 0,
    retryLaters: 0,
    deadlinePassed: false,
    attention: {},
  };
}

/** Whether an operator's resolve is taken now: a person is asked, and no submission is in flight. */
export function canResolve(state: DecisionState): boolean {
  return state.next.do !== 'end' && state.next.do !== 'submit' && Object.keys(state.attention).length > 0;
}

export function decide(
  profile: DecisionProfile,
  facts: RefundFacts,
  state: DecisionState,
  event: DecisionEvent
): DecisionState {
  switch (event.type) {
    case 'submitted':
      return event.result.ok
        ? onAccepted(profile, facts, state, event.result)
        : onRefused(profile, state, event.result.answer);
    case 'read':
      return onRead(profile, facts, state, event.result);
    case 'resolved':
      return onResolved(facts, state, event.outcome, event.reason);
  }
}

function onAccepted(
  profile: DecisionProfile,
  facts: RefundFacts,
  state: DecisionState,
  result: Extract<SubmitResult, { ok: true }>
): DecisionState {
  const calm = clear(state, 'retry-later', 'provider-refusing', 'outcome-unknown');
  if (result.kind === 'succeeded') return succeeded(facts, calm, result.providerRefundId, result.amountMinor);
  return {
    ...calm,
    mayHoldRefund: true,
    accepted: true,
    providerRefundId: result.providerRefundId ?? state.providerRefundId,
    next: watchFromStart(profile),
  };
}

/** The first command of the watch of an accepted refund: a read, or a wait for the reconciler's wake. */
function watchFromStart(profile: DecisionProfile): Command {
  const read: Command = { do: 'read', mode: 'watch', slow: false };
  return profile.watchAfterMs ? { do: 'sleep', ms: profile.watchAfterMs, then: read } : read;
}

/** A submission that did not come back accepted. */
function onRefused(profile: DecisionProfile, state: DecisionState, answer: Answer): DecisionState {
  const mayHold = state.mayHoldRefund || answer.afterEarlierAttempt || answer.kind === 'unknown';
  const s = { ...state, mayHoldRefund: mayHold };
  switch (answer.kind) {
    case 'declined':
      if (answer.scope === 'refund' || !mayHold) return failed(s, answer.failure);
      return lookForEarlier(
        profile,
        s,
        'outcome-unknown',
        `${describe(answer)}, after an attempt that may have landed`
      );
    case 'already-done':
      // Rule 3: with nothing of ours that may have landed, the refund found is someone else's.
      if (!mayHold) return failed(s, answer.failure);
      return lookForEarlier(profile, s, 'already-done', `${describe(answer)}: probably our earlier attempt`);
    case 'retry-later':
      // Final for this submission when it is the provider's word on it; else like a decline.
      if (answer.scope === 'refund' || !mayHold) return retryLater(profile, s, answer);
      return lookForEarlier(
        profile,
        s,
        'outcome-unknown',
        `${describe(answer)}, after an attempt that may have landed`
      );
    case 'not-processed':
      if (mayHold) return lookForEarlier(profile, s, 'outcome-unknown', describe(answer));
      return resend(profile, s, answer);
    case 'unknown':
    case 'transient':
    case 'auth':
    case 'pending':
      if (profile.resend === 'same-key') return sendAgainLater(profile, s, answer);
      if (answer.kind === 'auth' && !mayHold) return sendAgainLater(profile, s, answer);
      return lookForEarlier(
        profile,
        s,
        'outcome-unknown',
        `${describe(answer)}: whether the refund arrived is unknown`
      );
  }
}

function onRead(profile: DecisionProfile, facts: RefundFacts, state: DecisionState, result: ReadResult): DecisionState {
  const current = state.next.do === 'sleep' ? state.next.then : state.next;
  const mode = current.do === 'read' ? current.mode : 'watch';
  switch (result.kind) {
    case 'succeeded':
      return succeeded(facts, clear(state, 'reads-failing'), result.providerRefundId, result.amountMinor);
    case 'pending':
      return {
        ...clear(state, 'reads-failing', 'outcome-unknown', 'already-done', 'retry-later'),
        readErrors: 0,
        accepted: true,
        mayHoldRefund: true,
        providerRefundId: result.providerRefundId ?? state.providerRefundId,
        next: { do: 'read', mode: 'watch', slow: state.deadlinePassed },
      };
    case 'final':
      // The old transaction of a `retry-later` is final: now a new submission.
      if (mode === 'recheck') return newSubmission(clear(state, 'reads-failing'));
      if (result.answer.kind === 'retry-later') return retryLater(profile, state, result.answer);
      if (result.answer.kind === 'declined' && result.answer.scope === 'refund')
        return failed(state, result.answer.failure);
      // Anything else is not a final word: read on.
      return readAgain(state, mode);
    case 'not-found':
      return notFound(profile, { ...clear(state, 'reads-failing'), readErrors: 0 });
    case 'failing': {
      // Each failed read comes back until the bound (a few events each); past it, Temporal retries
      // them at the cadence and only the first good read comes back ('healthy').
      const readErrors = state.readErrors + 1;
      const s = { ...state, readErrors };
      // Never again at once: a failure Temporal does not retry comes back immediately.
      const asked =
        readErrors < profile.readErrorsBeforeAttention
          ? s
          : raise(s, 'reads-failing', `${facts.provider}: ${result.message}; reading goes on`);
      return { ...asked, next: { do: 'sleep', ms: profile.readIntervalMs, then: readCommand(state, mode) } };
    }
    case 'healthy':
      return readAgain({ ...clear(state, 'reads-failing'), readErrors: 0 }, mode);
    case 'deadline':
      return {
        ...raise(state, 'deadline', result.message),
        deadlinePassed: true,
        next: { do: 'read', mode, slow: true },
      };
  }
}

function onResolved(
  facts: RefundFacts,
  state: DecisionState,
  outcome: 'SUCCEEDED' | 'FAILED',
  reason: string
): DecisionState {
  const failure = { type: 'ResolvedByOperator', providerCode: undefined, providerMessage: reason };
  const ending: Ending =
    outcome === 'SUCCEEDED'
      ? {
          status: 'SUCCEEDED',
          providerRefundId: state.providerRefundId,
          guard: 'hold',
          amountMinor: facts.requestedMinor,
          failure: null,
          cause: `resolved by operator: ${reason}`,
          by: 'operator',
          watch: false,
        }
      : {
          status: 'FAILED',
          providerRefundId: state.providerRefundId,
          // Rule 5: the provider may still hold it: the reservation stays and the refund is watched.
          guard: state.mayHoldRefund ? 'hold' : 'release',
          amountMinor: null,
          failure,
          cause: `resolved by operator: ${reason}`,
          by: 'operator',
          watch: state.mayHoldRefund,
        };
  return { ...state, attention: {}, next: { do: 'end', end: ending } };
}

function succeeded(
  facts: RefundFacts,
  state: DecisionState,
  providerRefundId: string,
  amountMinor: number | null
): DecisionState {
  const moved = amountMinor ?? facts.requestedMinor;
  const differs = moved !== facts.requestedMinor;
  const ended: DecisionState = {
    ...state,
    providerRefundId,
    attention: differs
      ? {
          'amount-differs': `${facts.provider} refunded ${moved}, not the ${facts.requestedMinor} requested (minor units)`,
        }
      : {},
    next: {
      do: 'end',
      end: {
        status: 'SUCCEEDED',
        providerRefundId,
        guard: differs ? 'commit' : 'hold',
        amountMinor: moved,
        failure: null,
        cause: `${facts.provider} refunded the payment`,
        by: 'provider',
        watch: false,
      },
    },
  };
  return ended;
}

function failed(state: DecisionState, failure: RefundFailure): DecisionState {
  return {
    ...state,
    attention: {},
    next: {
      do: 'end',
      end: {
        status: 'FAILED',
        providerRefundId: state.providerRefundId,
        guard: 'release',
        amountMinor: null,
        failure,
        cause: `the provider refused the refund: ${failure.type}`,
        by: 'provider',
        watch: false,
      },
    },
  };
}

/** Rule 3 and 4: find the earlier attempt by a read over the horizon, or ask a person. */
function lookForEarlier(
  profile: DecisionProfile,
  state: DecisionState,
  cause: AttentionCause,
  reason: string
): DecisionState {
  if (profile.findEarlier === 'watch') {
    return { ...state, mayHoldRefund: true, accepted: true, next: watchFromStart(profile) };
  }
  if (profile.findEarlier === 'none' || profile.confirmHorizonMs.length === 0) {
    return { ...raise(state, cause, `${reason}; find out at the provider, then resolve`), next: { do: 'hold' } };
  }
  const first = profile.confirmHorizonMs[0] ?? profile.slowReadMs;
  return {
    ...state,
    confirmStep: 0,
    next: { do: 'sleep', ms: first, then: { do: 'read', mode: 'find', slow: false } },
  };
}

function notFound(profile: DecisionProfile, state: DecisionState): DecisionState {
  const step = state.confirmStep + 1;
  const wait = profile.confirmHorizonMs[step];
  if (wait !== undefined) {
    return {
      ...state,
      confirmStep: step,
      next: { do: 'sleep', ms: wait, then: { do: 'read', mode: 'find', slow: false } },
    };
  }
  const asked = raise(
    state,
    'outcome-unknown',
    'no record of the refund at the provider after the last look, and no way to know it was not sent: find out at the provider, then resolve'
  );
  return {
    ...asked,
    confirmStep: step,
    next: { do: 'sleep', ms: profile.slowReadMs, then: { do: 'read', mode: 'find', slow: true } },
  };
}

/**
 * Final for this submission, not for the refund: after a while the old transaction is read once
 * more (mobile money may still credit a TIMEOUT), and only then a new submission is sent.
 */
function retryLater(profile: DecisionProfile, state: DecisionState, answer: Answer): DecisionState {
  if (profile.retryLater === null) return failed(state, answer.failure);
  const retryLaters = state.retryLaters + 1;
  const wait = retryLaters > profile.retryLater.quickAttempts ? profile.retryLater.slowMs : profile.retryLater.quickMs;
  const asked = raise(state, 'retry-later', `${describe(answer)}; a new attempt follows automatically`);
  const providerRefundId = answer.providerRefundId ?? state.providerRefundId;
  const then: Command =
    providerRefundId === null
      ? { do: 'submit', submission: state.submission + 1 }
      : { do: 'read', mode: 'recheck', slow: false };
  return {
    ...asked,
    // The old transaction is final by the provider's word, but it is read once more before
    // anything else: until then an operator's FAILED keeps the reservation (mobile money may still credit).
    mayHoldRefund: providerRefundId !== null,
    accepted: false,
    providerRefundId,
    ...(providerRefundId === null && { submission: state.submission + 1, resends: 0 }),
    retryLaters,
    next: { do: 'sleep', ms: wait, then },
  };
}

function newSubmission(state: DecisionState): DecisionState {
  const submission = state.submission + 1;
  return {
    ...state,
    submission,
    resends: 0,
    mayHoldRefund: false,
    accepted: false,
    providerRefundId: null,
    next: { do: 'submit', submission },
  };
}

function resend(profile: DecisionProfile, state: DecisionState, answer: Answer): DecisionState {
  const { initialMs, coefficient, maximumMs } = profile.resendBackoff;
  const wait = Math.min(initialMs * coefficient ** state.resends, maximumMs);
  const resends = state.resends + 1;
  if (resends <= profile.maxResends) {
    return { ...state, resends, next: { do: 'sleep', ms: wait, then: { do: 'submit', submission: state.submission } } };
  }
  // Past the bound a person is asked, and sending goes on at the slow cadence (a few events each).
  const asked = raise(state, 'provider-refusing', `${describe(answer)} (${resends} times); sending goes on`);
  return {
    ...asked,
    resends,
    next: { do: 'sleep', ms: profile.slowReadMs, then: { do: 'submit', submission: state.submission } },
  };
}

/** The same submission again, later: safe with the same key; a person is asked meanwhile. */
function sendAgainLater(profile: DecisionProfile, state: DecisionState, answer: Answer): DecisionState {
  const asked = raise(state, 'provider-refusing', `${describe(answer)}; sending again with the same key`);
  return {
    ...asked,
    next: { do: 'sleep', ms: profile.slowReadMs, then: { do: 'submit', submission: state.submission } },
  };
}

function readAgain(state: DecisionState, mode: ReadMode): DecisionState {
  return { ...state, next: readCommand(state, mode) };
}

function readCommand(state: DecisionState, mode: ReadMode): Command {
  const current = state.next.do === 'sleep' ? state.next.then : state.next;
  const slow = current.do === 'read' ? current.slow : state.deadlinePassed;
  return { do: 'read', mode, slow };
}

/** Whether failed reads are reported one by one (below the bound) or retried by Temporal. */
export function readErrorsRetried(profile: DecisionProfile, state: DecisionState): boolean {
  return state.readErrors >= profile.readErrorsBeforeAttention;
}

function raise(state: DecisionState, cause: AttentionCause, reason: string): DecisionState {
  return { ...state, attention: { ...state.attention, [cause]: reason } };
}

function clear(state: DecisionState, ...causes: AttentionCause[]): DecisionState {
  if (!causes.some((c) => c in state.attention)) return state;
  const attention = { ...state.attention };
  for (const c of causes) delete attention[c];
  return { ...state, attention };
}

function describe(answer: Answer): string {
  const { type, providerCode, providerMessage } = answer.failure;
  return `${type}${providerCode ? ` (${providerCode})` : ''}${providerMessage ? `: ${providerMessage}` : ''}`;
}
