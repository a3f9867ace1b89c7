import { loadConfig } from '../config';
import { stopWhenSupervisorExits } from '../dev/supervised';
import { createLogger } from '../logger';

import { buildSandbox } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, name: 'sandbox' });
  const sandbox = await buildSandbox({
    logger,
    stateFile: config.sandbox.stateFile,
    strictDocs: config.sandbox.strictDocs,
    seed: config.sandbox.seed,
  });
  await sandbox.app.listen({ host: config.listenHost, port: config.sandbox.port });
  logger.info(
    {
      url: `http://127.0.0.1:${config.sandbox.port}`,
      ...(sandbox.strictDocs && { strictDocs: true, seed: sandbox.seed }),
    },
    'provider sandbox listening'
  );
  let closing: Promise<void> | undefined;
  const shutdown = (): void => {
    closing ??= sandbox.app.close().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  stopWhenSupervisorExits(shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
