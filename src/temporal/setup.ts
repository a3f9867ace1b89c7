import { loadConfig } from '../config';
import { createLogger } from '../logger';

import { connectClient } from './connection';
import { registerSearchAttributes } from './search-attributes';

/**
 * One-shot (`docker compose`'s `refunds-setup`, or by hand against a new cluster): registers the
 * refund search attributes of docs/contract.md on the configured namespace. Safe to run again: the ones
 * that exist are left alone. (Temporal Cloud takes them through its console or `tcld` instead.)
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, name: 'setup' });
  const client = await connectClient(config.temporal);
  try {
    const added = await registerSearchAttributes(client.connection.operatorService, config.temporal.namespace);
    logger.info(
      { namespace: config.temporal.namespace, added },
      added.length > 0 ? 'search attributes registered' : 'search attributes already there'
    );
  } finally {
    await client.connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
