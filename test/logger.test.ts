import { Writable } from 'node:stream';

import { createLogger } from '../src/logger';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, stream };
}

describe('logger', () => {
  it('redacts provider credentials in headers and bodies', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info', destination: stream });
    logger.info(
      {
        apiKey: 'op-secret-key',
        headers: { authorization: 'Basic c2VjcmV0', token: 'secpaid-token', 'x-api-key': 'po-key' },
        body: { client_secret: 'gp-secret', apiKey: 'nested-key' },
        provider: 'openpayd',
      },
      'calling provider'
    );
    const output = lines.join('');
    for (const secret of ['op-secret-key', 'c2VjcmV0', 'secpaid-token', 'po-key', 'gp-secret', 'nested-key']) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('[redacted]');
    expect(output).toContain('"provider":"openpayd"');
  });
});
