import { profileOf } from '../../src/providers';
import { canResolve, decide, initialState } from '../../src/refunds/decide/machine';
import type { Answer, DecisionState, SubmitResult } from '../../src/refunds/decide/machine';
import { decisionProfile } from '../../src/refunds/decide/profile';
import type { AnswerKind } from '../../src/refunds/failures';
import { failureTypes, kindOf } from '../../src/refunds/failures';

/** Table tests of the decision core: each rule of src/refunds/decide/rules.ts, one row at a time. */
const same = (ms: number): number => ms;
const facts = { provider: 'p', requestedMinor: 1000 };
const profiles = {
  sameKey: decisionProfile(profileOf('sandpay'), same),
  never: decisionProfile(profileOf('openpayd'), same),
  noFind: decisionProfile(profileOf('paymentoptions'), same),
  watch: decisionProfile(profileOf('secpaid'), same),
};

const answer = (kind: AnswerKind, more: Partial<Answer> = {}): Answer => ({
  kind,
  failure: { type: kind, providerCode: undefined, providerMessage: undefined },
  scope: 'request',
  afterEarlierAttempt: false,
  ...more,
});
const refused = (a: Answer): { type: 'submitted'; result: SubmitResult } => ({
  type: 'submitted',
  result: { ok: false, answer: a },
});
const ambiguous: DecisionState = { ...initialState(), mayHoldRefund: true };

describe('the failure vocabulary', () => {
  it('gives every failure type one kind, and a type outside the table is unknown', () => {
    for (const type of Object.keys(failureTypes)) expect(kindOf(type)).not.toBeUndefined();
    expect(kindOf('SomethingNew')).toBe('unknown');
    expect(kindOf(undefined)).toBe('unknown');
  });
});

describe('decide: a submission that was not accepted', () => {
  const ends = (s: DecisionState) => (s.next.do === 'end' ? s.next.end : undefined);

  it.each([
    ['a decline, nothing earlier', initialState(), answer('declined'), 'FAILED/release'],
    ['a decline of this request after an ambiguity', ambiguous, answer('declined'), 'look'],
    [
      'a decline of this refund after an ambiguity',
      ambiguous,
      answer('declined', { scope: 'refund' }),
      'FAILED/release',
    ],
    ['"already done", nothing earlier: someone else\'s', initialState(), answer('already-done'), 'FAILED/release'],
    ['"already done" after an ambiguity: probably ours', ambiguous, answer('already-done'), 'look'],
    [
      '"already done" on a retried attempt',
      initialState(),
      answer('already-done', { afterEarlierAttempt: true }),
      'look',
    ],
    ['an unknown outcome', initialState(), answer('unknown'), 'look'],
    ['not processed after an ambiguity', ambiguous, answer('not-processed'), 'look'],
  ])('%s', (_what, state, a, expected) => {
    const next = decide(profiles.never, facts, state, refused(a));
    const end = ends(next);
    if (expected === 'FAILED/release') expect(end).toMatchObject({ status: 'FAILED', guard: 'release' });
    else {
      expect(end).toBeUndefined();
      expect(next.next).toMatchObject({ do: 'sleep', then: { do: 'read', mode: 'find' } });
    }
  });

  it('resends only what the provider said it did not process, then asks a person and goes on', () => {
    let s = initialState();
    for (let i = 0; i < 9; i += 1) {
      s = decide(profiles.never, facts, s, refused(answer('not-processed')));
      expect(s.next).toMatchObject({ do: 'sleep', then: { do: 'submit', submission: 1 } });
    }
    expect(s.attention['provider-refusing']).toBeDefined();
  });

  it('never resends a provider without an idempotency key after an unknown outcome, and asks once the horizon has passed', () => {
    let s = decide(profiles.never, facts, initialState(), refused(answer('unknown')));
    for (let look = 0; look < 3; look += 1) {
      expect(s.next).toMatchObject({ do: 'sleep', then: { do: 'read', mode: 'find' } });
      s = decide(profiles.never, facts, s, { type: 'read', result: { kind: 'not-found' } });
    }
    expect(s.attention['outcome-unknown']).toBeDefined();
    expect(s.next).toMatchObject({ do: 'sleep', then: { do: 'read', mode: 'find', slow: true } });
  });

  it('holds for a person where an earlier attempt cannot be looked for', () => {
    const s = decide(profiles.noFind, facts, initialState(), refused(answer('unknown')));
    expect(s.next).toEqual({ do: 'hold' });
    expect(canResolve(s)).toBe(true);
  });

  it('waits for SecPaid\'s refund row after "already requested" on a retry', () => {
    const s = decide(
      profiles.watch,
      facts,
      initialState(),
      refused(answer('already-done', { afterEarlierAttempt: true }))
    );
    expect(s.next).toEqual({ do: 'read', mode: 'watch', slow: false });
    expect(s.accepted).toBe(true);
  });

  it('sends again with the same key when retries of an idempotent provider ran out', () => {
    const s = decide(
      profiles.sameKey,
      facts,
      initialState(),
      refused(answer('transient', { afterEarlierAttempt: true }))
    );
    expect(s.next).toMatchObject({ do: 'sleep', then: { do: 'submit', submission: 1 } });
    expect(s.attention['provider-refusing']).toBeDefined();
  });

  it('re-reads the old transaction of a retry-later before a new submission, and clears the attention once accepted', () => {
    let s = decide(
      profiles.sameKey,
      facts,
      initialState(),
      refused(answer('retry-later', { scope: 'refund', providerRefundId: 'TX_1' }))
    );
    expect(s.next).toMatchObject({ do: 'sleep', then: { do: 'read', mode: 'recheck' } });
    expect(s.attention['retry-later']).toBeDefined();
    s = decide(
      profiles.sameKey,
      facts,
      { ...s, next: { do: 'read', mode: 'recheck', slow: false } },
      {
        type: 'read',
        result: { kind: 'final', answer: answer('retry-later', { scope: 'refund' }) },
      }
    );
    expect(s.next).toEqual({ do: 'submit', submission: 2 });
    s = decide(profiles.sameKey, facts, s, {
      type: 'submitted',
      result: { ok: true, kind: 'pending', providerRefundId: 'TX_2' },
    });
    expect(s.attention).toEqual({});
  });
});

describe('decide: a long retry-later wait stays small', () => {
  it('sends a new submission every 15 min eight times, then every 6 h', () => {
    const waits: number[] = [];
    let s = initialState();
    for (let i = 0; i < 10; i += 1) {
      s = decide(
        profiles.sameKey,
        facts,
        { ...s, next: { do: 'submit', submission: s.submission } },
        refused(answer('retry-later', { scope: 'refund' }))
      );
      if (s.next.do === 'sleep') waits.push(s.next.ms);
    }
    const MINUTE = 60_000;
    expect(waits).toEqual([...Array<number>(8).fill(15 * MINUTE), 360 * MINUTE, 360 * MINUTE]);
  });
});

describe('decide: reads', () => {
  const watching: DecisionState = {
    ...initialState(),
    mayHoldRefund: true,
    accepted: true,
    next: { do: 'read', mode: 'watch', slow: false },
  };

  it('never ends on a failed read: it asks a person after the bound and reads on, and clears when healthy', () => {
    let s = watching;
    for (let i = 0; i < 5; i += 1) {
      s = decide(profiles.sameKey, facts, s, { type: 'read', result: { kind: 'failing', message: 'HTTP 404' } });
      expect(s.next.do).not.toBe('end');
    }
    expect(s.attention['reads-failing']).toBeDefined();
    s = decide(profiles.sameKey, facts, s, { type: 'read', result: { kind: 'healthy' } });
    expect(s.attention['reads-failing']).toBeUndefined();
    expect(s.readErrors).toBe(0);
  });

  it('takes the amount that moved from the provider, commits it and asks why', () => {
    const s = decide(profiles.sameKey, facts, watching, {
      type: 'read',
      result: { kind: 'succeeded', providerRefundId: 'TX', amountMinor: 600 },
    });
    expect(s.next).toMatchObject({ do: 'end', end: { status: 'SUCCEEDED', guard: 'commit', amountMinor: 600 } });
    expect(s.attention['amount-differs']).toBeDefined();
  });

  it('keeps the reservation and a watch when an operator says FAILED while the provider may hold it', () => {
    const asked = { ...watching, attention: { deadline: 'late' } };
    const s = decide(profiles.watch, facts, asked, { type: 'resolved', outcome: 'FAILED', reason: 'support said so' });
    expect(s.next).toMatchObject({ do: 'end', end: { status: 'FAILED', guard: 'hold', watch: true } });
  });

  it('refuses a resolve while a submission is in flight', () => {
    expect(canResolve({ ...initialState(), attention: { 'outcome-unknown': 'x' } })).toBe(false);
  });
});

describe('decide: a provider whose reconciler reads for its waiting refunds (SecPaid)', () => {
  const reconciled = decisionProfile(profileOf('secpaid'), same, true);
  const accepted = { type: 'submitted', result: { ok: true, kind: 'pending', providerRefundId: null } } as const;
  const fallbackMs = profileOf('secpaid').reconciled?.fallbackIntervalMs;

  it('begins the watch of an accepted refund with a wait the reconciler cuts short, not a read', () => {
    expect(fallbackMs).toBe(7 * 24 * 3_600_000);
    expect(decide(reconciled, facts, initialState(), accepted).next).toEqual({
      do: 'sleep',
      ms: fallbackMs,
      then: { do: 'read', mode: 'watch', slow: false },
    });
    // Without the reconciler (refunds started before it), the watch reads at once, as it did.
    expect(decide(profiles.watch, facts, initialState(), accepted).next).toEqual({
      do: 'read',
      mode: 'watch',
      slow: false,
    });
  });

  it('waits the same way for "already requested" after a lost answer: only a matching refund row ends it', () => {
    const next = decide(
      reconciled,
      facts,
      initialState(),
      refused(answer('already-done', { afterEarlierAttempt: true }))
    );
    expect(next).toMatchObject({ accepted: true, mayHoldRefund: true });
    expect(next.next).toMatchObject({ do: 'sleep', ms: fallbackMs, then: { do: 'read', mode: 'watch' } });
  });

  it('changes nothing for providers without a reconciler', () => {
    expect(decisionProfile(profileOf('getpaid'), same, true).watchAfterMs).toBeNull();
  });
});
