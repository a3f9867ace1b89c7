/**
 * The provider side's book of executed refunds: what each simulated provider actually paid back.
 * Tests read it through `/_sandbox/ledger` to prove that one refund request moved money once.
 */
export interface LedgerEntry {
  readonly provider: string;
  readonly paymentId: string;
  /** The provider's id of the refund transaction. */
  readonly providerRefundId: string;
  /** The reference the caller sent (idempotency key / referenceNo), when the provider takes one. */
  readonly reference: string | null;
  readonly amountMinor: number;
  readonly currency: string;
  readonly at: string;
}

export class Ledger {
  private readonly entries: LedgerEntry[] = [];

  record(entry: Omit<LedgerEntry, 'at'>, at = new Date()): LedgerEntry {
    const full = { ...entry, at: at.toISOString() };
    this.entries.push(full);
    return full;
  }

  list(filter: { provider?: string | undefined; paymentId?: string | undefined } = {}): LedgerEntry[] {
    return this.entries.filter(
      (e) =>
        (filter.provider === undefined || e.provider === filter.provider) &&
        (filter.paymentId === undefined || e.paymentId === filter.paymentId)
    );
  }

  clear(): void {
    this.entries.length = 0;
  }
}
