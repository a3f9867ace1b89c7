import { fromMajorUnitString } from '../../refunds/minor-units';

import type { SecpaidTransaction } from './schemas';
import { berlinTimeToEpochMs } from './time';

/**
 * What a `getPayInTransactions` row says about one waiting SecPaid refund, as the fail-closed rules
 * allow: only a negative `Refund` row of its link, no older than its first request, of its amount,
 * is its approval. A refund row of the link since then with another amount (or one that cannot be
 * read) is not ours and not nothing: a person must look. Pure, so one page of an account's rows
 * can be judged for many refunds at once exactly as one refund's own read is.
 */
export interface WaitingSecpaidRefund {
  readonly refundId: string;
  readonly payId: string;
  readonly amountMinor: number;
  /** When our first request was sent (epoch ms); null when unknown, and then any refund row counts. */
  readonly firstRequestAt: number | null;
}

export type RefundRowVerdict =
  | { readonly kind: 'approved'; readonly transactionId: string }
  | { readonly kind: 'not-ours'; readonly transactionId: string; readonly amount: string }
  | { readonly kind: 'none' };

export function isRefundRow(row: SecpaidTransaction): boolean {
  // Only a `Refund` row: `Dispute Refund` rows are refunds too (is_refund), but not ours.
  return row.transaction_type === 'Refund' && row.amount.trim().startsWith('-');
}

/** The row's time, or -Infinity when it has none that can be read (then it is never ours). */
export function rowTime(row: SecpaidTransaction): number {
  const time = row.created_at === undefined ? undefined : berlinTimeToEpochMs(row.created_at);
  return time ?? Number.NEGATIVE_INFINITY;
}

/** "-49.99" → 4999, exactly; undefined when it is not an EUR amount. */
function minorFromNegative(value: string): number | undefined {
  const trimmed = value.trim();
  return trimmed.startsWith('-') ? fromMajorUnitString(trimmed.slice(1), 'EUR') : undefined;
}

/** The verdict on one refund from rows that may hold other links' rows too. */
export function judgeRefundRows(rows: readonly SecpaidTransaction[], refund: WaitingSecpaidRefund): RefundRowVerdict {
  const since = refund.firstRequestAt;
  const refundRows = rows.filter(
    (r) => r.pay_id === refund.payId && isRefundRow(r) && (since === null || rowTime(r) >= since)
  );
  const ours = refundRows.find((r) => minorFromNegative(r.amount) === refund.amountMinor);
  if (ours) return { kind: 'approved', transactionId: ours.transaction_id };
  const other = refundRows[0];
  return other ? { kind: 'not-ours', transactionId: other.transaction_id, amount: other.amount } : { kind: 'none' };
}

/**
 * One page of an account's rows against every refund waiting on it: the refunds the page says
 * something about (approved, or a refund row that is not theirs), each judged by
 * {@link judgeRefundRows} on its own link's rows. Rows are grouped by link once.
 */
export function judgePage(
  rows: readonly SecpaidTransaction[],
  waiting: readonly WaitingSecpaidRefund[]
): Map<string, Exclude<RefundRowVerdict, { kind: 'none' }>> {
  const byLink = new Map<string, SecpaidTransaction[]>();
  for (const row of rows) {
    if (!isRefundRow(row)) continue;
    const list = byLink.get(row.pay_id) ?? [];
    list.push(row);
    byLink.set(row.pay_id, list);
  }
  const verdicts = new Map<string, Exclude<RefundRowVerdict, { kind: 'none' }>>();
  for (const refund of waiting) {
    const linkRows = byLink.get(refund.payId);
    if (!linkRows) continue;
    const verdict = judgeRefundRows(linkRows, refund);
    if (verdict.kind !== 'none') verdicts.set(refund.refundId, verdict);
  }
  return verdicts;
}
