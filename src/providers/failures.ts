import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

import type { AnswerScope, FailureType, ProviderFailureDetails } from '../refunds/failures';
import type { PollInput } from '../refunds/provider-outcome';

import { ProviderCallError } from './http';

/**
 * How adapters hand failures to Temporal. A permanent answer (a decline) is non-retryable with a
 * stable `type` and the provider's code and message as details; everything that may pass is
 * retryable, so the activity's retry policy (not a loop in our code) decides when to try again.
 */

/** What an answer is about (see {@link AnswerScope}), and the transaction it names. */
export interface AnswerFacts {
  readonly scope?: AnswerScope;
  readonly afterEarlierAttempt?: boolean;
  readonly providerRefundId?: string | undefined;
}

export function permanentFailure(
  type: FailureType,
  provider: string,
  code: string | undefined,
  message: string | undefined,
  facts: AnswerFacts = {}
): ApplicationFailure {
  const details: ProviderFailureDetails = { provider, code, message, ...facts };
  return ApplicationFailure.create({
    type,
    message: `${provider}: ${type}${code !== undefined ? ` (code ${code})` : ''}${message ? `: ${message}` : ''}`,
    nonRetryable: true,
    details: [details],
  });
}

/** When to read again: the poll interval, ± jitter so that many refunds spread their reads. */
export interface PollCadence {
  readonly intervalMs: number;
  readonly jitter: number;
}

/**
 * The refund is not final yet at the provider. Thrown from a poll activity: Temporal retries it
 * after the jittered interval, so waiting costs no history however many reads it takes.
 */
export function stillPending(provider: string, message: string, cadence?: PollCadence): ApplicationFailure {
  const delay = cadence ? Math.round(cadence.intervalMs * (1 + cadence.jitter * (2 * Math.random() - 1))) : undefined;
  return ApplicationFailure.create({
    type: 'RefundPending',
    message: `${provider}: ${message}`,
    // Expected while waiting: logged at DEBUG and kept out of activity failure metrics.
    category: ApplicationFailureCategory.BENIGN,
    ...(delay !== undefined && { nextRetryDelay: Math.max(1, delay) }),
  });
}

/**
 * The request may have reached the provider and it offers no way to find out: a person must
 * check. Non-retryable, so nothing is sent again; the workflow raises `NeedsAttention`.
 */
export function outcomeUnknown(provider: string, message: string, facts: AnswerFacts = {}): ApplicationFailure {
  const details: ProviderFailureDetails = { provider, code: undefined, message, ...facts };
  return ApplicationFailure.create({
    type: 'OutcomeUnknown',
    message: `${provider}: outcome unknown, not sending again: ${message}`,
    nonRetryable: true,
    details: [details],
  });
}

/** The provider said, or the connection shows, that it did not process the request: it may be sent again. */
export function notProcessed(provider: string, message: string, facts: AnswerFacts = {}): ApplicationFailure {
  const details: ProviderFailureDetails = { provider, code: undefined, message, ...facts };
  return ApplicationFailure.create({
    type: 'ProviderNotProcessed',
    message: `${provider}: ${message}`,
    nonRetryable: true,
    details: [details],
  });
}

/**
 * A send that cannot be repeated safely (no idempotency key) failed in transport: a refused
 * connection or a 429 never reached the refund (sent again later); anything else may have.
 */
export function sendFailure(provider: string, err: unknown): never {
  if (!(err instanceof ProviderCallError)) throw err;
  if (err.kind === 'not-sent' || (err.kind === 'http-status' && err.httpStatus === 429)) {
    throw notProcessed(provider, err.message);
  }
  // A timeout, a reset, any 5xx (the provider's edge may answer after the refund committed), an
  // unreadable answer: the refund may have happened.
  throw outcomeUnknown(provider, err.message);
}

/**
 * A read that says nothing about the refund (4xx, 5xx, an unexpected body, an auth error). Rule 1:
 * it never ends the refund. Reported to the workflow one by one (`report`), or retried at the
 * cadence once a person has been asked (`retry`).
 */
export function readFailure(
  provider: string,
  message: string,
  input: Pick<PollInput, 'readErrors' | 'intervalMs'>
): ApplicationFailure {
  if (input.readErrors === 'report') {
    return ApplicationFailure.create({
      type: 'ProviderReadFailing',
      message: `${provider}: ${message}`,
      nonRetryable: true,
      details: [{ provider, code: undefined, message } satisfies ProviderFailureDetails],
    });
  }
  return ApplicationFailure.create({
    type: 'ProviderReadFailing',
    message: `${provider}: ${message}`,
    nonRetryable: false,
    nextRetryDelay: Math.max(1, input.intervalMs),
  });
}

/** Runs one read, turning every failure that is not a decision into {@link readFailure}. */
export async function readProvider<T>(
  provider: string,
  input: Pick<PollInput, 'readErrors' | 'intervalMs'>,
  call: () => Promise<T>
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ProviderCallError) throw readFailure(provider, err.message, input);
    throw err;
  }
}

const retryableTypeOf: Record<ProviderCallError['kind'], FailureType> = {
  'not-sent': 'ProviderUnreachable',
  'outcome-unknown': 'OutcomeUnknown',
  'http-status': 'ProviderUnavailable',
  'invalid-body': 'ProviderResponseInvalid',
};

/**
 * A transport-level failure, retryable. `OutcomeUnknown` and `ProviderResponseInvalid` mean the
 * provider may have acted: the adapter's next attempt reads the provider's status before sending.
 */
export function transientFailure(provider: string, err: ProviderCallError): ApplicationFailure {
  const nextRetryDelay = err.retryAfterMs ?? err.settleMs;
  return ApplicationFailure.create({
    type: retryableTypeOf[err.kind],
    message: `${provider}: ${err.message}`,
    nonRetryable: false,
    ...(nextRetryDelay !== undefined && { nextRetryDelay }),
  });
}

/** Runs one provider call, turning transport failures into retryable `ApplicationFailure`s. */
export async function callProvider<T>(provider: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ProviderCallError) throw transientFailure(provider, err);
    throw err;
  }
}
