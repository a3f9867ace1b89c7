import type { RefundsClient } from '../src/client';
import { getpaidReference } from '../src/providers/getpaid/reference';
import { PAYMENTOPTIONS_SANDBOX_MID } from '../src/providers/paymentoptions/sandbox';
import type { RefundRequestInput } from '../src/providers';
import type { RefundState } from '../src/refunds/state';

import type { SandboxApi } from './sandbox-api';
import { stateWhen, uniqueRefundId } from './waits';

export const providerNames = ['secpaid', 'sandpay', 'paymentoptions', 'openpayd', 'getpaid'] as const;
export type ProviderName = (typeof providerNames)[number];

/**
 * A payment made at the sandbox, and a full refund of it in the provider's currency. `payment`
 * goes to the sandbox with the payment (e.g. SandPay's `refundOutcome`, GetPaid's `settle`).
 */
export async function paymentAndRefund(
  api: SandboxApi,
  provider: ProviderName,
  amountMinor: number,
  prefix: string = provider,
  payment: Record<string, unknown> = {}
): Promise<RefundRequestInput> {
  const refundId = uniqueRefundId(prefix);
  switch (provider) {
    case 'secpaid':
      return {
        provider,
        refundId,
        paymentId: await api.secpaidLink(amountMinor, payment),
        amount: { amountMinor, currency: 'EUR' },
        full: true,
      };
    case 'sandpay':
      return {
        provider,
        refundId,
        paymentId: await api.sandpayCollection(amountMinor, payment),
        amount: { amountMinor, currency: 'XOF' },
      };
    case 'paymentoptions':
      return {
        provider,
        refundId,
        paymentId: await api.paymentoptionsPayment(amountMinor, payment),
        amount: { amountMinor, currency: 'JPY' },
        merchantId: PAYMENTOPTIONS_SANDBOX_MID,
      };
    case 'openpayd':
      return {
        provider,
        refundId,
        paymentId: await api.openpaydPayment(amountMinor, payment),
        amount: { amountMinor, currency: 'EUR' },
        full: true,
      };
    case 'getpaid':
      return {
        provider,
        refundId,
        paymentId: await api.getpaidPayment([{ accountId: 'acc_rel', amountMinor }], payment),
        amount: { amountMinor, currency: 'EUR' },
        full: true,
      };
  }
}

/**
 * What the provider's own people or systems do for a refund that waits on them: a SecPaid admin
 * approves it, GetPaid completes it, SandPay's network settles a PENDING one. Nothing otherwise.
 */
export async function settleAtProvider(api: SandboxApi, state: RefundState): Promise<void> {
  if (state.status === 'PENDING_REVIEW' && state.provider === 'secpaid') {
    await api.call('POST', `/_sandbox/secpaid/refunds/${state.paymentId}/approve`, {});
  }
  if (state.status === 'PENDING_PROVIDER' && state.provider === 'getpaid' && state.providerRefundId) {
    await api.call('POST', `/_sandbox/getpaid/refunds/${state.providerRefundId}/complete`, {});
  }
  if (state.status === 'PENDING_PROVIDER' && state.provider === 'sandpay' && state.providerRefundId) {
    await api.call('POST', `/_sandbox/sandpay/refunds/${state.providerRefundId}/resolve`, { status: 'SUCCESS' });
  }
}

/**
 * A partial GetPaid refund (one merchant's share) that GetPaid has accepted: PENDING_PROVIDER, with
 * GetPaid's refund id and the reference its webhooks carry.
 */
export async function pendingGetpaidRefund(
  api: SandboxApi,
  refunds: RefundsClient,
  accountId: string,
  prefix: string
): Promise<{ refundId: string; rfd: string; reference: string }> {
  const paymentId = await api.getpaidPayment([{ accountId, amountMinor: 700 }]);
  const refundId = uniqueRefundId(prefix);
  await refunds.start({
    provider: 'getpaid',
    refundId,
    paymentId,
    amount: { amountMinor: 700, currency: 'EUR' },
    routing: { merchants: [{ accountId, amountMinor: 700 }] },
  });
  const state = await stateWhen(refunds, refundId, (s) => s.status === 'PENDING_PROVIDER', 'PENDING_PROVIDER');
  return { refundId, rfd: state.providerRefundId ?? '', reference: getpaidReference(`refund-${refundId}`, 1) };
}
