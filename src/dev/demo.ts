import { RefundsClient } from '../client';
import type { RefundRequestInput } from '../client';
import { loadConfig } from '../config';
import { isFinal } from '../refunds/status';
import type { RefundState } from '../refunds/state';
import { connectClient } from '../temporal/connection';
import { table } from '../cli/format';

/**
 * `npm run demo`, with `npm start` running: refunds through all five providers in the sandbox,
 * one waiting for approval, one in SecPaid review, one completed by GetPaid's webhook, one
 * declined. Shows their states live, plays the people and providers that move them, and ends with
 * every refund final and a link to each in the Temporal UI.
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
  // A compressed clock for the demo's refunds only (a development worker honours it): SecPaid's
  // 4-hour status reads come every ~7 s. Approval above €1,000 is `npm start`'s worker setting.
  const refunds = new RefundsClient(client, { timeScale: 0.0005 });
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

  const requests: (RefundRequestInput & { note: string })[] = [
    {
      note: 'above €1,000: waits for approve',
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
  for (const { note: _note, ...request } of requests) await refunds.start(request);

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
    if (state.status === 'AWAITING_APPROVAL')
      await refunds.approve(state.refundId, { reason: 'demo: approved', by: 'demo@operator' });
    if (state.status === 'PENDING_REVIEW') await control(`/_sandbox/secpaid/refunds/${state.paymentId}/approve`);
    if (state.status === 'PENDING_PROVIDER' && state.provider === 'getpaid' && state.providerRefundId) {
      await control(`/_sandbox/getpaid/refunds/${state.providerRefundId}/complete`);
    }
  };

  const started = Date.now();
  for (;;) {
    for (const r of requests) states.set(r.refundId, await refunds.get(r.refundId));
    show(`Refund demo (${Math.round((Date.now() - started) / 1000)} s; waits run 2000× faster than in production)`);
    if ([...states.values()].every((s) => isFinal(s.status))) break;
    // Give each waiting state a moment on screen before the demo plays the person or provider.
    if (Date.now() - started > 2000) for (const s of states.values()) await act(s);
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log('Every refund is final. In the Temporal UI:');
  for (const r of requests) console.log(`  ${states.get(r.refundId)?.status.padEnd(9)}  ${ui}/refund-${r.refundId}`);
  console.log(
    `\nAll of this run's refunds: ${ui}?query=${encodeURIComponent(`WorkflowId STARTS_WITH "refund-demo-${run}"`)}`
  );
  await client.connection.close();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  console.error('Is `npm start` running?');
  process.exit(1);
});
