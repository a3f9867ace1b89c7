import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { bundleWorkflowCode } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import webpack from 'webpack';

import { buildApi } from '../../src/api/server';
import type { RefundListFilter, RefundRequestInput } from '../../src/client';
import { providerNameSchema, refundRequestSchema } from '../../src/providers';
import type * as Adapters from '../../src/providers/adapters';
import type * as Registry from '../../src/providers/registry';
import type * as Requests from '../../src/providers/requests';
import { eventually, quietLogger, startTestStack, uniqueRefundId } from '../support/stack';
import type { TestStack } from '../support/stack';
import { TEST_API_TOKEN, TEST_API_TOKENS } from '../support/secrets';

import type * as Examplepay from './examplepay';
import type * as ExamplepayAdapter from './examplepay/adapter';
import type * as ExamplepayRequest from './examplepay/request';

/**
 * A provider is its folder plus one line in each registry. ExamplePay (test/providers/examplepay/)
 * is registered from here, through the same three lists the five real providers are in:
 * `registry.ts` (workflow-safe, in the worker's workflow bundle), `requests.ts` (its request schema,
 * for the boundaries) and `adapters.ts` (Node: config, worker activities, sandbox, API). Nothing else in src/ knows it, and a refund of it runs end to
 * end: the HTTP API accepts it, the workflow drives it, the sandbox pays it once, lists find it.
 */
jest.mock('../../src/providers/registry', () => {
  const actual = jest.requireActual<typeof Registry>('../../src/providers/registry');
  const { examplepay } = jest.requireActual<typeof Examplepay>('./examplepay');
  return { providers: [...actual.providers, examplepay] };
});
jest.mock('../../src/providers/requests', () => {
  const actual = jest.requireActual<typeof Requests>('../../src/providers/requests');
  const { examplepayRefundRequestSchema } = jest.requireActual<typeof ExamplepayRequest>('./examplepay/request');
  return { requestSchemas: [...actual.requestSchemas, examplepayRefundRequestSchema] };
});
jest.mock('../../src/providers/adapters', () => {
  const actual = jest.requireActual<typeof Adapters>('../../src/providers/adapters');
  const { examplepayAdapter } = jest.requireActual<typeof ExamplepayAdapter>('./examplepay/adapter');
  return { adapters: [...actual.adapters, examplepayAdapter] };
});

/** The suite's workflows, bundled with ExamplePay's line in the registry (./examplepay/registry.ts). */
async function bundleWithExamplepay(): Promise<string> {
  const providersDir = path.resolve(__dirname, '../../src/providers');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: {
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
      debug: () => undefined,
      trace: () => undefined,
      log: () => undefined,
    },
    webpackConfigHook: (config) => ({
      ...config,
      plugins: [
        ...(config.plugins ?? []),
        new webpack.NormalModuleReplacementPlugin(
          /^\.\/registry$/,
          (resource: { context: string; request: string }) => {
            if (resource.context === providersDir) resource.request = path.resolve(__dirname, 'examplepay/registry.ts');
          }
        ),
      ],
    }),
  });
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'refunds-examplepay-')), 'workflow-bundle.js');
  writeFileSync(file, code);
  return file;
}

let stack: TestStack;
let api: FastifyInstance;
beforeAll(async () => {
  stack = await startTestStack({ workflowBundle: await bundleWithExamplepay() });
  api = await buildApi({ refunds: stack.refunds, tokens: TEST_API_TOKENS, webhookSecrets: {}, logger: quietLogger() });
}, 120_000);
afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

const payment = async (amountMinor: number): Promise<string> =>
  (await stack.api.call<{ id: string }>('POST', '/_sandbox/examplepay/payments', { amountMinor, currency: 'EUR' })).id;

it('is in every list derived from the registries: request union, provider names, config, sandbox', () => {
  expect(providerNameSchema.options).toContain('examplepay');
  expect(
    refundRequestSchema.safeParse({
      provider: 'examplepay',
      refundId: 'r',
      paymentId: 'p',
      amount: { amountMinor: 1, currency: 'EUR' },
    }).success
  ).toBe(true);
  expect(stack.config.providers).toHaveProperty('examplepay.baseUrl', `${stack.sandboxUrl}/examplepay`);
  expect(stack.sandbox.provider('examplepay').name).toBe('examplepay');
});

it('a refund started through the HTTP API succeeds, and the sandbox paid it once', async () => {
  const paymentId = await payment(5_000);
  const refundId = uniqueRefundId('examplepay');
  const started = await api.inject({
    method: 'POST',
    url: '/v1/refunds',
    headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    payload: { provider: 'examplepay', refundId, paymentId, amount: { amountMinor: 1_250, currency: 'EUR' } },
  });
  expect(started.statusCode).toBeLessThan(300);
  expect(await stack.refunds.waitForOutcome(refundId)).toMatchObject({
    status: 'SUCCEEDED',
    refundedAmountMinor: 1_250,
  });
  expect(await stack.api.ledger('examplepay', paymentId)).toEqual([expect.objectContaining({ amountMinor: 1_250 })]);
  const listed = await eventually(async () => {
    const found = await stack.refunds.list({ provider: 'examplepay' } as unknown as RefundListFilter);
    return found.some((r) => r.refundId === refundId) ? found : undefined;
  }, 'the list finds it by provider');
  expect(listed.find((r) => r.refundId === refundId)).toMatchObject({ provider: 'examplepay', status: 'SUCCEEDED' });
});

it('its answer lost after the commit: the retry with the same reference finds the same refund, paid once', async () => {
  const paymentId = await payment(3_000);
  const refundId = uniqueRefundId('examplepay-lost');
  await stack.api.fault({ provider: 'examplepay', endpoint: 'refund', kind: 'commit-then-error', times: 1 });
  const request = { provider: 'examplepay', refundId, paymentId, amount: { amountMinor: 3_000, currency: 'EUR' } };
  await stack.refunds.start(request as unknown as RefundRequestInput);
  expect(await stack.refunds.waitForOutcome(refundId)).toMatchObject({ status: 'SUCCEEDED' });
  expect(await stack.api.ledger('examplepay', paymentId)).toHaveLength(1);
  expect(stack.sandbox.requestCount('examplepay', 'refund')).toBeGreaterThanOrEqual(2);
});

it('a request with a field ExamplePay does not take is refused at the boundary, naming it', async () => {
  const res = await api.inject({
    method: 'POST',
    url: '/v1/refunds',
    headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    payload: {
      provider: 'examplepay',
      refundId: uniqueRefundId('bad'),
      paymentId: 'p1',
      amount: { amountMinor: 1, currency: 'EUR' },
      routing: [],
    },
  });
  expect(res.statusCode).toBe(400);
  expect(res.body).toContain('routing');
});
