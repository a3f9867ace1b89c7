import { RefundsClient } from '../client';
import type { RefundRequestInput } from '../client';
import { loadConfig } from '../config';
import { isFinal } from '../refunds/status';
import type { RefundState } from '../refunds/state';
import { connectClient } from '../temporal/connection';
import { table } from '../cli/format';

/**
 * `npm run demo`, with `npm start` running: refunds through all five providers in the sandbox,
 * one approved after waiting for approval, one in SecPaid review, one completed by GetPaid's
 * webhook, one declined. Shows their states live and plays the people and providers that move
 * them. Two are left for you: one awaiting approval, and one whose answer was lost (a sandbox
 * fault), which needs attention; the demo ends by printing how to act on each in the Temporal UI,
 * with `temporal` and with `npx refunds`.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const sandbox = `http://127.0.0.1:${config.sandbox.port}`;
  const ui = `http://127.0.0.1:${config.temporal.uiPort}/namespaces/${config.temporal.namespace}/workflows`;
  const control = async <T>(path: string, body: unknown = {}): Promise<T> => {
    const res = await fetch(`${sandbox}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`sandbox ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const client = await connectClient(config.temporal);
  // Production's waits: nothing here waits on a clock. SecPaid's approval is seen by its reconciler
  // (every ~14 s under `npm start`), GetPaid's outcome by its webhook. Approval above €1,000 is
  // `npm start`'s worker setting.
  const refunds = new RefundsClient(client);
  const run = Date.now().toString(36);

  const openpayd = await control<{ transactionId: string }>('/_sandbox/openpayd/payments', {
    amountMinor: 150_000,
    currency: 'EUR',
  });
  const secpaid = await control<{ payId: number }>('/_sandbox/secpaid/payments', { amountMinor: 4999 });
  const getpaid = await control<{ id: string }>('/_sandbox/getpaid/payments', {
    platformAmountMinor: 100,
    merchants: [{ accountId: 'acc_demo_seller', amountMinor: 3000 }],
  });
  const sandpay = await control<{ transactionId: string }>('/_sandbox/sandpay/payments', {
    amountMinor: 5000,
    currency: 'XOF',
  });
  const paymentoptions = await control<{ transactionId: string; merchantId: string }>(
    '/_sandbox/paymentoptions/payments',
    {
      amountMinor: 1000,
      currency: 'JPY',
      refundResponseCode: 5,
    }
  );

  const waitingPayment = await control<{ transactionId: string }>('/_sandbox/openpayd/payments', {
    amountMinor: 250_000,
    currency: 'EUR',
  });
  const lostPayment = await control<{ transactionId: string; merchantId: string }>(
    '/_sandbox/paymentoptions/payments',
    {
      amountMinor: 2000,
      currency: 'JPY',
    }
  );
  const forYou = {
    approval: `demo-${run}-approve-me`,
    attention: `demo-${run}-resolve-me`,
  };

  // First, alone: the one whose answer is lost (PaymentOptions answers its next refund call with a
  // 500). PaymentOptions offers no way to find out what happened, so the refund asks a person.
  await control('/_sandbox/faults', {
    provider: 'paymentoptions',
    endpoint: 'refund',
    kind: 'http-error',
    status: 500,
    times: 1,
  });
  await refunds.start({
    provider: 'paymentoptions',
    refundId: forYou.attention,
    paymentId: lostPayment.transactionId,
    amount: { amountMinor: 2000, currency: 'JPY' },
    merchantId: lostPayment.merchantId,
  });
  for (let i = 0; i < 100 && !(await refunds.get(forYou.attention)).needsAttention; i += 1) {
    await new Promise((r) => setTimeout(r, 200));
  }

  const requests: (RefundRequestInput & { note: string })[] = [
    {
      note: 'answer lost: needs a person (left for you)',
      provider: 'paymentoptions',
      refundId: forYou.attention,
      paymentId: lostPayment.transactionId,
      amount: { amountMinor: 2000, currency: 'JPY' },
      merchantId: lostPayment.merchantId,
    },
    {
      note: 'above €1,000: waits for approval (left for you)',
      provider: 'openpayd',
      refundId: forYou.approval,
      paymentId: waitingPayment.transactionId,
      amount: { amountMinor: 250_000, currency: 'EUR' },
      full: true,
    },
    {
      note: 'above €1,000: waits for approval, the demo approves',
      provider: 'openpayd',
      refundId: `demo-${run}-openpayd`,
      paymentId: openpayd.transactionId,
      amount: { amountMinor: 150_000, currency: 'EUR' },
      full: true,
    },
    {
      note: 'SecPaid admin review',
      provider: 'secpaid',
      refundId: `demo-${run}-secpaid`,
      paymentId: String(secpaid.payId),
      amount: { amountMinor: 4999, currency: 'EUR' },
      full: true,
    },
    {
      note: 'GetPaid: initiated, then a webhook',
      provider: 'getpaid',
      refundId: `demo-${run}-getpaid`,
      paymentId: getpaid.id,
      amount: { amountMinor: 1500, currency: 'EUR' },
      routing: { merchants: [{ accountId: 'acc_demo_seller', amountMinor: 1500 }] },
    },
    {
      note: 'SandPay mobile money',
      provider: 'sandpay',
      refundId: `demo-${run}-sandpay`,
      paymentId: sandpay.transactionId,
      amount: { amountMinor: 5000, currency: 'XOF' },
      full: true,
    },
    {
      note: 'declined by the acquirer (code 5)',
      provider: 'paymentoptions',
      refundId: `demo-${run}-paymentoptions`,
      paymentId: paymentoptions.transactionId,
      amount: { amountMinor: 1000, currency: 'JPY' },
      merchantId: paymentoptions.merchantId,
    },
  ];
  for (const { note: _note, ...request } of requests)
    if (request.refundId !== forYou.attention) await refunds.start(request);

  const states = new Map<string, RefundState>();
  const show = (title: string): void => {
    const rows = requests.map((r) => {
      const s = states.get(r.refundId);
      return {
        refund: r.refundId,
        provider: r.provider,
        status: s?.status ?? '…',
        attention: s?.needsAttention ? 'yes' : '',
        waiting: s?.waitingFor ?? s?.failure?.type ?? '',
        scenario: r.note,
      };
    });
    if (process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
    console.log(`${title}\n\n${table(rows, ['refund', 'provider', 'status', 'attention', 'waiting', 'scenario'])}\n`);
  };

  const acted = new Set<string>();
  const act = async (state: RefundState): Promise<void> => {
    const key = `${state.refundId}:${state.status}`;
    if (acted.has(key)) return;
    acted.add(key);
    if (state.status === 'AWAITING_APPROVAL' && state.refundId !== forYou.approval)
      await refunds.approve(state.refundId, { reason: 'demo: approved', by: 'demo@operator' });
    if (state.status === 'PENDING_REVIEW') await control(`/_sandbox/secpaid/refunds/${state.paymentId}/approve`);
    if (state.status === 'PENDING_PROVIDER' && state.provider === 'getpaid' && state.providerRefundId) {
      await control(`/_sandbox/getpaid/refunds/${state.providerRefundId}/complete`);
    }
  };

  const started = Date.now();
  for (;;) {
    for (const r of requests) states.set(r.refundId, await refunds.get(r.refundId));
    show(`Refund demo (${Math.round((Date.now() - started) / 1000)} s)`);
    const leftForYou = (s: RefundState): boolean =>
      (s.refundId === forYou.approval && s.status === 'AWAITING_APPROVAL') ||
      (s.refundId === forYou.attention && s.needsAttention);
    if ([...states.values()].every((s) => isFinal(s.status) || leftForYou(s))) break;
    // Give each waiting state a moment on screen before the demo plays the person or provider.
    if (Date.now() - started > 2000) for (const s of states.values()) await act(s);
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log('In the Temporal UI:');
  for (const r of requests) console.log(`  ${states.get(r.refundId)?.status.padEnd(17)}  ${ui}/refund-${r.refundId}`);
  console.log(
    `\nAll of this run's refunds: ${ui}?query=${encodeURIComponent(`WorkflowId STARTS_WITH "refund-demo-${run}"`)}`
  );
  const attention = states.get(forYou.attention);
  const update = (refundId: string, name: string, input: object): string =>
    `temporal workflow update execute --workflow-id refund-${refundId} --name ${name} --input '${JSON.stringify(input)}'`;
  console.log(`
Two refunds wait for you.

${forYou.approval} waits for approval. Approve it (or cancel it) in any of these ways:
  UI:  ${ui}/refund-${forYou.approval} → Send an Update → approve, input {"reason":"checked","by":"you"}
  ${update(forYou.approval, 'approve', { reason: 'checked', by: 'you' })}
  npx refunds approve ${forYou.approval} --reason checked --by you

${forYou.attention} needs attention: ${attention?.attentionReason ?? '(see its state)'}
Ask the provider what happened, then resolve it with what it says (here the sandbox never got it):
  UI:  ${ui}/refund-${forYou.attention} → Send an Update → resolve, input {"outcome":"FAILED","reason":"provider has no such refund","by":"you"}
  ${update(forYou.attention, 'resolve', { outcome: 'FAILED', reason: 'provider has no such refund', by: 'you' })}
  npx refunds resolve ${forYou.attention} --outcome FAILED --reason "provider has no such refund" --by you
`);
  await client.connection.close();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  console.error('Is `npm start` running?');
  process.exit(1);
});
