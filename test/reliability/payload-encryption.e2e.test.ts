import { randomBytes } from 'node:crypto';

import { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { FastifyInstance } from 'fastify';

import { buildApi } from '../../src/api/server';
import { ENCRYPTED_ENCODING, encryptionCodecFor } from '../../src/temporal/encryption-codec';
import { readableHistory } from '../setup/secret-scan';
import { paymentAndRefund } from '../../harness/payments';
import { TEST_API_TOKEN, TEST_API_TOKENS } from '../support/secrets';
import { quietLogger, startTestStack } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * With PAYLOAD_ENCRYPTION_KEYS, every payload in a refund's history is AES-GCM ciphertext marked
 * with its key id; the refund works as before, keys rotate, and the API's codec endpoint shows
 * operators (the Temporal UI) the payloads decrypted.
 */
const key = (id: string) => ({ id, key: randomBytes(32) });
const current = key('k2');
const previous = key('k1');
const asEnv = (keys: { id: string; key: Buffer }[]) => keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');

let stack: TestStack;
let api: FastifyInstance;
beforeAll(async () => {
  stack = await startTestStack({ env: { PAYLOAD_ENCRYPTION_KEYS: asEnv([current, previous]) } });
  api = await buildApi({
    refunds: stack.refunds,
    tokens: TEST_API_TOKENS,
    webhookSecrets: {},
    logger: quietLogger(),
    codec: { codec: encryptionCodecFor([current, previous])!, corsOrigins: ['http://127.0.0.1:8233'] },
  });
});
afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

type PayloadJson = { metadata?: Record<string, string>; data?: string };

/**
 * Every payload in a history's protobuf JSON but the two kinds the SDK keeps plain by design:
 * search attributes (to be searchable) and markers' own bookkeeping (patch ids, local activity
 * ids and types; their results are encrypted).
 */
function payloadsIn(node: unknown, found: PayloadJson[] = [], parent = ''): PayloadJson[] {
  if (Array.isArray(node)) for (const item of node) payloadsIn(item, found, parent);
  else if (node && typeof node === 'object') {
    const v = node as PayloadJson & Record<string, unknown>;
    if (typeof v.metadata?.encoding === 'string' && 'data' in v) found.push(v);
    else
      for (const [k, child] of Object.entries(v)) {
        const sdkOwn = k === 'searchAttributes' || (parent === 'details' && (k === 'patch-data' || k === 'data'));
        if (!sdkOwn) payloadsIn(child, found, k);
      }
  }
  return found;
}

it('keeps histories encrypted end to end; the refund, queries, rotation and the codec endpoint work', async () => {
  const marker = `marker-${randomBytes(6).toString('hex')}`;
  const request = { ...(await paymentAndRefund(stack.api, 'openpayd', 1_234, 'sealed')), reason: marker };
  await stack.refunds.start(request);
  expect((await stack.refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
  expect((await stack.refunds.get(request.refundId)).paymentId).toBe(request.paymentId); // `state` decrypts

  // A client without keys sees only ciphertext: every payload sealed with k2, the reason nowhere.
  const bare = new Client({ connection: stack.client.connection });
  const handle = bare.workflow.getHandle(`refund-${request.refundId}`);
  const history = historyToJSON(await handle.fetchHistory());
  const readable = readableHistory(history);
  expect(readable).not.toContain(marker);
  const payloads = payloadsIn(JSON.parse(history));
  expect(payloads.length).toBeGreaterThan(5);
  const metadataOf = (p: PayloadJson, k: string) => Buffer.from(p.metadata?.[k] ?? '', 'base64').toString();
  expect(new Set(payloads.map((p) => metadataOf(p, 'encoding')))).toEqual(new Set([ENCRYPTED_ENCODING]));
  expect(new Set(payloads.map((p) => metadataOf(p, 'encryption-key-id')))).toEqual(new Set(['k2']));
  // Search attributes stay readable, so operators still find refunds in the UI.
  const raw = await stack.client.connection.workflowService.describeWorkflowExecution({
    namespace: 'default',
    execution: { workflowId: `refund-${request.refundId}` },
  });
  const indexed = raw.workflowExecutionInfo?.searchAttributes?.indexedFields?.PaymentId?.data;
  expect(Buffer.from(indexed ?? new Uint8Array()).toString()).toBe(JSON.stringify(request.paymentId));

  // Rotation: a process holding the next key first and k2 after it still reads the refund; one
  // holding only the retired k1 cannot.
  const rotated = new Client({
    connection: stack.client.connection,
    dataConverter: { payloadCodecs: [encryptionCodecFor([key('k3'), current])!] },
  });
  expect(await rotated.workflow.getHandle(`refund-${request.refundId}`).result()).toMatchObject({
    status: 'SUCCEEDED',
  });
  const retired = new Client({
    connection: stack.client.connection,
    dataConverter: { payloadCodecs: [encryptionCodecFor([previous])!] },
  });
  await expect(retired.workflow.getHandle(`refund-${request.refundId}`).result()).rejects.toThrow(/no key k2/);

  // The codec endpoint, as the Temporal UI calls it.
  const decode = (headers: Record<string, string>) =>
    api.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { 'x-namespace': 'default', origin: 'http://127.0.0.1:8233', ...headers },
      payload: { payloads },
    });
  expect((await decode({})).statusCode).toBe(401);
  const decoded = await decode({ authorization: `Bearer ${TEST_API_TOKEN}` });
  expect(decoded.statusCode).toBe(200);
  expect(decoded.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8233');
  const plain = decoded.json<{ payloads: PayloadJson[] }>().payloads.map((p) => Buffer.from(p.data ?? '', 'base64'));
  expect(plain.some((p) => p.toString().includes(marker))).toBe(true); // the workflow input, decrypted

  const preflight = (origin: string) =>
    api.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-namespace' },
    });
  expect((await preflight('http://127.0.0.1:8233')).headers['access-control-allow-origin']).toBe(
    'http://127.0.0.1:8233'
  );
  expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
});
