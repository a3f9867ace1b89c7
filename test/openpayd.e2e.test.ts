import { RefundConflictError } from '../src/client';
import { InvalidRefundRequestError } from '../src/refunds/request';
import type { RefundRequestInput } from '../src/providers';
import { NeedsAttentionKey, PaymentIdKey, RefundStatusKey } from '../src/contract';

import { recordHistory } from './support/histories';
import { eventually, startTestStack, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function createPayment(amountMinor: number, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await fetch(`${stack.sandboxUrl}/_sandbox/openpayd/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ amountMinor, currency: 'EUR', ...extra }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { transactionId: string }).transactionId;
}

function fullRefund(paymentId: string, amountMinor: number): RefundRequestInput {
  return {
    provider: 'openpayd',
    refundId: uniqueRefundId('op'),
    paymentId,
    amount: { amountMinor, currency: 'EUR' },
    full: true,
    requestedBy: 'test-suite',
  };
}

describe('OpenPayd refund, end to end through Temporal and the sandbox', () => {
  it('reaches SUCCEEDED for an approved full refund, and OpenPayd refunded exactly once', async () => {
    const paymentId = await createPayment(4999);
    const request = fullRefund(paymentId, 4999);
    await stack.refunds.start(request);

    const outcome = await stack.refunds.waitForOutcome(request.refundId);
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.providerRefundId).toMatch(/^\d{3}-\d+-\d+$/);

    const state = await stack.refunds.get(request.refundId);
    expect(state.status).toBe('SUCCEEDED');
    expect(state.transitions.map((t) => t.to)).toEqual(['RECEIVED', 'SUBMITTING', 'SUCCEEDED']);
    expect(state.transitions[0]?.by).toBe('test-suite');

    const ledger = stack.sandbox.ledger.list({ provider: 'openpayd', paymentId });
    expect(ledger).toHaveLength(1);
    await recordHistory(stack.client, request.refundId, 'openpayd-approved');
    expect(ledger[0]).toMatchObject({ amountMinor: 4999, currency: 'EUR', providerRefundId: outcome.providerRefundId });
  });

  it("reaches FAILED with OpenPayd's code and message when the payment is already refunded", async () => {
    const paymentId = await createPayment(1500);
    const first = fullRefund(paymentId, 1500);
    await stack.refunds.start(first);
    expect((await stack.refunds.waitForOutcome(first.refundId)).status).toBe('SUCCEEDED');

    const second = fullRefund(paymentId, 1500);
    await stack.refunds.start(second);
    const outcome = await stack.refunds.waitForOutcome(second.refundId);
    expect(outcome.status).toBe('FAILED');
    expect(outcome.failure).toEqual({
      type: 'AlreadyRefunded',
      providerCode: '32',
      providerMessage: 'Already refunded',
    });

    const state = await stack.refunds.get(second.refundId);
    expect(state.status).toBe('FAILED');
    expect(state.failure?.providerCode).toBe('32');
    expect(stack.sandbox.ledger.list({ provider: 'openpayd', paymentId })).toHaveLength(1);
    await recordHistory(stack.client, second.refundId, 'openpayd-already-refunded');
  });

  it('declines a partial refund when the account does not allow partial refunds', async () => {
    const paymentId = await createPayment(2000);
    const request = { ...fullRefund(paymentId, 500), full: false };
    await stack.refunds.start(request);
    const outcome = await stack.refunds.waitForOutcome(request.refundId);
    expect(outcome.status).toBe('FAILED');
    // OpenPayd documents no code for it (the sandbox's 33): a plain decline of the request.
    expect(outcome.failure?.type).toBe('RefundDeclined');
    expect(stack.sandbox.ledger.list({ paymentId })).toHaveLength(0);
  });

  it('shows RefundStatus to a visibility query, as the Temporal UI does', async () => {
    const paymentId = await createPayment(700);
    const request = fullRefund(paymentId, 700);
    await stack.refunds.start(request);
    await stack.refunds.waitForOutcome(request.refundId);

    const found = await eventually(async () => {
      for await (const wf of stack.client.workflow.list({
        query: `RefundStatus = "SUCCEEDED" AND PaymentId = "${paymentId}" AND RefundProvider = "openpayd"`,
      })) {
        return wf;
      }
      return undefined;
    }, 'the refund in visibility with RefundStatus SUCCEEDED');
    expect(found.workflowId).toBe(`refund-${request.refundId}`);
    expect(found.typedSearchAttributes.get(RefundStatusKey)).toBe('SUCCEEDED');
    expect(found.typedSearchAttributes.get(PaymentIdKey)).toBe(paymentId);
    expect(found.typedSearchAttributes.get(NeedsAttentionKey)).toBe(false);
  });

  it('returns the existing refund for a repeated start, and refuses the same refundId with another body', async () => {
    const paymentId = await createPayment(900);
    const request = fullRefund(paymentId, 900);
    const first = await stack.refunds.start(request);
    const again = await stack.refunds.start(request);
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.workflowId).toBe(first.workflowId);

    await expect(stack.refunds.start({ ...request, amount: { amountMinor: 899, currency: 'EUR' } })).rejects.toThrow(
      RefundConflictError
    );
    await stack.refunds.waitForOutcome(request.refundId);
    // Still refused after the refund has ended: a refundId never runs twice.
    await expect(stack.refunds.start(request)).resolves.toMatchObject({ created: false });
    expect(stack.sandbox.ledger.list({ paymentId })).toHaveLength(1);
  });

  it('rejects an invalid request naming the field, and starts nothing', async () => {
    const request = { ...fullRefund('529-1-1', 100), amount: { amountMinor: 10.5, currency: 'EUR' } };
    const error = await stack.refunds.start(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRefundRequestError);
    expect((error as InvalidRefundRequestError).issues.map((i) => i.field)).toEqual(['amount.amountMinor']);
    await expect(stack.client.workflow.getHandle(`refund-${request.refundId}`).describe()).rejects.toThrow(
      /not found/i
    );
  });
});
