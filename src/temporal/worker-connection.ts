import { NativeConnection } from '@temporalio/worker';

import { connectionOptions } from './connection';
import type { TemporalTarget } from './connection';

/** The worker's connection: the same options as the client's (plaintext, TLS, mTLS or an API key). */
export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect({ ...connectionOptions(target) });
}
