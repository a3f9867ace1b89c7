import { ProviderCallError, providerRequest } from '../http';
import { parseProviderBody } from '../validation';

import { paymentoptionsAnswerSchema } from './schemas';
import type { PaymentoptionsAnswer } from './schemas';

export interface PaymentoptionsSettings {
  /** e.g. `https://api.paymentoptions.com` (the sandbox: `http://127.0.0.1:4010/paymentoptions`). */
  readonly baseUrl: string;
  readonly apiKey: string;
  /**
   * How this account's `amount` is counted. The docs are unclear (every example is JPY, where the
   * two agree), so it is set per account: `minor` sends 4999 for 49.99, `major` sends "49.99".
   */
  readonly amountUnit: 'minor' | 'major';
  readonly timeoutMs: number;
}

export interface PaymentoptionsReply {
  readonly httpStatus: number;
  readonly answer: PaymentoptionsAnswer;
}

/**
 * PaymentOptions' docs spell the credentials two ways: `Authorization: Basic <api key>` (the API
 * reference) and HTTP Basic with the key base64-encoded (the integration manual); `x-api-key` is
 * always sent.
 */
type AuthSpelling = 'base64' | 'raw';

/**
 * PaymentOptions server-to-server API. A 401 is an answer that nothing was processed, so the call
 * is made once more with the other documented spelling, which is kept from then on.
 */
export class PaymentoptionsClient {
  private spelling: AuthSpelling = 'base64';

  constructor(private readonly settings: PaymentoptionsSettings) {}

  async refund(body: {
    transactionId: string;
    amount: number | string;
    merchant_id: string;
    notes: string;
  }): Promise<PaymentoptionsReply> {
    return this.call('POST', '/api/v1/server-to-server-interface/refund', JSON.stringify(body));
  }

  async status(transactionId: string): Promise<PaymentoptionsReply> {
    return this.call(
      'GET',
      `/api/v1/server-to-server-interface/transaction/status/${encodeURIComponent(transactionId)}`
    );
  }

  private async call(method: 'GET' | 'POST', path: string, body?: string): Promise<PaymentoptionsReply> {
    const send = (spelling: AuthSpelling) =>
      providerRequest({
        method,
        url: `${this.settings.baseUrl}${path}`,
        headers: {
          authorization: `Basic ${spelling === 'base64' ? Buffer.from(this.settings.apiKey).toString('base64') : this.settings.apiKey}`,
          'x-api-key': this.settings.apiKey,
        },
        ...(body !== undefined && { body: { contentType: 'application/json', text: body } }),
        timeoutMs: this.settings.timeoutMs,
      });
    let response = await send(this.spelling);
    if (response.status === 401) {
      const other = this.spelling === 'base64' ? 'raw' : 'base64';
      response = await send(other);
      if (response.status !== 401) this.spelling = other;
    }
    if (response.json === undefined) {
      throw new ProviderCallError(
        'invalid-body',
        `PaymentOptions answered HTTP ${response.status} with no body`,
        response.status
      );
    }
    return {
      httpStatus: response.status,
      answer: parseProviderBody('PaymentOptions', paymentoptionsAnswerSchema, response.json),
    };
  }
}
