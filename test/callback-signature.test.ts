import { signPayload, verifySignature } from '../src/callbacks/signature';

describe('completion callback signatures', () => {
  const secret = 'callback-secret-0123456789';
  const body = JSON.stringify({ id: 'evt_r1_succeeded', status: 'SUCCEEDED' });
  const now = 1_800_000_000;

  it('verifies a signature made with the same secret over the same timestamp and body', () => {
    const header = signPayload(body, secret, now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(header, body, secret, { nowSeconds: now + 10 })).toEqual({ ok: true });
  });

  it('rejects a tampered body, another secret, a stale timestamp and a malformed header', () => {
    const header = signPayload(body, secret, now);
    expect(verifySignature(header, body.replace('SUCCEEDED', 'FAILED'), secret, { nowSeconds: now }).ok).toBe(false);
    expect(verifySignature(header, body, 'another-secret-0123456789', { nowSeconds: now }).ok).toBe(false);
    expect(verifySignature(header, body, secret, { nowSeconds: now + 301 }).ok).toBe(false);
    expect(verifySignature('v1=abc', body, secret, { nowSeconds: now }).ok).toBe(false);
  });
});
