import { loadConfig } from '../src/config';
import { retryAttemptsWithin, synchronousSubmit } from '../src/refunds/provider-profile';
import { secpaidProfile } from '../src/providers/secpaid/profile';
import { berlinTimeToEpochMs } from '../src/providers/secpaid/time';
import { fromMajorUnitString } from '../src/refunds/minor-units';
import { checkCallTimeouts } from '../src/worker';

describe('what adapters rely on, exactly', () => {
  it('reads a provider major-unit amount into minor units exactly, or not at all', () => {
    expect(fromMajorUnitString('50.00', 'USD')).toBe(5000);
    expect(fromMajorUnitString('49.99', 'EUR')).toBe(4999);
    expect(fromMajorUnitString('1000', 'JPY')).toBe(1000);
    expect(fromMajorUnitString('10.5', 'JPY')).toBeUndefined();
    expect(fromMajorUnitString('0.001', 'EUR')).toBeUndefined();
    expect(fromMajorUnitString('-1.00', 'EUR')).toBeUndefined();
    expect(fromMajorUnitString('ten', 'EUR')).toBeUndefined();
  });

  it("reads SecPaid's Berlin server time in summer and in winter", () => {
    expect(berlinTimeToEpochMs('2026-07-01 12:00:00')).toBe(Date.parse('2026-07-01T10:00:00Z'));
    expect(berlinTimeToEpochMs('2026-12-01 12:00:00')).toBe(Date.parse('2026-12-01T11:00:00Z'));
    expect(berlinTimeToEpochMs('yesterday')).toBeUndefined();
  });

  it("refuses to start a worker whose provider timeouts do not fit an attempt's start-to-close", () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(() => checkCallTimeouts(config.providers)).not.toThrow();
    const slow = loadConfig({ NODE_ENV: 'test', PROVIDER_TIMEOUT_MS: '20000' });
    expect(() => checkCallTimeouts(slow.providers)).toThrow(/do not fit an attempt's start-to-close/);
  });

  it('bounds a resendable submission by attempts within its window of retry waits, not by a schedule-to-close', () => {
    // 1 + 2 + 4 + 8 + 16 + 32 s, then a minute each: 65 attempts in an hour of waits.
    expect(retryAttemptsWithin(synchronousSubmit)).toBe(65);
    // SecPaid: 2 s doubling to 5 min, a day of waits.
    expect(retryAttemptsWithin(secpaidProfile.submit)).toBe(295);
    const short = { ...synchronousSubmit, scheduleToCloseMs: 10_000 };
    expect(retryAttemptsWithin(short)).toBe(4); // waits of 1, 2 and 4 s fit in 10 s; 8 more do not
  });
});
