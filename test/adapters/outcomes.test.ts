import { isOurs, refundOutcome } from '../../src/providers/openpayd/outcome';
import { openpaydAnswerSchema } from '../../src/providers/openpayd/schemas';
import { classify, isRefundDecline } from '../../src/providers/paymentoptions/outcome';
import { statusFailure, statusTypes } from '../../src/providers/sandpay/outcome';
import { kindOf } from '../../src/refunds/failures';
import type { RequestOf } from '../../src/providers';

/** Table tests of the adapters' own decisions: what an answer means, and when it is ours. */
const openpayd = (full: boolean): RequestOf<'openpayd'> => ({
  provider: 'openpayd',
  refundId: 'r1',
  paymentId: '529-1438673740-2',
  amount: { amountMinor: 1000, currency: 'EUR' },
  full,
  requestedBy: 'test',
});
const answer = (fields: Record<string, unknown>) =>
  openpaydAnswerSchema.parse({ code: '00', status: 'APPROVED', message: 'Approved', ...fields });
const sent = '2026-12-01T10:00:00.000Z';
const after = Date.parse(sent) / 1000 + 5;

describe('OpenPayd: a status-read record is ours only on every field', () => {
  const ours = { referenceNo: 'ref-1', transactionId: '1-2-3', amount: '1000', currency: 'EUR', date: after };
  it.each([
    ['our record', ours, false, true],
    ['another referenceNo', { ...ours, referenceNo: 'ref-2' }, false, false],
    ["the sale's own record", { ...ours, transactionId: '529-1438673740-2' }, false, false],
    ['older than our request', { ...ours, date: after - 3600 }, false, false],
    ['without a date', { ...ours, date: undefined }, false, false],
    ['another currency', { ...ours, currency: 'USD' }, false, false],
    ['another amount (partial)', { ...ours, amount: '999' }, false, false],
    ['another amount (full: what was left)', { ...ours, amount: '600' }, true, true],
    ['no amount (full)', { ...ours, amount: undefined }, true, false],
  ])('%s', (_what, fields, full, expected) => {
    expect(isOurs(answer(fields), openpayd(full), 'ref-1', sent)).toBe(expected);
  });

  it('reads only the documented decline codes; any other is a plain decline of the request', () => {
    const decline = (code: number) => {
      try {
        refundOutcome(answer({ code, status: 'DECLINED', message: 'x' }), openpayd(true), 'ref-1');
      } catch (err) {
        return (err as { type?: string }).type;
      }
      return undefined;
    };
    expect(decline(32)).toBe('AlreadyRefunded');
    expect(kindOf(decline(32))).toBe('already-done');
    expect(decline(188)).toBe('ProviderRejectedRequest');
    expect(decline(33)).toBe('RefundDeclined');
    expect(decline(39)).toBe('RefundDeclined');
  });
});

describe('PaymentOptions: which codes end a refund on its own status read', () => {
  it.each([
    [0, 'approved', false],
    [578, 'unclear', false],
    [690, 'unclear', false],
    [96, 'try-again', false],
    [5, 'declined', true],
    [51, 'declined', true],
    [25, 'declined', false],
    [30, 'declined', false],
    [1295, 'declined', false],
    [79, 'declined', false],
  ])('code %s: %s, final decline of the refund: %s', (code, cls, final) => {
    expect(classify(code)).toBe(cls);
    expect(isRefundDecline(code)).toBe(final);
  });
});

describe('SandPay: a status names its transaction', () => {
  it.each(Object.keys(statusTypes))('%s', (status) => {
    const failure = statusFailure(status as keyof typeof statusTypes, 'TX_RF1');
    const details = failure.details?.[0] as { scope: string; providerRefundId: string };
    expect(details.providerRefundId).toBe('TX_RF1');
    expect(details.scope).toBe(status === 'DUPLICATE_REFERENCE' ? 'request' : 'refund');
    expect(kindOf(failure.type ?? undefined)).not.toBe('unknown');
  });
});
