import type { FaultSpec } from '../src/sandbox/faults';
import type { LedgerEntry } from '../src/sandbox/ledger';

/** The sandbox's control API, as tests (and people) use it over HTTP. */
/** SecPaid's envelope for a token it does not take (a rotated token), as a `read-error` fault's body. */
export const SECPAID_TOKEN_REFUSED = {
  ResponseCode: 0,
  ResponseMsg: 'Incorrect token or missing token',
  Result: 'False',
  ServerTime: 'CET',
} as const;

/** `GET /_sandbox/secpaid/reads`: `getPayInTransactions` answered, as pages of the account and by link. */
export interface SecpaidReads {
  readonly pages: number;
  readonly byPayId: Readonly<Record<string, number>>;
}

export class SandboxApi {
  constructor(readonly url: string) {}

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  async fault(spec: Partial<FaultSpec> & Pick<FaultSpec, 'provider' | 'kind'>): Promise<void> {
    await this.call('POST', '/_sandbox/faults', spec);
  }

  async ledger(provider: string, paymentId: string): Promise<LedgerEntry[]> {
    return (
      await this.call<{ refunds: LedgerEntry[] }>(
        'GET',
        `/_sandbox/ledger?provider=${provider}&paymentId=${encodeURIComponent(paymentId)}`
      )
    ).refunds;
  }

  async secpaidReads(): Promise<SecpaidReads> {
    return this.call<SecpaidReads>('GET', '/_sandbox/secpaid/reads');
  }

  async secpaidLink(amountMinor: number, extra: Record<string, unknown> = {}): Promise<string> {
    return String(
      (await this.call<{ payId: number }>('POST', '/_sandbox/secpaid/payments', { amountMinor, ...extra })).payId
    );
  }

  async sandpayCollection(amountMinor: number, extra: Record<string, unknown> = {}): Promise<string> {
    return (
      await this.call<{ transactionId: string }>('POST', '/_sandbox/sandpay/payments', {
        amountMinor,
        currency: 'XOF',
        ...extra,
      })
    ).transactionId;
  }

  async paymentoptionsPayment(amountMinor: number, extra: Record<string, unknown> = {}): Promise<string> {
    return (
      await this.call<{ transactionId: string }>('POST', '/_sandbox/paymentoptions/payments', {
        amountMinor,
        currency: 'JPY',
        ...extra,
      })
    ).transactionId;
  }

  async openpaydPayment(amountMinor: number, extra: Record<string, unknown> = {}): Promise<string> {
    return (
      await this.call<{ transactionId: string }>('POST', '/_sandbox/openpayd/payments', {
        amountMinor,
        currency: 'EUR',
        ...extra,
      })
    ).transactionId;
  }

  async getpaidPayment(
    merchants: { accountId: string; amountMinor: number }[],
    extra: Record<string, unknown> = {}
  ): Promise<string> {
    return (await this.call<{ id: string }>('POST', '/_sandbox/getpaid/payments', { merchants, ...extra })).id;
  }
}
