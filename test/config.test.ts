import { ConfigError, loadConfig } from '../src/config';

describe('config', () => {
  it('applies the defaults of docs/contract.md', () => {
    const config = loadConfig({});
    expect(config.temporal.address).toBe('127.0.0.1:7233');
    expect(config.temporal.namespace).toBe('default');
    expect(config.temporal.uiPort).toBe(8233);
    expect(config.sandbox.port).toBe(4010);
    expect(config.api.port).toBe(3000);
    expect(config.providers.openpayd.baseUrl).toBe('http://127.0.0.1:4010/openpayd');
  });

  it('stops on a bad value with a message naming the variable', () => {
    expect(() => loadConfig({ SANDBOX_PORT: 'not-a-port', LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    try {
      loadConfig({ SANDBOX_PORT: 'not-a-port', LOG_LEVEL: 'loud' });
    } catch (err) {
      const message = (err as ConfigError).message;
      expect(message).toMatch(/SANDBOX_PORT/);
      expect(message).toMatch(/LOG_LEVEL/);
    }
    expect(() => loadConfig({ OPENPAYD_BASE_URL: 'ftp://example.com' })).toThrow(/OPENPAYD_BASE_URL/);
  });

  it('requires real provider settings in production and never falls back to the sandbox there', () => {
    const production = {
      NODE_ENV: 'production',
      SECPAID_BASE_URL: 'https://app.secpaid.com',
      SECPAID_TOKEN: 'sp-token',
      SANDPAY_BASE_URL: 'https://api.sandpay.dev',
      SANDPAY_API_KEY: 'sp_sk_live_abc',
      PAYMENTOPTIONS_BASE_URL: 'https://api.paymentoptions.com',
      PAYMENTOPTIONS_API_KEY: 'po-key',
      OPENPAYD_BASE_URL: 'https://api.openpaydpsp.com/',
      OPENPAYD_API_KEY: 'live-key',
      GETPAID_BASE_URL: 'https://api.getpaid.io',
      GETPAID_TOKEN_URL: 'https://auth.getpaid.io/oauth/token',
      GETPAID_CLIENT_ID: 'client',
      GETPAID_CLIENT_SECRET: 'secret',
      API_TOKENS: `backend@refunds:create+refunds:read=${'a'.repeat(32)}, ops@refunds:operate=${'b'.repeat(32)}`,
      CALLBACK_SIGNING_SECRET: 'callback-secret-0123456789',
    };
    const config = loadConfig(production);
    expect(config.providers.openpayd).toMatchObject({ apiKey: 'live-key', baseUrl: 'https://api.openpaydpsp.com' });
    expect(config.providers.sandpay.apiKey).toBe('sp_sk_live_abc');
    expect(config.api.tokens.map((t) => [t.name, t.scopes])).toEqual([
      ['backend', ['refunds:create', 'refunds:read']],
      ['ops', ['refunds:operate']],
    ]);

    const missing = (() => {
      try {
        loadConfig({ NODE_ENV: 'production' });
      } catch (err) {
        return (err as ConfigError).issues;
      }
      return [];
    })();
    for (const name of Object.keys(production).filter((n) => n !== 'NODE_ENV' && n !== 'API_TOKENS')) {
      expect(missing).toContainEqual(expect.stringMatching(new RegExp(`^${name}: required in production`)));
    }
    expect(() => loadConfig({ ...production, SANDPAY_API_KEY: 'pk_live_wrong' })).toThrow(/SANDPAY_API_KEY/);
  });

  it('takes worker tuning only when set, and refuses more pollers than workflow-task slots', () => {
    expect(loadConfig({}).worker).toEqual({});
    expect(
      loadConfig({
        WORKER_MAX_CACHED_WORKFLOWS: '500',
        WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '100',
        WORKER_WORKFLOW_TASK_POLLERS: '20',
        WORKER_REUSE_V8_CONTEXT: 'false',
      }).worker
    ).toEqual({
      maxCachedWorkflows: 500,
      maxConcurrentWorkflowTaskExecutions: 100,
      maxConcurrentWorkflowTaskPolls: 20,
      reuseV8Context: false,
    });
    expect(() => loadConfig({ WORKER_WORKFLOW_TASK_POLLERS: '50' })).toThrow(
      /WORKER_WORKFLOW_TASK_POLLERS: 50 is more than the workflow tasks a worker may run at once/
    );
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '-1' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
  });

  it('parses approval thresholds per currency, and refuses a malformed list naming the variable', () => {
    expect(loadConfig({ APPROVAL_THRESHOLDS: 'EUR:100000,XOF:5000000' }).approvals.thresholds).toEqual({
      EUR: 100000,
      XOF: 5000000,
    });
    expect(() => loadConfig({ APPROVAL_THRESHOLDS: 'EUR=100' })).toThrow(/APPROVAL_THRESHOLDS/);
  });

  it('reads a secret from the file named by NAME_FILE, and refuses both forms at once', () => {
    const files: Record<string, string> = { '/run/secrets/openpayd': 'from-file\n' };
    const read = (p: string): string => {
      const content = files[p];
      if (content === undefined) throw new Error('ENOENT');
      return content;
    };
    expect(loadConfig({ OPENPAYD_API_KEY_FILE: '/run/secrets/openpayd' }, read).providers.openpayd.apiKey).toBe(
      'from-file'
    );
    expect(() => loadConfig({ OPENPAYD_API_KEY_FILE: '/nope' }, read)).toThrow(/OPENPAYD_API_KEY_FILE: cannot read/);
    expect(() => loadConfig({ OPENPAYD_API_KEY: 'a', OPENPAYD_API_KEY_FILE: '/run/secrets/openpayd' }, read)).toThrow(
      /either OPENPAYD_API_KEY or OPENPAYD_API_KEY_FILE/
    );
  });
});
