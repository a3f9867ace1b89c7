import { providerRequest } from '../http';
import { parseProviderBody } from '../validation';

import { secpaidEnvelopeSchema, secpaidTransactionsSchema } from './schemas';
import type { SecpaidEnvelope, SecpaidTransaction } from './schemas';

export interface SecpaidSettings {
  /** e.g. `https://app.secpaid.com` (the sandbox: `http://127.0.0.1:4010/secpaid`). */
  readonly baseUrl: string;
  readonly token: string;
  readonly timeoutMs: number;
}

/** SecPaid `/api/v2`: every endpoint is a POST with the `token` header. */
export class SecpaidClient {
  constructor(private readonly settings: SecpaidSettings) {}

  /**
   * `refundPayment`. `refundAmount` is the EUR amount as an exact decimal string ("49.99"); it is
   * written into the JSON text as a number literal as it is, so no float arithmetic ever touches it.
   */
  async refundPayment(payId: string, refundAmount: string, isFullRefund: boolean): Promise<SecpaidEnvelope> {
    if (!/^\d+$/.test(payId) || !/^\d+\.\d{2}$/.test(refundAmount)) {
      throw new Error(`SecPaid refund needs an integer pay_id and a 2-decimal amount, got ${payId} / ${refundAmount}`);
    }
    const body = `{"pay_id":${payId},"refund_amount":${refundAmount},"isFullRefund":${isFullRefund}}`;
    return parseProviderBody('SecPaid', secpaidEnvelopeSchema, await this.post('/api/v2/refundPayment', body));
  }

  /** `getPayInTransactions` for one payment: its pay-in and, once approved, its negative Refund entry. */
  async payInTransactions(payId: string): Promise<{ envelope: SecpaidEnvelope; rows: SecpaidTransaction[] }> {
    const json = await this.post(
      '/api/v2/getPayInTransactions',
      JSON.stringify({ pay_id: Number(payId), page: 1, limit: 200 })
    );
    const parsed = parseProviderBody('SecPaid', secpaidTransactionsSchema, json);
    return { envelope: parsed, rows: parsed.data };
  }

  /**
   * One page of the account's `getPayInTransactions`, every link's rows (`since`: the last N days).
   * The docs give no order of rows: a caller reads every page, and the pages of one pass may shift
   * while rows are added, so a row may be seen twice or be missed until the next pass.
   */
  async payInTransactionsPage(query: {
    readonly page: number;
    readonly limit: number;
    readonly sinceDays: number;
  }): Promise<{ envelope: SecpaidEnvelope; rows: SecpaidTransaction[]; totalRecords: number | undefined }> {
    if (!Number.isInteger(query.page) || query.page < 1) throw new Error(`page must be 1 or more, got ${query.page}`);
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 1000)
      throw new Error(`limit must be 1 to 1000 (SecPaid's maximum), got ${query.limit}`);
    if (!Number.isInteger(query.sinceDays) || query.sinceDays < 1)
      throw new Error(`since must be a whole number of days, got ${query.sinceDays}`);
    const json = await this.post(
      '/api/v2/getPayInTransactions',
      JSON.stringify({ page: query.page, limit: query.limit, since: query.sinceDays })
    );
    const parsed = parseProviderBody('SecPaid', secpaidTransactionsSchema, json);
    return { envelope: parsed, rows: parsed.data, totalRecords: parsed.totalRecords };
  }

  private async post(path: string, body: string): Promise<unknown> {
    const response = await providerRequest({
      method: 'POST',
      url: `${this.settings.baseUrl}${path}`,
      headers: { token: this.settings.token },
      body: { contentType: 'application/json', text: body },
      timeoutMs: this.settings.timeoutMs,
    });
    return response.json;
  }
}
