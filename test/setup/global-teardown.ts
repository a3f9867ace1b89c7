import { rmSync } from 'node:fs';
import path from 'node:path';

import { scanSuiteForSecrets } from './secret-scan';

/**
 * After every test file: scan all workflow histories on the suite's server and all log output of
 * the suite for secrets (a finding fails `npm test`), then stop the server.
 */
export default async function globalTeardown(): Promise<void> {
  try {
    const address = process.env.TEST_TEMPORAL_ADDRESS;
    const logDir = process.env.TEST_LOG_DIR;
    if (address && logDir) {
      const started = Date.now();
      const report = await scanSuiteForSecrets(address, logDir);
      process.stderr.write(
        `\nSecret scan: ${report.histories} workflow histories and ${report.logFiles} log files ` +
          `(${(report.logBytes / 1e6).toFixed(1)} MB) searched for ${report.secrets} secrets in ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s: ` +
          `${report.findings.length === 0 ? 'none found' : `${report.findings.length} FOUND`}\n`
      );
      if (report.findings.length > 0) {
        throw new Error(
          `secrets found in the suite's histories or logs (kept in ${logDir}):\n${report.findings.join('\n')}`
        );
      }
      // Clean: the logs and the bundle go; with a finding they stay for a look.
      if (!process.env.KEEP_TEST_LOGS) rmSync(path.dirname(logDir), { recursive: true, force: true });
    }
  } finally {
    await globalThis.__REFUNDS_TEST_SERVER__?.stop();
  }
}
