import { Context } from '@temporalio/activity';

/**
 * The one way adapters talk HTTP to a provider. It never retries (Temporal does) and it classifies
 * every failure by the one question that matters for money: could the request have reached the
 * provider? A refused connection could not; a timeout or a reset after sending could have, and
 * only a status read can tell.
 */

export type ProviderCallFailureKind =
  /** The connection was never made: nothing reached the provider, sending again is safe. */
  | 'not-sent'
  /** Timed out or reset after the request left: the provider may have acted on it. */
  | 'outcome-unknown'
  /** An HTTP answer that is not a business answer (5xx, 429, …). */
  | 'http-status'
  /** A 2xx/4xx answer whose body is not what the provider documents. */
  | 'invalid-body';

export class ProviderCallError extends Error {
  constructor(
    readonly kind: ProviderCallFailureKind,
    message: string,
    readonly httpStatus?: number,
    /** From a `Retry-After` header, when the provider sent one. */
    readonly retryAfterMs?: number,
    /**
     * Outcome unknown: how long the request may still be at work at the provider. The next
     * attempt's status read waits this long, or it could find nothing while the request is still
     * in flight, send again, and refund twice.
     */
    readonly settleMs?: number
  ) {
    super(message);
    this.name = 'ProviderCallError';
  }
}

export interface ProviderHttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: { readonly contentType: string; readonly text: string };
  readonly timeoutMs: number;
}

export interface ProviderHttpResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or `undefined` for an empty body. */
  readonly json: unknown;
}

const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * After a request whose outcome is unknown, the provider is given as long again as we waited, twice
 * over, to finish it before its status is read. A provider that holds a request longer still is
 * the residual risk of providers without idempotency keys (docs/operations.md, "Reliability and security").
 */
export function settleWindowMs(timeoutMs: number): number {
  return 2 * timeoutMs;
}

/**
 * The running activity's cancellation (a worker shutting down, or a cancellation the worker has
 * learnt of), so that an abandoned attempt's request is aborted. The hard bound on every call is its
 * own timeout: the worker refuses to start unless an attempt's calls fit its start-to-close
 * (`checkCallTimeouts`), so no attempt the server has given up on still has a request in flight.
 */
function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined; // not inside an activity (a script, a test)
  }
}

export async function providerRequest(req: ProviderHttpRequest): Promise<ProviderHttpResponse> {
  let response: Response;
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const cancelled = activitySignal();
  try {
    response = await fetch(req.url, {
      method: req.method,
      headers: {
        accept: 'application/json',
        ...req.headers,
        ...(req.body && { 'content-type': req.body.contentType }),
      },
      body: req.body?.text,
      signal: cancelled ? AbortSignal.any([timeout, cancelled]) : timeout,
    });
  } catch (err) {
    const code = errorCode(err);
    if (code !== undefined && notSentCodes.has(code)) {
      throw new ProviderCallError('not-sent', `could not connect to the provider (${code})`);
    }
    const what = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${req.timeoutMs} ms` : code;
    throw new ProviderCallError(
      'outcome-unknown',
      `the request may have reached the provider: ${what ?? 'connection lost'}`,
      undefined,
      undefined,
      settleWindowMs(req.timeoutMs)
    );
  }
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    // The provider answered but the body was cut: it has acted, and we do not know how.
    throw new ProviderCallError('outcome-unknown', `the answer was cut off: ${errorCode(err) ?? String(err)}`);
  }
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  if (response.status >= 500 || response.status === 429) {
    throw new ProviderCallError(
      'http-status',
      `provider answered HTTP ${response.status}`,
      response.status,
      retryAfterMs
    );
  }
  let json: unknown;
  if (text.length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      throw new ProviderCallError(
        'invalid-body',
        `provider answered HTTP ${response.status} with a body that is not JSON`,
        response.status
      );
    }
  }
  return { status: response.status, headers: response.headers, json };
}
