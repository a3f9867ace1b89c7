import type { SecpaidTransaction } from '../../src/providers/secpaid/schemas';
import { judgePage, judgeRefundRows } from '../../src/providers/secpaid/refund-rows';
import type { WaitingSecpaidRefund } from '../../src/providers/secpaid/refund-rows';
import { berlinTimeToEpochMs } from '../../src/providers/secpaid/time';

const at = (text: string): number => berlinTimeToEpochMs(text)!;
const rowOf = (payId: string, amount: string, type: string, createdAt: string, id = `${payId}-${type}`) =>
  ({ pay_id: payId, amount, transaction_type: type, created_at: createdAt, transaction_id: id }) as SecpaidTransaction;

const waiting: WaitingSecpaidRefund = {
  refundId: 'r-1',
  payId: '101',
  amountMinor: 2050,
  firstRequestAt: at('2026-12-01 10:00:00'),
};

// Each row alone, against the refund above: what the fail-closed rules let it say.
const cases: [string, SecpaidTransaction, ReturnType<typeof judgeRefundRows>['kind']][] = [
  ['our negative Refund row, after our request', rowOf('101', '-20.50', 'Refund', '2026-12-01 10:00:01'), 'approved'],
  ['at the second of our request', rowOf('101', '-20.50', 'Refund', '2026-12-01 10:00:00'), 'approved'],
  ['before our request: an older refund', rowOf('101', '-20.50', 'Refund', '2026-12-01 09:59:59'), 'none'],
  ['another link', rowOf('102', '-20.50', 'Refund', '2026-12-01 11:00:00'), 'none'],
  ['the pay-in itself', rowOf('101', '49.99', 'Basic', '2026-12-01 11:00:00'), 'none'],
  ['a dispute refund', rowOf('101', '-20.50', 'Dispute Refund', '2026-12-01 11:00:00'), 'none'],
  ['another amount: not ours, not nothing', rowOf('101', '-20.49', 'Refund', '2026-12-01 11:00:00'), 'not-ours'],
  ['an amount that cannot be read', rowOf('101', '-20.5x', 'Refund', '2026-12-01 11:00:00'), 'not-ours'],
  ['no time that can be read', rowOf('101', '-20.50', 'Refund', 'yesterday'), 'none'],
];

it.each(cases)('a row: %s', (_what, row, kind) => {
  expect(judgeRefundRows([row], waiting).kind).toBe(kind);
});

it('finds ours among refund rows of other amounts on the same link', () => {
  const rows = [
    rowOf('101', '-5.00', 'Refund', '2026-12-01 11:00:00', 'a'),
    rowOf('101', '-20.50', 'Refund', '2026-12-01 12:00:00', 'b'),
  ];
  expect(judgeRefundRows(rows, waiting)).toEqual({ kind: 'approved', transactionId: 'b' });
});

it('judges a page for many refunds at once, as each one alone, and leaves out those it says nothing about', () => {
  const refunds: WaitingSecpaidRefund[] = Array.from({ length: 500 }, (_, i) => ({
    refundId: `r-${i}`,
    payId: String(1000 + i),
    amountMinor: 100 + i,
    firstRequestAt: at('2026-12-01 10:00:00'),
  }));
  const euros = (minor: number) => `-${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
  const rows = [
    rowOf('1007', euros(107), 'Refund', '2026-12-02 08:00:00', 'ok-7'),
    rowOf('1042', euros(999), 'Refund', '2026-12-02 08:00:00', 'odd-42'),
    rowOf('1099', euros(199), 'Refund', '2026-11-30 08:00:00', 'old-99'),
    ...refunds.map((r) => rowOf(r.payId, '10.00', 'Basic', '2026-11-01 08:00:00')),
  ];
  const verdicts = judgePage(rows, refunds);
  expect(Object.fromEntries(verdicts)).toEqual({
    'r-7': { kind: 'approved', transactionId: 'ok-7' },
    'r-42': { kind: 'not-ours', transactionId: 'odd-42', amount: '-9.99' },
  });
  for (const refund of refunds) {
    const alone = judgeRefundRows(rows, refund);
    expect(verdicts.get(refund.refundId) ?? { kind: 'none' }).toEqual(alone);
  }
});
