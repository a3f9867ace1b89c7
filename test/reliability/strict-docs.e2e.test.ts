import { refundWatchWorkflowId } from '../../src/contract';
import type { FaultSpec } from '../../src/sandbox/faults';
import type { RefundState } from '../../src/refunds/state';
import { finalStatuses } from '../../src/refunds/status';
import { paymentAndRefund, providerNames, settleAtProvider } from '../../harness/payments';
import type { ProviderName } from '../../harness/payments';
import { startTestStack, stateWhen } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * The money-safety promise against a sandbox in docs-strict mode, where every behaviour the
 * providers' docs do not state is off or drawn at random (src/sandbox/STRICT_DOCS.md): more refunds
 * ask a person, and none has a false outcome. Each provider's refunds meet the faults that make an
 * outcome uncertain; the providers' people settle what waits on them, and an operator resolves
 * what asks a person from the provider's back office (the sandbox ledger).
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ sandbox: { strictDocs: true, seed: Number(process.env.SANDBOX_SEED ?? 20261201) } });
});
afterAll(() => stack?.stop());

const faults: readonly (Partial<FaultSpec> | null)[] = [
  null,
  { kind: 'commit-then-error', status: 502 },
  { kind: 'commit-then-drop' },
  { kind: 'http-error', status: 503 },
  { kind: 'reset' },
  { kind: 'read-error', status: 404, endpoint: '*', times: 2 },
];

it.each(providerNames)(
  '%s: no false outcome under strict docs and uncertain answers',
  async (provider: ProviderName) => {
    for (const fault of faults) {
      await stack.api.call('DELETE', '/_sandbox/faults');
      if (fault) await stack.api.fault({ provider, endpoint: 'refund', times: 1, ...fault } as FaultSpec);
      const request = await paymentAndRefund(stack.api, provider, 1_000, `strict-${provider}`);
      await stack.refunds.start(request);
      let state: RefundState = await stack.refunds.get(request.refundId);
      for (let round = 0; round < 100 && !finalStatuses.has(state.status); round += 1) {
        state = await stateWhen(
          stack.refunds,
          request.refundId,
          (s) => finalStatuses.has(s.status) || s.needsAttention || s.status.startsWith('PENDING_'),
          'an outcome, a wait at the provider, or a question',
          30_000
        );
        // The provider's people act once; a second try answers 409.
        await settleAtProvider(stack.api, state).catch(() => undefined);
        if (state.needsAttention && !finalStatuses.has(state.status)) {
          const booked = stack.sandbox.ledger.list({ provider, paymentId: request.paymentId });
          await stack.refunds
            .resolve(request.refundId, {
              outcome: booked.length > 0 ? 'SUCCEEDED' : 'FAILED',
              reason: `back office shows ${booked.length} refund(s)`,
              by: 'ops',
            })
            .catch(() => undefined);
        }
        await new Promise((r) => setTimeout(r, 100));
        state = await stack.refunds.get(request.refundId);
      }
      const outcome = await stack.refunds.waitForOutcome(request.refundId);
      const booked = stack.sandbox.ledger.list({ provider, paymentId: request.paymentId });
      const moved = booked.reduce((sum, e) => sum + e.amountMinor, 0);
      const what = { provider, fault: fault?.kind ?? 'none', status: outcome.status };
      expect({ ...what, refundedTwice: booked.length > 1 }).toEqual({ ...what, refundedTwice: false });
      if (outcome.status === 'SUCCEEDED')
        expect({ ...what, moved }).toEqual({ ...what, moved: outcome.refundedAmountMinor ?? 1_000 });
      // FAILED with money at the provider only where an operator said so, and its money is watched.
      if (outcome.status === 'FAILED' && moved > 0) {
        const watch = stack.client.workflow.getHandle(refundWatchWorkflowId(request.refundId));
        await expect(watch.describe()).resolves.toBeDefined();
      }
    }
  },
  240_000
);
