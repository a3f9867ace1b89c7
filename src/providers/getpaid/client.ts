import type { z } from 'zod';

import { permanentFailure } from '../failures';
import { ProviderCallError, providerRequest } from '../http';
import type { ProviderHttpResponse } from '../http';
import { parseProviderAnswer, parseProviderBody } from '../validation';
import type { ProviderAnswer } from '../validation';

import {
  getpaidCreatedSchema,
  getpaidPaymentSchema,
  getpaidProblemSchema,
  getpaidRefundSchema,
  getpaidTokenSchema,
} from './schemas';
import type { GetpaidProblem } from './schemas';

export interface GetpaidSettings {
  /** API base, e.g. `https://api.getpaid.io` (the sandbox: `http://127.0.0.1:4010/getpaid`). */
  readonly baseUrl: string;
  /** OAuth token URL, e.g. `https://auth.getpaid.io/oauth/token`. */
  readonly tokenUrl: string;
  readonly audience: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly timeoutMs: number;
  /** Where GetPaid should POST refund webhooks (our API's receiver, with its secret token). */
  readonly webhookUrl: string | undefined;
  /** The secret our receiver expects in that URL (GETPAID_WEBHOOK_SECRET); the API checks it. */
  readonly webhookSecret?: string | undefined;
}

/** Re-read this long before `expires_in` runs out, so no request carries a token about to expire. */
const REFRESH_MARGIN_MS = 60_000;

/**
 * GetPaid's API with its OAuth client-credentials token cached in the worker: fetched once, shared
 * by concurrent calls, refreshed before it expires, and refreshed once more on a 401.
 */
export class GetpaidClient {
  private token: { value: string; expiresAt: number } | undefined;
  private fetching: Promise<string> | undefined;

  constructor(
    private readonly settings: GetpaidSettings,
    private readonly now: () => number = Date.now
  ) {}

  async createRefund(body: Record<string, unknown>) {
    return this.call('POST', '/refunds', getpaidCreatedSchema, JSON.stringify(body));
  }

  async refund(id: string) {
    return this.call('GET', `/refunds/${encodeURIComponent(id)}`, getpaidRefundSchema);
  }

  async payment(id: string) {
    return this.call('GET', `/payments/${encodeURIComponent(id)}`, getpaidPaymentSchema);
  }

  /** Fetches a token now, so a refund is sent only with one in hand (its failure sends nothing). */
  async ensureToken(): Promise<void> {
    await this.accessToken();
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt - REFRESH_MARGIN_MS > this.now()) return this.token.value;
    this.fetching ??= this.fetchToken().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async fetchToken(): Promise<string> {
    const response = await providerRequest({
      method: 'POST',
      url: this.settings.tokenUrl,
      body: {
        contentType: 'application/json',
        text: JSON.stringify({
          client_id: this.settings.clientId,
          client_secret: this.settings.clientSecret,
          audience: this.settings.audience,
          grant_type: 'client_credentials',
        }),
      },
      timeoutMs: this.settings.timeoutMs,
    });
    if (response.status === 400 || response.status === 401) {
      // Wrong client id or secret: no retry will fix it, a person must.
      throw permanentFailure(
        'ProviderAuthFailed',
        'GetPaid',
        `HTTP ${response.status}`,
        'GetPaid refused the client credentials'
      );
    }
    if (response.status > 401) {
      throw new ProviderCallError(
        'http-status',
        `GetPaid token endpoint answered HTTP ${response.status}`,
        response.status
      );
    }
    const token = parseProviderBody('GetPaid', getpaidTokenSchema, response.json);
    this.token = { value: token.access_token, expiresAt: this.now() + token.expires_in * 1000 };
    return token.access_token;
  }

  private async call<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    schema: S,
    body?: string
  ): Promise<ProviderAnswer<z.infer<S>, GetpaidProblem>> {
    const send = async (): Promise<ProviderHttpResponse> =>
      providerRequest({
        method,
        url: `${this.settings.baseUrl}${path}`,
        headers: { authorization: `Bearer ${await this.accessToken()}` },
        ...(body !== undefined && { body: { contentType: 'application/json', text: body } }),
        timeoutMs: this.settings.timeoutMs,
      });
    let response = await send();
    if (response.status === 401) {
      // The token was revoked or expired early: one fresh token, one more try.
      this.token = undefined;
      response = await send();
    }
    return parseProviderAnswer('GetPaid', response, schema, getpaidProblemSchema);
  }
}
