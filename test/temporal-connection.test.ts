import { ConfigError, loadConfig } from '../src/config';
import { connectionOptions } from '../src/temporal/connection';

/** Reads "files" from a map, as Kubernetes secrets would appear. */
const files: Record<string, string> = {
  '/secrets/client.pem': '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n',
  '/secrets/client.key': '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n',
  '/secrets/ca.pem': '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n',
  '/secrets/api-key': 'cloud-api-key\n',
};
const read = (p: string): string => {
  const content = files[p];
  if (content === undefined) throw new Error('ENOENT');
  return content;
};
const optionsFor = (env: NodeJS.ProcessEnv) => connectionOptions(loadConfig(env, read).temporal);

describe('connection to Temporal', () => {
  it('is plaintext by default (the dev server)', () => {
    expect(optionsFor({})).toEqual({ address: '127.0.0.1:7233' });
  });

  it('uses TLS with a Temporal Cloud API key, read from a file', () => {
    expect(
      optionsFor({ TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_API_KEY_FILE: '/secrets/api-key' })
    ).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      tls: true,
      apiKey: 'cloud-api-key',
    });
  });

  it('builds mTLS from certificate, key and CA files, with a server name override', () => {
    const options = optionsFor({
      TEMPORAL_ADDRESS: 'refunds.a1b2c.tmprl.cloud:7233',
      TEMPORAL_TLS_CERT_FILE: '/secrets/client.pem',
      TEMPORAL_TLS_KEY_FILE: '/secrets/client.key',
      TEMPORAL_TLS_CA_FILE: '/secrets/ca.pem',
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(options.tls).toEqual({
      serverNameOverride: 'temporal.internal',
      serverRootCACertificate: Buffer.from(files['/secrets/ca.pem']!),
      clientCertPair: {
        crt: Buffer.from(files['/secrets/client.pem']!),
        key: Buffer.from(files['/secrets/client.key']!),
      },
    });
    expect(options.apiKey).toBeUndefined();
  });

  it.each([
    [{ TEMPORAL_TLS_CERT_FILE: '/secrets/client.pem' }, /mTLS needs both the certificate and its key/],
    [{ TEMPORAL_TLS_KEY_FILE: '/secrets/client.key' }, /mTLS needs both the certificate and its key/],
    [{ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }, /TEMPORAL_TLS: cannot be false with TEMPORAL_API_KEY/],
    [{ TEMPORAL_TLS_CA_FILE: '/secrets/missing.pem' }, /TEMPORAL_TLS_CA_FILE: cannot read the file it names/],
    [
      { TEMPORAL_API_KEY: 'k', TEMPORAL_API_KEY_FILE: '/secrets/api-key' },
      /either TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE/,
    ],
    [{ TEMPORAL_TLS: 'maybe' }, /TEMPORAL_TLS/],
  ])('refuses %j with a clear message', (env, message) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv, read)).toThrow(ConfigError);
    expect(() => loadConfig(env as NodeJS.ProcessEnv, read)).toThrow(message);
  });

  it('never puts the API key in a config error', () => {
    let message = '';
    try {
      loadConfig({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'super-secret-key' }, read);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/TEMPORAL_TLS/);
    expect(message).not.toContain('super-secret-key');
  });
});
