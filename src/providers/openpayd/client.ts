import { providerRequest } from '../http';
import { parseProviderBody } from '../validation';

import { openpaydAnswerSchema } from './schemas';
import type { OpenpaydAnswer, OpenpaydRefundParams } from './schemas';

export interface OpenpaydSettings {
  /** e.g. `https://api.openpaydpsp.com` (the sandbox: `http://127.0.0.1:4010/openpayd`). */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
}

/**
 * OpenPayd's refund and status calls. Requests are form-encoded with `apiKey` in the body, as the
 * platform's examples show; the key never leaves this object.
 */
export class OpenpaydClient {
  constructor(private readonly settings: OpenpaydSettings) {}

  /** `POST /pw/v3/payment/refund`. The answer comes "straight away"; there is no IPN for refunds. */
  async refund(params: OpenpaydRefundParams): Promise<OpenpaydAnswer> {
    const form = new URLSearchParams({
      apiKey: this.settings.apiKey,
      transactionId: params.transactionId,
      referenceNo: params.referenceNo,
    });
    if (params.amountMinor !== undefined) form.set('amount', String(params.amountMinor));
    if (params.currency !== undefined) form.set('currency', params.currency);
    return this.post('/pw/v3/payment/refund', form);
  }

  /** `POST /pw/v3/payment/status` by our `referenceNo`: how an unknown outcome is settled. */
  async status(referenceNo: string): Promise<OpenpaydAnswer> {
    return this.post('/pw/v3/payment/status', new URLSearchParams({ apiKey: this.settings.apiKey, referenceNo }));
  }

  private async post(path: string, form: URLSearchParams): Promise<OpenpaydAnswer> {
    const response = await providerRequest({
      method: 'POST',
      url: `${this.settings.baseUrl}${path}`,
      body: { contentType: 'application/x-www-form-urlencoded', text: form.toString() },
      timeoutMs: this.settings.timeoutMs,
    });
    return parseProviderBody('OpenPayd', openpaydAnswerSchema, response.json);
  }
}
