import fc from 'fast-check';

import { profileOf } from '../../src/providers';
import type { ProviderProfile } from '../../src/refunds/provider-profile';
import { canResolve, decide, initialState, readErrorsRetried } from '../../src/refunds/decide/machine';
import type {
  Answer,
  Command,
  DecisionProfile,
  DecisionState,
  Ending,
  ReadResult,
  SubmitResult,
} from '../../src/refunds/decide/machine';
import { decisionProfile } from '../../src/refunds/decide/profile';
import type { AnswerKind, AnswerScope } from '../../src/refunds/failures';
import type { ProviderName } from '../../src/providers';

/**
 * A model of the decision core against providers that behave in every way their documentation
 * allows, plus faults: commits late, reads that fail once or for long, a commit answered with a
 * 5xx, "already refunded" to a resend, a payment after an operator resolved FAILED, another amount
 * than asked. The simulated provider never lies about the refund's own record; everything else it
 * may say is drawn at random. After every run:
 * - a refund the core ended SUCCEEDED (by the provider's word) moved exactly what it reports;
 * - a refund ended FAILED with its reservation released has no money at the provider, now or later;
 * - a refund with money at the provider that ended FAILED keeps its reservation and is watched;
 * - nothing is adopted that is not ours (someone else's refund on the payment never makes ours SUCCEEDED).
 */

const REQUESTED = 1000;

/** What the simulated provider does with each request, and how its reads go. */
interface World {
  readonly provider: ProviderName;
  /** One draw per submit call. */
  readonly sends: readonly Send[];
  /** One draw per read. */
  readonly reads: readonly ReadFault[];
  /** A pending refund settles after this many good reads, as success or failure. */
  readonly settlesAfter: number;
  readonly settlesAs: 'success' | 'failure';
  /** The provider refunds another amount than asked (a full refund of what was left). */
  readonly movedAmount: number;
  /** Someone else's refund exists on the payment (made outside the orchestrator). */
  readonly otherRefund: boolean;
  /** A lost request lands only this many reads later (commit-late). */
  readonly landsAfterReads: number;
  /** When a person is asked, the operator answers after this many steps, with the truth or a mistaken FAILED. */
  readonly operatorDelay: number;
  readonly operatorSaysFailed: boolean;
}

type Send =
  | 'success'
  | 'pending'
  | 'decline'
  | 'not-processed'
  | 'commit-then-5xx'
  | 'lost'
  | 'lost-then-lands'
  | 'retry-later'
  | 'auth';
type ReadFault = 'ok' | 'error';

const sendArb = fc.constantFrom<Send>(
  'success',
  'pending',
  'decline',
  'not-processed',
  'commit-then-5xx',
  'lost',
  'lost-then-lands',
  'retry-later',
  'auth'
);
const worldArb: fc.Arbitrary<World> = fc.record({
  provider: fc.constantFrom<ProviderName>('secpaid', 'sandpay', 'paymentoptions', 'openpayd', 'getpaid'),
  sends: fc.array(sendArb, { minLength: 1, maxLength: 12 }),
  reads: fc.array(fc.constantFrom<ReadFault>('ok', 'ok', 'error'), { maxLength: 40 }),
  settlesAfter: fc.nat(6),
  settlesAs: fc.constantFrom('success', 'failure'),
  movedAmount: fc.constantFrom(REQUESTED, REQUESTED, REQUESTED, 600),
  otherRefund: fc.boolean(),
  landsAfterReads: fc.nat(4),
  operatorDelay: fc.nat(5),
  operatorSaysFailed: fc.boolean(),
});

interface Truth {
  /** What the provider executed for our refund, and its id. */
  executed: number | null;
  /** Our refund is pending at the provider (accepted, not final). */
  pending: boolean;
  /** A lost request that will land after this many more reads. */
  landsIn: number | null;
  goodReads: number;
  sendIndex: number;
  readIndex: number;
}

function simulate(world: World): { ending: Ending; truth: Truth; profile: DecisionProfile } {
  const providerProfile: ProviderProfile = profileOf(world.provider);
  const profile = decisionProfile(providerProfile, (ms) => ms);
  const facts = { provider: world.provider, requestedMinor: REQUESTED };
  const truth: Truth = { executed: null, pending: false, landsIn: null, goodReads: 0, sendIndex: 0, readIndex: 0 };
  const idempotent = profile.resend === 'same-key';
  let state = initialState();
  let askedFor = 0;
  for (let step = 0; step < 400; step += 1) {
    if (state.next.do === 'end') return { ending: state.next.end, truth, profile };
    // An operator acts on a refund that asks for a person, sooner or later (and may be wrong).
    if (canResolve(state)) askedFor += 1;
    if (canResolve(state) && (askedFor > world.operatorDelay || state.next.do === 'hold')) {
      const outcome = truth.executed !== null && !world.operatorSaysFailed ? 'SUCCEEDED' : 'FAILED';
      state = decide(profile, facts, state, { type: 'resolved', outcome, reason: 'model operator' });
      continue;
    }
    const command: Command = state.next.do === 'sleep' ? state.next.then : state.next;
    if (command.do === 'submit') {
      state = decide(profile, facts, state, { type: 'submitted', result: submit(world, truth, idempotent) });
    } else if (command.do === 'read') {
      state = decide(profile, facts, state, { type: 'read', result: read(world, truth, state, profile, command.mode) });
    } else if (command.do === 'hold') {
      continue; // resolved above
    }
  }
  // A refund still reading at the end: the operator steps in with the truth.
  state = decide(
    profile,
    facts,
    { ...state, attention: { deadline: 'model' } },
    {
      type: 'resolved',
      outcome: truth.executed !== null ? 'SUCCEEDED' : 'FAILED',
      reason: 'model operator',
    }
  );
  if (state.next.do !== 'end') throw new Error('a resolve did not end the refund');
  return { ending: state.next.end, truth, profile };
}

const fail = (kind: AnswerKind, scope: AnswerScope, afterEarlierAttempt = false, id?: string): Answer => ({
  kind,
  failure: { type: kind, providerCode: undefined, providerMessage: undefined },
  scope,
  afterEarlierAttempt,
  ...(id !== undefined && { providerRefundId: id }),
});

/** One submit call against the simulated provider. */
function submit(world: World, truth: Truth, idempotent: boolean): SubmitResult {
  const send = world.sends[truth.sendIndex % world.sends.length]!;
  truth.sendIndex += 1;
  if (idempotent && truth.landsIn !== null) {
    // The same key again: the provider settles the request still in flight, once.
    truth.landsIn = null;
    truth.executed = world.movedAmount;
  }
  if (truth.executed !== null || truth.pending) {
    // Ours exists: an idempotent provider replays it; any other says "already done".
    if (idempotent) {
      return truth.executed !== null
        ? { ok: true, kind: 'succeeded', providerRefundId: 'ours', amountMinor: truth.executed }
        : { ok: true, kind: 'pending', providerRefundId: 'ours' };
    }
    return { ok: false, answer: fail('already-done', 'request') };
  }
  if (world.otherRefund && world.provider !== 'sandpay' && send === 'decline') {
    return { ok: false, answer: fail('already-done', 'request') };
  }
  switch (send) {
    case 'success':
      truth.executed = world.movedAmount;
      return { ok: true, kind: 'succeeded', providerRefundId: 'ours', amountMinor: world.movedAmount };
    case 'pending':
      truth.pending = true;
      return { ok: true, kind: 'pending', providerRefundId: world.provider === 'secpaid' ? null : 'ours' };
    case 'decline':
      return { ok: false, answer: fail('declined', 'request') };
    case 'not-processed':
      return { ok: false, answer: fail('not-processed', 'request') };
    case 'commit-then-5xx':
      truth.executed = world.movedAmount;
      return { ok: false, answer: fail(idempotent ? 'transient' : 'unknown', 'request', idempotent) };
    case 'lost':
      return { ok: false, answer: fail(idempotent ? 'transient' : 'unknown', 'request', idempotent) };
    case 'lost-then-lands':
      truth.landsIn = world.landsAfterReads;
      return { ok: false, answer: fail(idempotent ? 'transient' : 'unknown', 'request', idempotent) };
    case 'retry-later':
      // The provider's final word on this submission's own transaction.
      return world.provider === 'sandpay'
        ? { ok: false, answer: fail('retry-later', 'refund', false, 'old') }
        : { ok: false, answer: fail('declined', 'request') };
    case 'auth':
      return { ok: false, answer: fail('auth', 'request') };
  }
}

/** One read command (a `watch` runs until its refund is final, as the poll activity does). */
function read(
  world: World,
  truth: Truth,
  state: DecisionState,
  profile: DecisionProfile,
  mode: 'watch' | 'find' | 'recheck'
): ReadResult {
  for (let spin = 0; spin < 20; spin += 1) {
    const fault = world.reads[truth.readIndex % Math.max(1, world.reads.length)] ?? 'ok';
    truth.readIndex += 1;
    if (truth.landsIn !== null) {
      truth.landsIn -= 1;
      if (truth.landsIn < 0) {
        truth.landsIn = null;
        truth.executed = world.movedAmount;
      }
    }
    if (fault === 'error') {
      if (!readErrorsRetried(profile, state)) return { kind: 'failing', message: 'HTTP 404' };
      continue; // retried by Temporal at the cadence
    }
    if (readErrorsRetried(profile, state) && state.attention['reads-failing']) return { kind: 'healthy' };
    if (truth.executed !== null) return { kind: 'succeeded', providerRefundId: 'ours', amountMinor: truth.executed };
    if (truth.pending) {
      truth.goodReads += 1;
      if (truth.goodReads > world.settlesAfter) {
        truth.pending = false;
        if (world.settlesAs === 'success') {
          truth.executed = world.movedAmount;
          return { kind: 'succeeded', providerRefundId: 'ours', amountMinor: truth.executed };
        }
        return { kind: 'final', answer: fail('declined', 'refund') };
      }
      if (mode !== 'watch') return { kind: 'pending', providerRefundId: 'ours' };
      continue;
    }
    if (mode === 'find') return { kind: 'not-found' };
    if (mode === 'recheck') return { kind: 'final', answer: fail('retry-later', 'refund') };
    // Watching a refund with no record at the provider (SecPaid's row not there yet, or never).
    if (spin > 3) return { kind: 'deadline', message: 'review SLA passed' };
  }
  return { kind: 'deadline', message: 'no final answer in time' };
}

describe('the decision core against every documented provider behaviour (fast-check model)', () => {
  it('never ends a refund FAILED with money at the provider unwatched, and SUCCEEDED only with what moved', () => {
    const started = Date.now();
    let runs = 0;
    fc.assert(
      fc.property(worldArb, (world) => {
        runs += 1;
        const { ending, truth } = simulate(world);
        // A lost request may still land later: the provider's eventual truth.
        const eventual = truth.executed ?? (truth.landsIn !== null || truth.pending ? world.movedAmount : null);
        if (ending.status === 'SUCCEEDED' && ending.by === 'provider') {
          expect(truth.executed).not.toBeNull();
          expect(ending.amountMinor).toBe(truth.executed);
          if (ending.amountMinor !== REQUESTED) expect(ending.guard).toBe('commit');
        }
        if (ending.status === 'FAILED' && ending.guard === 'release') {
          expect(eventual).toBeNull();
        }
        if (ending.status === 'FAILED' && eventual !== null) {
          expect(ending).toMatchObject({ guard: 'hold', watch: true });
        }
      }),
      { numRuns: Number(process.env.FC_CORE_RUNS ?? 5_000) }
    );
    // The figures the note reports: how many cases, and how fast.
    console.log(`decision-core model: ${runs} cases in ${Date.now() - started} ms`);
  });
});
