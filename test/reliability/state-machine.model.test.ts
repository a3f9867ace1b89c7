import fc from 'fast-check';

import type { RefundsClient } from '../../src/client';
import type { ActionResult } from '../../src/refunds/actions';
import { canMoveTo, finalStatuses } from '../../src/refunds/status';
import type { RefundStatus } from '../../src/refunds/status';
import type { RefundState } from '../../src/refunds/state';
import { startTestStack, stateWhen, uniqueRefundId } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * Model-based: random sequences of operator actions, provider decisions, webhooks (real and
 * forged) and provider faults against one GetPaid refund above the approval threshold, checked
 * against a model of the state machine. After each step the real refund is let settle, so every
 * verdict the model predicts is exact; throughout, the status only moves forward and ends once.
 * `FC_RUNS` sets the number of runs (`npm run soak` runs many more).
 */
const RUNS = Number(process.env.FC_RUNS ?? 8);

let stack: TestStack;
let refunds: RefundsClient;
beforeAll(async () => {
  stack = await startTestStack({
    env: {
      APPROVAL_THRESHOLDS: 'EUR:1000',
      // No automatic escalation while a run is deciding: attention comes only from the commands.
      APPROVAL_DEADLINE_MS: String(10 * 365 * 24 * 3_600_000),
    },
  });
  refunds = stack.refunds;
});
afterAll(() => stack?.stop());

type Phase = 'awaiting' | 'pending' | 'ended';

interface Model {
  phase: Phase;
  attention: boolean;
  /** How the refund ended, once it has. */
  final: RefundStatus | undefined;
  /** Refunds GetPaid actually made for this payment. */
  refundedAtProvider: number;
}

interface Real {
  readonly refundId: string;
  readonly paymentId: string;
  /** Every status seen, in order. */
  readonly seen: RefundStatus[];
  events: number;
}

async function observe(real: Real): Promise<RefundState> {
  const state = await refunds.get(real.refundId);
  const last = real.seen.at(-1);
  if (last !== undefined) {
    // Forward only (or unchanged), and a final status never changes.
    expect({ from: last, to: state.status, legal: state.status === last || canMoveTo(last, state.status) }).toEqual({
      from: last,
      to: state.status,
      legal: true,
    });
  }
  real.seen.push(state.status);
  expect(state.transitions.filter((t) => finalStatuses.has(t.to)).length).toBeLessThanOrEqual(1);
  return state;
}

/** Waits for the stable state the model expects after a step, then compares the two. */
async function settle(model: Model, real: Real): Promise<void> {
  const state = await stateWhen(
    refunds,
    real.refundId,
    (s) =>
      model.phase === 'ended'
        ? s.status === model.final
        : model.phase === 'pending'
          ? s.status === 'PENDING_PROVIDER' && s.providerRefundId !== null && s.needsAttention === model.attention
          : s.status === 'AWAITING_APPROVAL' && s.needsAttention === model.attention,
    `the model's ${model.phase} ${model.final ?? ''}`
  );
  await observe(real);
  if (model.phase !== 'ended') expect(state.needsAttention).toBe(model.attention);
  expect(stack.sandbox.ledger.list({ provider: 'getpaid', paymentId: real.paymentId })).toHaveLength(
    model.refundedAtProvider
  );
}

const who = fc.constantFrom('alice@ops', 'bob@ops');

class Approve implements fc.AsyncCommand<Model, Real> {
  constructor(readonly by: string) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const result = await refunds.approve(real.refundId, { reason: 'checked', by: this.by });
    expect(result.accepted).toBe(model.phase === 'awaiting');
    if (result.accepted) {
      model.phase = 'pending';
      model.attention = false; // moving on clears an escalation
    }
    await settle(model, real);
  }
  toString = () => `approve(${this.by})`;
}

class Cancel implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const result = await refunds.cancel(real.refundId, { reason: 'customer changed mind', by: 'alice@ops' });
    expect(result.accepted).toBe(model.phase === 'awaiting');
    if (result.accepted) Object.assign(model, { phase: 'ended', final: 'CANCELLED' });
    await settle(model, real);
  }
  toString = () => 'cancel';
}

class Escalate implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const result: ActionResult = await refunds.escalate(real.refundId, { reason: 'customer called', by: 'bob@ops' });
    expect(result.accepted).toBe(model.phase !== 'ended');
    if (result.accepted) model.attention = true;
    await settle(model, real);
  }
  toString = () => 'escalate';
}

class Resolve implements fc.AsyncCommand<Model, Real> {
  constructor(readonly outcome: 'SUCCEEDED' | 'FAILED') {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const result = await refunds.resolve(real.refundId, {
      outcome: this.outcome,
      reason: 'checked the back office',
      by: 'alice@ops',
    });
    // A person's final word ends a refund that has reached the provider; before that, approve or cancel.
    expect(result.accepted).toBe(model.phase === 'pending' && model.attention);
    if (result.accepted) Object.assign(model, { phase: 'ended', final: this.outcome });
    await settle(model, real);
  }
  toString = () => `resolve(${this.outcome})`;
}

class ProviderDecides implements fc.AsyncCommand<Model, Real> {
  constructor(readonly outcome: 'complete' | 'fail') {}
  check = (model: Readonly<Model>) => model.phase === 'pending';
  async run(model: Model, real: Real): Promise<void> {
    const { providerRefundId } = await refunds.get(real.refundId);
    await stack.api.call('POST', `/_sandbox/getpaid/refunds/${providerRefundId ?? ''}/${this.outcome}`, {});
    Object.assign(model, {
      phase: 'ended',
      final: this.outcome === 'complete' ? 'SUCCEEDED' : 'FAILED',
      refundedAtProvider: model.refundedAtProvider + (this.outcome === 'complete' ? 1 : 0),
    });
    await settle(model, real);
  }
  toString = () => `getpaid:${this.outcome}`;
}

class Webhook implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly type: string,
    readonly forged: boolean
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const { providerRefundId } = await refunds.get(real.refundId);
    real.events += 1;
    await refunds
      .deliverProviderEvent(real.refundId, {
        eventId: `evt_model${real.events}`,
        type: this.type,
        providerRefundId: this.forged ? 'rfd_forged' : (providerRefundId ?? 'rfd_unknown'),
      })
      .catch(() => undefined); // an ended refund takes no events
    await new Promise((r) => setTimeout(r, 150));
    await settle(model, real);
  }
  toString = () => `webhook(${this.type}${this.forged ? ', forged' : ''})`;
}

class ReadFault implements fc.AsyncCommand<Model, Real> {
  constructor(readonly times: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    await stack.api.fault({ provider: 'getpaid', endpoint: 'get-refund', kind: 'http-error', times: this.times });
    await new Promise((r) => setTimeout(r, 150));
    await settle(model, real);
  }
  toString = () => `getpaid reads fail ×${this.times}`;
}

const commands = [
  who.map((by) => new Approve(by)),
  fc.constant(new Cancel()),
  fc.constant(new Escalate()),
  fc.constantFrom<'SUCCEEDED' | 'FAILED'>('SUCCEEDED', 'FAILED').map((o) => new Resolve(o)),
  fc.constantFrom<'complete' | 'fail'>('complete', 'fail').map((o) => new ProviderDecides(o)),
  fc
    .tuple(fc.constantFrom('refund_completed', 'refund_failed', 'refund_initiated'), fc.boolean())
    .map(([type, forged]) => new Webhook(type, forged)),
  fc.integer({ min: 1, max: 3 }).map((n) => new ReadFault(n)),
];

it(`keeps the refund state machine's promises over ${RUNS} random runs of actions, decisions, events and faults`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 7 }), async (cmds) => {
      const paymentId = await stack.api.getpaidPayment([{ accountId: 'acc_model', amountMinor: 5_000 }]);
      const refundId = uniqueRefundId('model');
      await refunds.start({
        provider: 'getpaid',
        refundId,
        paymentId,
        amount: { amountMinor: 5_000, currency: 'EUR' },
        full: true,
      });
      const real: Real = { refundId, paymentId, seen: [], events: 0 };
      const model: Model = { phase: 'awaiting', attention: false, final: undefined, refundedAtProvider: 0 };
      await settle(model, real);
      await fc.asyncModelRun(() => ({ model, real }), cmds);

      // Whatever happened, the refund can be brought to an end, and then nothing moves it.
      if (model.phase === 'awaiting') await new Cancel().run(model, real);
      if (model.phase === 'pending') await new ProviderDecides('complete').run(model, real);
      const ended = await observe(real);
      expect(ended.status).toBe(model.final);
      for (const action of [
        () => refunds.approve(refundId, { reason: 'late', by: 'alice@ops' }),
        () => refunds.cancel(refundId, { reason: 'late', by: 'alice@ops' }),
        () => refunds.escalate(refundId, { reason: 'late', by: 'alice@ops' }),
      ]) {
        expect((await action()).accepted).toBe(false);
      }
      expect((await observe(real)).status).toBe(model.final);
    }),
    { numRuns: RUNS, endOnFailure: true }
  );
}, 300_000);
