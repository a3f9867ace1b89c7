import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

import type { TemporalTls } from '../config';

/** Where a process finds Temporal, and how it proves who it is; from config in production. */
export interface TemporalTarget {
  readonly address: string;
  readonly namespace: string;
  readonly tls?: TemporalTls | undefined;
  readonly apiKey?: string | undefined;
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

export async function connectClient(target: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({ ...connectionOptions(target) });
  return new Client({ connection, namespace: target.namespace });
}

export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect({ ...connectionOptions(target) });
}
