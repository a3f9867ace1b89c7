import { isLoopbackHost } from '../callbacks/destination';
import { RefundsClient } from '../client';
import { ConfigError, loadConfig } from '../config';
import { stopWhenSupervisorExits } from '../dev/supervised';
import { createLogger } from '../logger';
import { connectClient } from '../temporal/connection';
import { encryptionCodecFor } from '../temporal/encryption-codec';

import { buildApi } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, name: 'api' });
  if (config.api.tokens.length === 0) {
    if (config.env !== 'development') {
      throw new ConfigError([
        'API_TOKENS: required outside development (<name>@<scope>+<scope>=<token>, comma-separated, or API_TOKENS_FILE)',
      ]);
    }
    if (!isLoopbackHost(config.listenHost)) {
      throw new ConfigError([
        `API_TOKENS: required when the API listens beyond loopback (LISTEN_HOST=${config.listenHost})`,
      ]);
    }
    logger.warn(
      `API_TOKENS is not set: the API runs WITHOUT authentication, reachable from this machine only (${config.listenHost})`
    );
  }
  const client = await connectClient(config.temporal);
  const refunds = new RefundsClient(client, { taskQueue: config.temporal.taskQueue });
  const codec = encryptionCodecFor(config.temporal.encryptionKeys);
  const app = await buildApi({
    refunds,
    tokens: config.api.tokens,
    webhookSecrets: config.api.webhookSecrets,
    callbackPolicy: config.callbacks,
    logger,
    ...(codec && { codec: { codec, corsOrigins: config.api.codecCorsOrigins } }),
  });
  await app.listen({ host: config.listenHost, port: config.api.port });
  // SIGTERM/SIGINT (both arrive under `npm start`): stop accepting, finish the requests in flight,
  // close the Temporal connection, once.
  let closing: Promise<void> | undefined;
  const shutdown = (): void => {
    closing ??= app
      .close()
      .then(() => client.connection.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  stopWhenSupervisorExits(shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
