import type { z } from 'zod';

import { providerRequest } from '../http';
import { parseProviderAnswer } from '../validation';
import type { ProviderAnswer } from '../validation';

import { sandpayErrorSchema, sandpayPaymentSchema, sandpayRefundAnswerSchema } from './schemas';
import type { SandpayError, SandpayPayment, SandpayRefundAnswer } from './schemas';

export interface SandpaySettings {
  /** e.g. `https://api.sandpay.dev` (the sandbox: `http://127.0.0.1:4010/sandpay`). */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
}

/** SandPay `/v1` with `Authorization: Bearer sp_sk_…`. 4xx answers come back as their error body. */
export class SandpayClient {
  constructor(private readonly settings: SandpaySettings) {}

  async refund(
    paymentId: string,
    body: { amount?: number; reference: string; description?: string }
  ): Promise<ProviderAnswer<SandpayRefundAnswer, SandpayError>> {
    return this.call(
      'POST',
      `/v1/payments/${encodeURIComponent(paymentId)}/refund`,
      sandpayRefundAnswerSchema,
      JSON.stringify(body)
    );
  }

  async payment(id: string): Promise<ProviderAnswer<SandpayPayment, SandpayError>> {
    return this.call('GET', `/v1/payments/${encodeURIComponent(id)}`, sandpayPaymentSchema);
  }

  private async call<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    schema: S,
    body?: string
  ): Promise<ProviderAnswer<z.infer<S>, SandpayError>> {
    const response = await providerRequest({
      method,
      url: `${this.settings.baseUrl}${path}`,
      headers: { authorization: `Bearer ${this.settings.apiKey}` },
      ...(body !== undefined && { body: { contentType: 'application/json', text: body } }),
      timeoutMs: this.settings.timeoutMs,
    });
    return parseProviderAnswer('SandPay', response, schema, sandpayErrorSchema);
  }
}
