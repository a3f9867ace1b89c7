import { Writable } from 'node:stream';

import { historyToJSON } from '@temporalio/common/lib/proto-utils';

import { createLogger } from '../src/logger';
import { PAYMENTOPTIONS_SANDBOX_MID } from '../src/providers/paymentoptions/sandbox';
import type { RefundRequestInput } from '../src/providers';

import { readableHistory } from './setup/secret-scan';
import { startTestStack, stateWhen, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';

/**
 * Credentials live only in the worker's config: a run through every provider (successes, declines,
 * faults) leaves none of them, and no card number, in any workflow history or log line.
 */
const logLines: string[] = [];
let stack: TestStack;
beforeAll(async () => {
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  stack = await startTestStack({ logger: createLogger({ level: 'debug', destination: capture }) });
});
afterAll(() => stack?.stop());

it('keeps every provider credential and card number out of histories and logs', async () => {
  const { api } = stack;
  const refundId = () => uniqueRefundId('secret');
  const requests: RefundRequestInput[] = [
    {
      provider: 'openpayd',
      refundId: refundId(),
      paymentId: await api.openpaydPayment(100),
      amount: { amountMinor: 100, currency: 'EUR' },
      full: true,
    },
    {
      provider: 'sandpay',
      refundId: refundId(),
      paymentId: await api.sandpayCollection(100),
      amount: { amountMinor: 100, currency: 'XOF' },
    },
    {
      provider: 'sandpay',
      refundId: refundId(),
      paymentId: await api.sandpayCollection(100, { refundOutcome: 'PIN_INVALID' }),
      amount: { amountMinor: 100, currency: 'XOF' },
    },
    {
      provider: 'paymentoptions',
      refundId: refundId(),
      paymentId: await api.paymentoptionsPayment(100),
      amount: { amountMinor: 100, currency: 'JPY' },
      merchantId: PAYMENTOPTIONS_SANDBOX_MID,
    },
    {
      provider: 'secpaid',
      refundId: refundId(),
      paymentId: await api.secpaidLink(100, { dispute: true }),
      amount: { amountMinor: 100, currency: 'EUR' },
    },
  ];
  await api.fault({ provider: 'openpayd', endpoint: 'refund', kind: 'commit-then-drop', times: 1 });
  const getpaidPayment = await api.getpaidPayment([{ accountId: 'acc_secret', amountMinor: 100 }]);
  const getpaid: RefundRequestInput = {
    provider: 'getpaid',
    refundId: refundId(),
    paymentId: getpaidPayment,
    amount: { amountMinor: 100, currency: 'EUR' },
    full: true,
  };

  for (const request of [...requests, getpaid]) await stack.refunds.start(request);
  const rfd = (
    await stateWhen(stack.refunds, getpaid.refundId, (s) => s.status === 'PENDING_PROVIDER', 'GetPaid pending')
  ).providerRefundId;
  await api.call('POST', `/_sandbox/getpaid/refunds/${rfd ?? ''}/complete`, {});
  for (const request of [...requests, getpaid]) await stack.refunds.waitForOutcome(request.refundId);

  const histories = await Promise.all(
    [...requests, getpaid].map(async (r) =>
      readableHistory(historyToJSON(await stack.client.workflow.getHandle(`refund-${r.refundId}`).fetchHistory()))
    )
  );
  const p = stack.config.providers;
  const secrets = {
    'SecPaid token': p.secpaid.token,
    'SandPay key': p.sandpay.apiKey,
    'PaymentOptions key': p.paymentoptions.apiKey,
    'PaymentOptions Basic credentials': Buffer.from(p.paymentoptions.apiKey).toString('base64'),
    'OpenPayd key': p.openpayd.apiKey,
    'GetPaid client secret': p.getpaid.clientSecret,
    'callback signing secret': stack.config.callbacks.signingSecret,
    'a JWT (GetPaid access token)': 'eyJhbGciOi',
    'the card number PaymentOptions returns': '5200000000001005',
  };
  // The run did exercise the paths that could leak: requests, answers, failures.
  expect(logLines.join('')).toMatch(/an earlier attempt reached OpenPayd/);
  expect(logLines.join('')).toMatch(/SandPay answered the refund/);
  expect(logLines.join('')).toMatch(/PaymentOptions answered the refund/);
  expect(histories.join('')).toMatch(/RefundBlockedByDispute/);
  for (const [what, secret] of Object.entries(secrets)) {
    expect({ what, inHistories: histories.some((h) => h.includes(secret)) }).toEqual({ what, inHistories: false });
    expect({ what, inLogs: logLines.some((l) => l.includes(secret)) }).toEqual({ what, inLogs: false });
  }
});
