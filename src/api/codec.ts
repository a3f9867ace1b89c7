import cors from '@fastify/cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { errorResponses } from './problem';

/**
 * The codec endpoint the Temporal UI (and `temporal` CLI `--codec-endpoint`) calls to show
 * encrypted payloads decrypted to operators: `POST /codec/decode` and `/codec/encode`, with
 * payloads in protobuf JSON (metadata values and data base64), as Temporal's codec-server
 * protocol has it. Browsers reach it only from the configured origins; `decode` takes a token with
 * `refunds:read`, `encode` one with `refunds:operate`.
 */
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const payloadJson = z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() });
const codecBody = z.object({ payloads: z.array(payloadJson).max(1_000) });
type PayloadJson = z.infer<typeof payloadJson>;

const fromJson = (p: PayloadJson): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): PayloadJson => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export interface CodecEndpointDeps {
  readonly codec: PayloadCodec;
  readonly corsOrigins: readonly string[];
}

export async function registerCodecEndpoint(app: FastifyInstance, deps: CodecEndpointDeps): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(cors, {
      origin: [...deps.corsOrigins],
      methods: ['POST'],
      allowedHeaders: ['content-type', 'x-namespace', 'authorization'],
      credentials: true,
      maxAge: 600,
    });
    const routes = scope.withTypeProvider<ZodTypeProvider>();
    for (const direction of ['encode', 'decode'] as const) {
      routes.post(
        `/codec/${direction}`,
        {
          // Decoding shows what refunds hold, as reading them does; encoding makes payloads for
          // signals and updates, as acting on them does.
          config: { auth: { scope: direction === 'decode' ? 'refunds:read' : 'refunds:operate' } },
          schema: {
            body: codecBody,
            summary: `${direction} payloads (Temporal codec server)`,
            response: errorResponses(400, 401, 403, 413, 415),
          },
        },
        async (req) => ({ payloads: (await deps.codec[direction](req.body.payloads.map(fromJson))).map(toJson) })
      );
    }
  });
}
