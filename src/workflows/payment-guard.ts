import * as wf from '@temporalio/workflow';

import {
  commitUpdate,
  guardStateQuery,
  operatorReleaseUpdate,
  releaseUpdate,
  reserveUpdate,
} from '../refunds/payment-guard';
import type {
  OperatorRelease,
  OperatorReleaseInput,
  PaymentGuardState,
  ReserveInput,
  ReserveResult,
} from '../refunds/payment-guard';

/** Operator releases kept in the guard's state: enough for any payment, bounded against misuse. */
const MAX_OPERATOR_RELEASES = 20;

const sum = (amounts: Readonly<Record<string, number>>): number => Object.values(amounts).reduce((a, b) => a + b, 0);

/**
 * One payment's refund ledger, as an entity workflow that never ends (it continues as new when its
 * history grows). Update handlers run one at a time in the order they arrive, so two concurrent
 * reservations can never both see the same refundable amount.
 */
export async function paymentGuard(initial: PaymentGuardState): Promise<void> {
  let state = initial;
  wf.setHandler(guardStateQuery, () => state);

  wf.setHandler(reserveUpdate, (input: ReserveInput): ReserveResult => {
    // A retried reservation of the same refund gets the same answer; it never reserves twice. Another
    // run of a refund it knows (a reset, a re-run) is refused: the first run may have reached the provider.
    if (input.refundId in state.reserved || input.refundId in state.committed) {
      const first = state.runs?.[input.refundId];
      if (input.runId !== undefined && first !== undefined && first !== input.runId) {
        return {
          accepted: false,
          refusal: 'rerun',
          reason: `refund ${input.refundId} was reserved by its run ${first}; this run (${input.runId}) may not reach the provider again`,
          refundableBeforeMinor: refundable(state),
        };
      }
      return { accepted: true, refundableBeforeMinor: refundable(state) };
    }
    if (state.currency !== null && state.currency !== input.currency) {
      return {
        accepted: false,
        reason: `the payment's refunds are in ${state.currency}, not ${input.currency}`,
        refundableBeforeMinor: refundable(state),
      };
    }
    const others = [...Object.keys(state.reserved), ...Object.keys(state.committed)];
    if (input.exclusive === true && others.length > 0) {
      return {
        accepted: false,
        reason: `only one refund may hold ${state.paymentId} at ${state.provider}, and ${others.slice(0, 3).join(', ')} does`,
        refundableBeforeMinor: refundable(state),
      };
    }
    const paymentAmountMinor = state.paymentAmountMinor ?? input.paymentAmountMinor;
    state = { ...state, currency: input.currency, paymentAmountMinor };
    const before = refundable(state);
    if (before !== null && input.amountMinor > before) {
      return {
        accepted: false,
        reason: `${input.amountMinor} exceeds the ${before} still refundable of ${paymentAmountMinor ?? '?'} (held by ${holders(state)})`,
        refundableBeforeMinor: before,
      };
    }
    state = {
      ...state,
      reserved: { ...state.reserved, [input.refundId]: input.amountMinor },
      ...(input.runId !== undefined && { runs: { ...state.runs, [input.refundId]: input.runId } }),
    };
    return { accepted: true, refundableBeforeMinor: before };
  });

  wf.setHandler(releaseUpdate, ({ refundId }) => {
    const { [refundId]: released, ...reserved } = state.reserved;
    state = {
      ...state,
      reserved,
      ...(released !== undefined && { released: { ...state.released, [refundId]: released } }),
    };
  });

  wf.setHandler(
    operatorReleaseUpdate,
    (input: OperatorReleaseInput): OperatorRelease => {
      const { [input.refundId]: amountMinor = 0, ...reserved } = state.reserved;
      const release: OperatorRelease = { ...input, amountMinor, at: new Date(Date.now()).toISOString() };
      state = {
        ...state,
        reserved,
        released: { ...state.released, [input.refundId]: amountMinor },
        operatorReleases: [...(state.operatorReleases ?? []), release].slice(-MAX_OPERATOR_RELEASES),
      };
      return release;
    },
    {
      // Refused before it reaches history: only a reservation that exists, with a reason and a name.
      validator: (input: OperatorReleaseInput) => {
        if (!(input?.refundId in state.reserved))
          throw new Error(`no reservation of ${String(input?.refundId)} to release`);
        if (typeof input.reason !== 'string' || input.reason.trim() === '') throw new Error('a reason is required');
        if (typeof input.by !== 'string' || input.by.trim() === '') throw new Error('by is required');
      },
    }
  );

  wf.setHandler(commitUpdate, ({ refundId, amountMinor }) => {
    if (refundId in state.committed) return;
    const { [refundId]: reservedAmount, ...reserved } = state.reserved;
    const amount = amountMinor ?? reservedAmount;
    state = {
      ...state,
      reserved,
      committed: amount === undefined ? state.committed : { ...state.committed, [refundId]: amount },
    };
  });

  await wf.condition(() => wf.workflowInfo().continueAsNewSuggested);
  await wf.condition(wf.allHandlersFinished);
  await wf.continueAsNew<typeof paymentGuard>(state);
}

/** Who holds the payment's refunded or reserved amount, for the refusal an operator reads. */
function holders(state: PaymentGuardState): string {
  const held = Object.entries({ ...state.committed, ...state.reserved });
  const named = held.slice(0, 10).map(([refundId, amount]) => `${refundId} ${amount}`);
  return held.length > named.length ? `${named.join(', ')} and ${held.length - named.length} more` : named.join(', ');
}

function refundable(state: PaymentGuardState): number | null {
  return state.paymentAmountMinor === null
    ? null
    : state.paymentAmountMinor - sum(state.committed) - sum(state.reserved);
}
