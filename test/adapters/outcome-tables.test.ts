import { problemFailure, declined } from '../../src/providers/getpaid/outcome';
import type { GetpaidProblem } from '../../src/providers/getpaid/schemas';
import { refundOutcome } from '../../src/providers/openpayd/outcome';
import { openpaydAnswerSchema } from '../../src/providers/openpayd/schemas';
import { classify, declineFailure, httpFailure } from '../../src/providers/paymentoptions/outcome';
import { errorFailure, statusFailure, statusTypes } from '../../src/providers/sandpay/outcome';
import type { SandpayError } from '../../src/providers/sandpay/schemas';
import { sandpayStatusSchema } from '../../src/providers/sandpay/schemas';
import { ALREADY_REQUESTED, refusal } from '../../src/providers/secpaid/outcome';
import { kindOf } from '../../src/refunds/failures';
import type { AnswerKind, FailureType, ProviderFailureDetails } from '../../src/refunds/failures';

/**
 * One test per row of each provider's answer → outcome table (the doc comment of its outcome.ts),
 * named after the row. Rows decided in the activities (transport errors, successes, pending
 * answers) are not here: they need the stack. test/adapters/outcomes.test.ts holds the rest.
 */

type Failure = ReturnType<typeof refusal>;

function expectFailure(
  failure: Failure | undefined,
  type: FailureType,
  kind: AnswerKind,
  details: Partial<ProviderFailureDetails>
): void {
  expect(failure?.type).toBe(type);
  // The type alone means nothing to the decision core: it reads the kind.
  expect(kindOf(failure?.type ?? undefined)).toBe(kind);
  // A provider's answer is a decision: Temporal's retry policy must not resend on it.
  expect(failure?.nonRetryable).toBe(true);
  expect(failure?.details?.[0]).toMatchObject(details);
}

function thrown(run: () => unknown): Failure {
  try {
    run();
  } catch (err) {
    return err as Failure;
  }
  throw new Error('expected a failure to be thrown');
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const listed = (texts: readonly string[], mark: string) => texts.map((t) => `${mark}${t}${mark}`).join(', ');

describe('SecPaid: refundPayment ResponseCode 0 messages', () => {
  const rows: [FailureType, AnswerKind, string[]][] = [
    ['PaymentNotFound', 'declined', ['Invalid link ID', 'Link not found']],
    ['RefundDeclined', 'declined', ['Link is cancelled', 'Cannot refund invoice-type links']],
    ['RefundBlockedByDispute', 'declined', ['Refund blocked by dispute']],
    ['InvalidRefundAmount', 'declined', ['Invalid refund amount', 'Refund amount is required']],
    ['ProviderAuthFailed', 'auth', ['Incorrect token or missing token', 'Please enter token']],
    ['ProviderRejectedRequest', 'declined', ['Please enter pay_id', 'Please enter refund_amount']],
  ];
  // SecPaid's messages are matched exactly: a variant in case is "any other".
  const anyOther = ['Insufficient merchant balance', 'link not found', ''];
  it.each([
    ...rows.map(([type, kind, messages]) => [listed(messages, '"'), type, kind, messages] as const),
    ['any other `ResponseCode: 0`', 'RefundDeclined', 'declined', anyOther] as const,
  ])('%s → %s', (_, type, kind, messages) => {
    for (const message of messages) {
      const details = {
        provider: 'SecPaid',
        code: '0',
        message,
        scope: 'request',
        afterEarlierAttempt: false,
      } as const;
      expectFailure(refusal(message, { afterEarlierAttempt: false }), type, kind, details);
    }
  });

  // Whether it is ours is the decision core's call, so the earlier attempt must reach it.
  it('"Refund already requested" → RefundAlreadyRequested, carrying whether an earlier attempt ran', () => {
    expect(ALREADY_REQUESTED).toBe('Refund already requested');
    for (const afterEarlierAttempt of [true, false]) {
      const failure = refusal(ALREADY_REQUESTED, { afterEarlierAttempt });
      const details = { code: '0', scope: 'request', afterEarlierAttempt } as const;
      expectFailure(failure, 'RefundAlreadyRequested', 'already-done', details);
    }
  });
});

describe('GetPaid: POST /refunds problems', () => {
  type Answer = [number, GetpaidProblem, string];
  const e422 = (code: string): Answer => [422, { status: 422, errors: { payment_id: [code] } }, code];
  const bare = (status: number): Answer => [status, { title: 'x', status }, `HTTP ${status}`];
  it.each<[string, FailureType, AnswerKind, Answer[]]>([
    ['422 `already_refunded`', 'AlreadyRefunded', 'already-done', [e422('already_refunded')]],
    [
      '422 `exceeds_refundable_amount`, `exceeds_captured_amount`',
      'InvalidRefundAmount',
      'declined',
      [e422('exceeds_refundable_amount'), e422('exceeds_captured_amount')],
    ],
    ['422 `payout_not_started`', 'PartialRefundNotAllowed', 'declined', [e422('payout_not_started')]],
    [
      '422 other, 400 (the codes count on a 422 only)',
      'ProviderRejectedRequest',
      'declined',
      [
        e422('invalid_format'),
        bare(400),
        [400, { status: 400, errors: { payment_id: ['already_refunded'] } }, 'already_refunded'],
      ],
    ],
    ['409 (concurrent or duplicate: read before ending)', 'DuplicateReference', 'already-done', [bare(409)]],
    ['404', 'PaymentNotFound', 'declined', [bare(404)]],
    ['401 after one token refresh', 'ProviderAuthFailed', 'auth', [bare(401)]],
  ])('%s → %s', (_, type, kind, answers) => {
    for (const [status, problem, code] of answers) {
      expectFailure(problemFailure(status, problem), type, kind, { provider: 'GetPaid', code, scope: 'request' });
    }
  });

  // A read's final word is about our own refund (scope `refund`), so it may end it on its own.
  it("refund `failed` / `declined` → RefundDeclined, with GetPaid's reason code", () => {
    const reason = { code: 'insufficient_balance', description: 'Balance too low' };
    expectFailure(declined('rfd_1', reason), 'RefundDeclined', 'declined', {
      code: 'insufficient_balance',
      message: 'Balance too low',
      scope: 'refund',
      providerRefundId: 'rfd_1',
    });
    // The POST answer carries no reason: still a decline of that refund.
    const details = { code: 'failed', scope: 'refund', providerRefundId: 'rfd_2' } as const;
    expectFailure(declined('rfd_2', null), 'RefundDeclined', 'declined', details);
  });
});

describe('SandPay: refund statuses', () => {
  const declines = ['PIN_INVALID', 'ACCOUNT_BLOCKED', 'USER_CANCELLED', 'UNKNOWN_MSISDN', 'LIMIT_EXCEEDED'] as const;
  const rows: [FailureType, AnswerKind, Parameters<typeof statusFailure>[0][]][] = [
    ['InsufficientMerchantFunds', 'retry-later', ['INSUFFICIENT_FUNDS']],
    ['ProviderTemporarilyDeclined', 'retry-later', ['TIMEOUT', 'SERVICE_UNAVAILABLE']],
    ['RefundDeclined', 'declined', [...declines]],
    ['DuplicateReference', 'already-done', ['DUPLICATE_REFERENCE']],
  ];
  const named = rows.map(([type, kind, statuses]) => [listed(statuses, '`'), type, kind, statuses] as const);

  it.each(named)('%s → %s (the status is the code)', (_, type, kind, statuses) => {
    for (const status of statuses) {
      // DUPLICATE_REFERENCE is ours only after an earlier attempt: the fact must get through.
      for (const afterEarlierAttempt of [true, false]) {
        const details = { provider: 'SandPay', code: status, afterEarlierAttempt };
        expectFailure(statusFailure(status, 'TX_RF1', { afterEarlierAttempt }), type, kind, details);
      }
    }
  });

  // A status missing from the table would fall to no row; SUCCESS and PENDING are no failure at all.
  it('every status but `SUCCESS` and `PENDING` is a row above', () => {
    const failing = sandpayStatusSchema.options.filter((s) => s !== 'SUCCESS' && s !== 'PENDING').sort();
    expect(Object.keys(statusTypes).sort()).toEqual(failing);
    expect(rows.flatMap(([, , statuses]) => statuses).sort()).toEqual(failing);
  });
});

describe('SandPay: refund call errors', () => {
  const error = (code: string, detail?: unknown): SandpayError => ({ error: code, message: `${code}!`, detail });
  const amount = { fieldErrors: { amount: ['must be at most 500'] } };
  const reference = { fieldErrors: { reference: ['Required'] } };
  it.each<[string, FailureType, AnswerKind, number, SandpayError]>([
    ['400 `invalid_body` on `amount`', 'InvalidRefundAmount', 'declined', 400, error('invalid_body', amount)],
    ['400 other', 'ProviderRejectedRequest', 'declined', 400, error('invalid_body', reference)],
    [
      '400 not `invalid_body`, on `amount`',
      'ProviderRejectedRequest',
      'declined',
      400,
      error('amount_too_high', amount),
    ],
    ['401', 'ProviderAuthFailed', 'auth', 401, error('unauthorized')],
    ['404', 'PaymentNotFound', 'declined', 404, error('not_found')],
  ])('%s → %s', (_, type, kind, status, answer) => {
    // An error answers only this request, whatever the attempt: it names no refund.
    const details = {
      code: answer.error,
      message: answer.message,
      scope: 'request',
      afterEarlierAttempt: true,
    } as const;
    expectFailure(errorFailure(status, answer, { afterEarlierAttempt: true }), type, kind, details);
  });

  it('402 `quota_exceeded` → no decision here: the caller retries it as ProviderUnavailable', () => {
    expect(errorFailure(402, error('quota_exceeded'), {})).toBeUndefined();
    expect(kindOf('ProviderUnavailable')).toBe('transient');
  });
});

describe('OpenPayd: refund call answers', () => {
  const request: Parameters<typeof refundOutcome>[1] = {
    provider: 'openpayd',
    refundId: 'r1',
    paymentId: '529-1438673740-2',
    amount: { amountMinor: 1000, currency: 'EUR' },
    full: true,
    requestedBy: 'test',
  };
  const approved = { code: '00', status: 'APPROVED', message: 'Approved', referenceNo: 'ref-1' };
  const answer = (fields: Record<string, unknown>) => openpaydAnswerSchema.parse({ ...approved, ...fields });

  it.each<[string, Record<string, unknown>, ReturnType<typeof refundOutcome>]>([
    // A full refund may move less than asked: only the provider's amount is what moved.
    [
      "`APPROVED` → succeeded (the provider's amount)",
      { transactionId: '9-9-9', amount: '600' },
      { kind: 'succeeded', providerRefundId: '9-9-9', amountMinor: 600 },
    ],
    [
      '`PENDING` → pending, read by `referenceNo`',
      { code: '01', status: 'PENDING' },
      { kind: 'pending', providerRefundId: 'ref-1' },
    ],
  ])('%s', (_, fields, outcome) => {
    expect(refundOutcome(answer(fields), request, 'ref-1')).toEqual(outcome);
  });

  it.each<[string, FailureType, AnswerKind, (string | number)[]]>([
    ['`DECLINED` 32 "Already refunded"', 'AlreadyRefunded', 'already-done', [32]],
    ['`DECLINED` 188', 'ProviderRejectedRequest', 'declined', [188]],
    ['other `DECLINED`', 'RefundDeclined', 'declined', [5, '51', 100]],
  ])('%s → %s', (_, type, kind, codes) => {
    for (const code of codes) {
      const message = type === 'AlreadyRefunded' ? 'Already refunded' : 'Declined';
      const failure = thrown(() => refundOutcome(answer({ code, status: 'DECLINED', message }), request, 'ref-1'));
      // OpenPayd sends codes as numbers or strings; the detail is always its two-digit form.
      const details = { provider: 'OpenPayd', code: String(code).padStart(2, '0'), message, scope: 'request' } as const;
      expectFailure(failure, type, kind, details);
    }
  });

  // Even an approval is not adopted when it names another reference: it may be another refund.
  it('an answer for another `referenceNo` → OutcomeUnknown', () => {
    for (const status of ['APPROVED', 'PENDING', 'DECLINED']) {
      const failure = thrown(() => refundOutcome(answer({ status, referenceNo: 'ref-2' }), request, 'ref-1'));
      expectFailure(failure, 'OutcomeUnknown', 'unknown', { provider: 'OpenPayd', code: undefined });
    }
  });
});

describe('PaymentOptions: response codes and HTTP answers', () => {
  const expectClass = (codes: number[], cls: ReturnType<typeof classify>) => {
    // The code rides along so that a failure names it.
    for (const code of codes) expect([code, classify(code)]).toEqual([code, cls]);
  };
  const carvedOut = [451, 458];

  it('`success` and 0 → succeeded', () => expectClass([0], 'approved'));

  // 678, 681 and 703 fall inside 676–704 but are named by the "Try again" row, which wins.
  it('578 pending, 676–704 "result is unclear", 68 time out → pending', () =>
    expectClass([578, 68, ...range(676, 704).filter((c) => ![678, 681, 703].includes(c))], 'unclear'));

  it('"Try again" codes (-1, 19, 28, 91, 96, 443–460 but 451/458, 675/678/681/703/705) → not processed', () => {
    expectClass([-1, 19, 28, 91, 96, 675, 678, 681, 703, 705], 'try-again');
    expectClass(
      range(443, 460).filter((c) => !carvedOut.includes(c)),
      'try-again'
    );
    expectClass(carvedOut, 'declined');
  });

  // 451 and 458, carved out of the "Try again" range, are "any other code".
  const otherCodes = [5, 12, 14, 51, 57, 58, 93, 833, ...carvedOut];
  it.each<[string, FailureType, AnswerKind, number[], number[]]>([
    ['13, 836', 'InvalidRefundAmount', 'declined', [13, 836], []],
    ['25, HTTP 404', 'PaymentNotFound', 'declined', [25], [404]],
    ['79 "already reversed", 94 "duplicate transmission"', 'AlreadyRefunded', 'already-done', [79, 94], []],
    ['30, HTTP 400', 'ProviderRejectedRequest', 'declined', [30], [400]],
    ['3, HTTP 401', 'ProviderAuthFailed', 'auth', [3], [401]],
    ['any other code (5, 12, 14, 51, 57, 58, 93, 833, …)', 'RefundDeclined', 'declined', otherCodes, []],
  ])('%s → %s', (_, type, kind, codes, httpStatuses) => {
    // Only a `declined` code reaches declineFailure: any other class would bypass this row.
    expectClass(codes, 'declined');
    for (const code of codes) {
      const details = { provider: 'PaymentOptions', code: String(code), scope: 'request' } as const;
      expectFailure(declineFailure(code, 'x', { scope: 'request' }), type, kind, details);
    }
    for (const status of httpStatuses) {
      const details = { provider: 'PaymentOptions', code: `HTTP ${status}`, scope: 'request' } as const;
      expectFailure(httpFailure(status, 'x'), type, kind, details);
    }
  });
});
