import { RefundsClient } from '../client';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { connectClient } from '../temporal/connection';

import { buildApi } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, name: 'api' });
  if (config.api.tokens.length === 0) {
    if (config.env !== 'development') {
      throw new ConfigError([
        'API_TOKENS: required outside development (comma-separated bearer tokens, or API_TOKENS_FILE)',
      ]);
    }
    logger.warn('API_TOKENS is not set: the API runs WITHOUT authentication (development only)');
  }
  const client = await connectClient(config.temporal);
  const refunds = new RefundsClient(client, {
    approvalThresholds: config.approvals.thresholds,
    ...(config.approvals.deadlineMs !== undefined && { approvalDeadlineMs: config.approvals.deadlineMs }),
  });
  const app = await buildApi({
    refunds,
    tokens: config.api.tokens,
    getpaidWebhookSecret: config.api.getpaidWebhookSecret,
    logger,
  });
  await app.listen({ host: '127.0.0.1', port: config.api.port });
  // SIGTERM/SIGINT: stop accepting, finish the requests in flight, then close the Temporal connection.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app
        .close()
        .then(() => client.connection.close())
        .then(() => process.exit(0));
    });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
