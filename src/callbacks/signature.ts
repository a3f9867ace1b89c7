import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signatures of completion callbacks: `Refund-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<raw body>">`, as Stripe-Signature does. The timestamp is signed too, so a receiver rejects
 * replays older than its tolerance.
 */
export const SIGNATURE_HEADER = 'refund-signature';

export function signPayload(body: string, secret: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** For backends: checks a callback's signature header against the raw body. */
export function verifySignature(
  header: string | undefined,
  body: string,
  secret: string,
  options: { readonly toleranceSeconds?: number; readonly nowSeconds?: number } = {}
): VerifyResult {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return { ok: false, reason: 'malformed signature header' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300))
    return { ok: false, reason: 'timestamp outside the tolerance' };
  const expected = Buffer.from(signPayload(body, secret, t).split('v1=')[1] ?? '');
  const given = Buffer.from(parts.v1);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'signature mismatch' };
  return { ok: true };
}
