import type { Ledger } from '../../../sandbox/ledger';
import { instanceNumber } from '../../../sandbox/provider';

/**
 * OpenPayd's side of the world: payments that can be refunded, the account's settings, and every
 * refund transaction by the merchant's `referenceNo` (what the status read looks up).
 */

/** The payment methods OpenPayd's refund docs list as refundable; all others are declined. */
export const REFUNDABLE_METHODS: ReadonlySet<string> = new Set(['CREDITCARD', 'VISA']);

export interface OpenpaydPayment {
  readonly transactionId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly method: string;
  refundedMinor: number;
}

export interface OpenpaydTransaction {
  readonly code: string | number;
  readonly status: 'APPROVED' | 'DECLINED';
  readonly message: string;
  readonly transactionId: string;
  readonly referenceNo: string;
  readonly amount: string;
  readonly currency: string;
  readonly date: number;
}

export class OpenpaydStore {
  readonly payments = new Map<string, OpenpaydPayment>();
  /** Latest transaction per referenceNo. */
  readonly byReference = new Map<string, OpenpaydTransaction>();
  partialRefundsEnabled = false;
  private sequence = 0;
  /** OpenPayd ids look like `529-1438673740-2`; the first part is this sandbox's own number. */
  private readonly merchantNumber = instanceNumber(3);

  constructor(
    readonly apiKey: string,
    private readonly ledger: Ledger
  ) {}

  nextTransactionId(now: Date): string {
    this.sequence += 1;
    return `${this.merchantNumber}-${Math.floor(now.getTime() / 1000)}-${this.sequence}`;
  }

  createPayment(input: {
    amountMinor: number;
    currency: string;
    method: string;
    transactionId?: string | undefined;
  }): OpenpaydPayment {
    const payment: OpenpaydPayment = {
      transactionId: input.transactionId ?? this.nextTransactionId(new Date()),
      amountMinor: input.amountMinor,
      currency: input.currency,
      method: input.method,
      refundedMinor: 0,
    };
    this.payments.set(payment.transactionId, payment);
    return payment;
  }

  executeRefund(payment: OpenpaydPayment, amountMinor: number, referenceNo: string, now: Date): OpenpaydTransaction {
    payment.refundedMinor += amountMinor;
    const transactionId = this.nextTransactionId(now);
    this.ledger.record(
      {
        provider: 'openpayd',
        paymentId: payment.transactionId,
        providerRefundId: transactionId,
        reference: referenceNo,
        amountMinor,
        currency: payment.currency,
      },
      now
    );
    return this.remember({
      code: '00',
      status: 'APPROVED',
      message: 'Approved',
      transactionId,
      referenceNo,
      amount: String(amountMinor),
      currency: payment.currency,
      date: Math.floor(now.getTime() / 1000),
    });
  }

  remember(tx: OpenpaydTransaction): OpenpaydTransaction {
    this.byReference.set(tx.referenceNo, tx);
    return tx;
  }

  reset(): void {
    this.payments.clear();
    this.byReference.clear();
    this.partialRefundsEnabled = false;
  }
}
