import pino from 'pino';
import type { Logger, LoggerOptions } from 'pino';

import { everyAdapter } from './providers/settings';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out before a line is written. Provider credentials travel in headers
 * (SecPaid `token`, PaymentOptions `Authorization`/`x-api-key`, GetPaid and SandPay bearer tokens)
 * and in bodies (OpenPayd `apiKey`, GetPaid `client_secret`); none of them may reach a log. Names
 * only one provider uses are its adapter's `redactPaths`.
 */
const commonRedactedPaths = [
  'apiKey',
  'token',
  'password',
  'secret',
  'client_secret',
  'access_token',
  'authorization',
  'cardNumber',
  'headers.authorization',
  'headers.token',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.token',
  'req.headers["x-api-key"]',
  '*.apiKey',
  '*.token',
  '*.password',
  '*.secret',
  '*.client_secret',
  '*.access_token',
  '*.authorization',
  '*.cardNumber',
  '*.*.apiKey',
  '*.*.token',
  '*.*.client_secret',
  '*.*.access_token',
  '*.*.authorization',
];

export const redactedPaths: readonly string[] = [
  ...commonRedactedPaths,
  ...everyAdapter.flatMap((adapter) => adapter.redactPaths ?? []),
];

export interface LoggerSettings {
  readonly level: LoggerOptions['level'];
  /** Human-readable lines; defaults to whether stdout is a terminal. */
  readonly pretty?: boolean | undefined;
  readonly name?: string;
  /** Where lines go; a test passes a stream to read them back. */
  readonly destination?: pino.DestinationStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: settings.name ? { name: settings.name } : {},
    redact: { paths: [...redactedPaths], censor: '[redacted]' },
  };
  if (settings.destination) return pino(options, settings.destination);
  const pretty = settings.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' },
      },
    });
  }
  return pino(options);
}
