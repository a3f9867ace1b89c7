import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

import type { ProviderFailureDetails, RefundFailureType } from '../refunds/provider-outcome';

import { ProviderCallError } from './http';

/**
 * How adapters hand failures to Temporal. A permanent answer (a decline) is non-retryable with a
 * stable `type` and the provider's code and message as details; everything that may pass is
 * retryable, so the activity's retry policy (not a loop in our code) decides when to try again.
 */

export function permanentFailure(
  type: RefundFailureType,
  provider: string,
  code: string | undefined,
  message: string | undefined
): ApplicationFailure {
  const details: ProviderFailureDetails = { provider, code, message };
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
export function outcomeUnknown(provider: string, message: string): ApplicationFailure {
  const details: ProviderFailureDetails = { provider, code: undefined, message };
  return ApplicationFailure.create({
    type: 'OutcomeUnknown',
    message: `${provider}: outcome unknown, not sending again: ${message}`,
    nonRetryable: true,
    details: [details],
  });
}

const retryableTypeOf: Record<ProviderCallError['kind'], string> = {
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
