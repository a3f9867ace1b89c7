import { createRefundPolicyActivities } from '../../src/activities/refund-policy';
import { findApiToken, parseApiTokens } from '../../src/api/tokens';
import { addressAllowed, callbackUrlProblem } from '../../src/callbacks/destination';
import { loadConfig } from '../../src/config';
import { approvalDecision } from '../../src/refunds/approval';

/** The security rules that need no server: each table row is a case that failed, or was open, before. */

const token = 'x'.repeat(32);

describe('API tokens', () => {
  it('parses named tokens with scopes, and refuses a bare token, an unknown scope, a short or repeated token', () => {
    const { tokens, issues } = parseApiTokens(
      `backend@refunds:create+refunds:read=${token},\nops@refunds:operate=${'y'.repeat(40)}`
    );
    expect(issues).toEqual([]);
    expect(tokens).toEqual([
      { name: 'backend', scopes: ['refunds:create', 'refunds:read'], token },
      { name: 'ops', scopes: ['refunds:operate'], token: 'y'.repeat(40) },
    ]);
    const cases: [string, RegExp][] = [
      [token, /entry 1 must be <name>@<scope>\+<scope>=<token>/],
      [`a@refunds:admin=${token}`, /unknown scope refunds:admin/],
      [`a@=${token}`, /names no scope/],
      ['a@refunds:read=short', /24-512 printable/],
      [`Bad Name@refunds:read=${token}`, /name must be/],
      [`a@refunds:read=${token},b@refunds:read=${token}`, /same token is configured twice/],
      [`a@refunds:read=${token},a@refunds:read=${'z'.repeat(30)}`, /name a is used twice/],
    ];
    for (const [text, message] of cases) {
      const parsed = parseApiTokens(text);
      expect({ text, issues: parsed.issues.join('; ') }).toEqual({ text, issues: expect.stringMatching(message) });
      // A problem names the entry, never the token.
      expect(parsed.issues.join(' ')).not.toContain(token);
    }
    expect(() => loadConfig({ API_TOKENS: 'just-a-token-without-a-name-0001' })).toThrow(/API_TOKENS: entry 1/);
  });

  it('finds a token only by the whole Bearer value', () => {
    const { tokens } = parseApiTokens(`backend@refunds:read=${token}`);
    expect(findApiToken(`Bearer ${token}`, tokens)?.name).toBe('backend');
    for (const header of [
      undefined,
      token,
      `Bearer ${token}x`,
      `Bearer ${token.slice(1)}`,
      `bearer  ${token}`,
      `Basic ${token}`,
    ]) {
      expect(findApiToken(header, tokens)).toBeUndefined();
    }
  });
});

describe('callback destinations', () => {
  const production = { allowedHosts: [], allowLoopback: false };
  const development = { allowedHosts: [], allowLoopback: true };
  const allowlist = { allowedHosts: ['hooks.example.com', '*.merchant.example'], allowLoopback: false };

  it.each([
    ['http://127.0.0.1:4010/_sandbox/getpaid/revoke-tokens', production, /must be https/],
    ['https://127.0.0.1/hook', production, /not a public address/],
    ['https://localhost/hook', production, /not a public address/],
    ['https://10.0.0.5/hook', production, /not a public address/],
    ['https://169.254.169.254/latest/meta-data', production, /not a public address/],
    ['https://[::1]/hook', production, /not a public address/],
    ['https://[::ffff:192.168.1.1]/hook', production, /not a public address/],
    ['https://[fd00::1]/hook', production, /not a public address/],
    ['https://user:pw@hooks.example.com/hook', production, /must not carry credentials/],
    ['http://hooks.example.com/hook', production, /must be https/],
    ['http://10.0.0.5/hook', development, /must be https/],
    ['https://evil.example.net/hook', allowlist, /not in CALLBACK_ALLOWED_HOSTS/],
    ['https://merchant.example.evil.net/hook', allowlist, /not in CALLBACK_ALLOWED_HOSTS/],
  ])('refuses %s', (url, policy, message) => {
    expect(callbackUrlProblem(url, policy)).toMatch(message);
  });

  it.each([
    ['https://hooks.example.com/refunds', production],
    ['https://93.184.216.34/hook', production],
    ['https://hooks.example.com/refunds', allowlist],
    ['https://pay.merchant.example/refunds', allowlist],
    ['http://127.0.0.1:8080/hook', development],
  ])('allows %s', (url, policy) => {
    expect(callbackUrlProblem(url, policy)).toBeUndefined();
  });

  it('judges resolved addresses, IPv4 written as IPv6 included', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.0.1',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::ffff:127.0.0.1',
      'fe80::1',
      '224.0.0.1',
    ]) {
      expect({ address, allowed: addressAllowed(address, production) }).toEqual({ address, allowed: false });
    }
    expect(addressAllowed('93.184.216.34', production)).toBe(true);
    expect(addressAllowed('2606:2800:220:1:248:1893:25c8:1946', production)).toBe(true);
    expect(addressAllowed('127.0.0.1', development)).toBe(true);
    expect(addressAllowed('10.1.2.3', development)).toBe(false);
  });

  it('is refused in production config with loopback allowed', () => {
    expect(() => loadConfig({ CALLBACK_ALLOW_LOOPBACK: 'true', NODE_ENV: 'production' })).toThrow(
      /CALLBACK_ALLOW_LOOPBACK: not allowed in production/
    );
  });
});

describe('approval', () => {
  const partial = { provider: 'openpayd' as const, full: false, amount: { amountMinor: 100, currency: 'EUR' } };
  const full = { ...partial, full: true };
  it.each([
    [partial, 'what-is-left', null, false],
    [partial, 'what-is-left', 100, false],
    [{ ...partial, amount: { amountMinor: 101, currency: 'EUR' } }, 'what-is-left', 100, true],
    // The attack: a full refund stated as 100 of a €5,000 payment refunds €5,000.
    [full, 'what-is-left', 100_000, true],
    [full, 'what-is-left', null, false],
    [full, 'stated', 100_000, false],
  ] as const)('%j to a provider that moves %s, threshold %s: approval %s', (request, moves, threshold, needed) => {
    expect(approvalDecision(request, moves, threshold).needed).toBe(needed);
  });

  it('takes thresholds and the time scale from the worker, never from what a starter asked', async () => {
    const approvals = { thresholds: { EUR: 100_000 }, deadlineMs: undefined };
    const production = createRefundPolicyActivities({ approvals, timeScale: 1, submitInTask: true });
    // `requestedTimeScale`: what a refund started before the time scale was a worker setting asks.
    await expect(production.refundPolicy({ currency: 'EUR', requestedTimeScale: 0.001 })).resolves.toEqual({
      approvalThresholdMinor: 100_000,
      approvalDeadlineMs: 24 * 3_600_000,
      timeScale: 1,
      submitInTask: true,
      note: null,
    });
    await expect(production.refundPolicy({ currency: 'XOF' })).resolves.toMatchObject({ approvalThresholdMinor: null });
    const development = createRefundPolicyActivities({ approvals, timeScale: 0.001, submitInTask: false });
    await expect(development.refundPolicy({ currency: 'EUR', requestedTimeScale: 1 })).resolves.toMatchObject({
      timeScale: 0.001,
      submitInTask: false,
    });
  });

  it('refuses a time scale in production, naming the variable; development and test take it', () => {
    const production = { NODE_ENV: 'production', REFUND_TIME_SCALE: '0.001' };
    expect(() => loadConfig(production)).toThrow(/REFUND_TIME_SCALE: not allowed in production/);
    expect(loadConfig({ NODE_ENV: 'test', REFUND_TIME_SCALE: '0.001' }).timeScale).toBe(0.001);
    expect(loadConfig({}).timeScale).toBe(1);
    expect(() => loadConfig({ REFUND_TIME_SCALE: '2' })).toThrow(/REFUND_TIME_SCALE/);
    expect(() => loadConfig({ REFUND_TIME_SCALE: '0' })).toThrow(/REFUND_TIME_SCALE/);
  });
});
