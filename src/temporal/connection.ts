import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

import type { TemporalTls } from '../config';

import { dataConverterFor } from './encryption-codec';
import type { EncryptionKey } from './encryption-codec';

/**
 * The client's connection to Temporal (API, CLI, tools); the worker's is in ./worker-connection.ts,
 * so that a client never loads the worker's native core.
 */

/** Where a process finds Temporal, and how it proves who it is; from config in production. */
export interface TemporalTarget {
  readonly address: string;
  readonly namespace: string;
  readonly tls?: TemporalTls | undefined;
  readonly apiKey?: string | undefined;
  /** Payload encryption keys; none: payloads in clear. */
  readonly encryptionKeys?: readonly EncryptionKey[];
}

/** What both the client's and the worker's connections take: plaintext, TLS, mTLS or an API key. */
export interface TemporalConnectionOptions {
  readonly address: string;
  readonly tls?: TemporalTls | true;
  readonly apiKey?: string;
}

/** The connection options, the same for the client and the worker. */
export function connectionOptions(target: TemporalTarget): TemporalConnectionOptions {
  return {
    address: target.address,
    ...(target.tls !== undefined && { tls: Object.keys(target.tls).length === 0 ? true : target.tls }),
    ...(target.apiKey !== undefined && { apiKey: target.apiKey }),
  };
}

/**
 * gRPC's reconnect backoff grows to 2 minutes by default: after a Temporal outage the API would
 * answer 503 for up to that long after the server is back. Capped at 5 s (one probe per 5 s).
 */
export const clientChannelArgs = {
  'grpc.initial_reconnect_backoff_ms': 500,
  'grpc.max_reconnect_backoff_ms': 5_000,
} as const;

/**
 * The client's own retries of a failed call: 6 attempts over ~3 s ride out a frontend restart,
 * then the caller hears 503 (the SDK's default, 10 attempts, keeps an HTTP caller waiting ~20 s).
 */
export const clientInterceptors = [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 6 }))];

export async function connectClient(target: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({
    ...connectionOptions(target),
    channelArgs: clientChannelArgs,
    interceptors: clientInterceptors,
  });
  const dataConverter = dataConverterFor(target.encryptionKeys ?? []);
  return new Client({ connection, namespace: target.namespace, ...(dataConverter && { dataConverter }) });
}
