import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { FastifyInstance } from 'fastify';

import { buildApi } from '../../src/api/server';
import type { RefundsClient } from '../../src/client';
import { completionCallbackWorkflowId } from '../../src/contract';
import { encryptionCodecFor } from '../../src/temporal/encryption-codec';
import { paymentAndRefund, pendingGetpaidRefund } from '../../harness/payments';
import {
  TEST_API_TOKEN,
  TEST_API_TOKENS,
  TEST_BACKEND_TOKEN,
  TEST_OPERATOR_TOKEN,
  TEST_WEBHOOK_SECRET,
} from '../support/secrets';
import { eventually, quietLogger, startTestStack, stateWhen } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * The API as an attacker meets it: every route under every path spelling, tokens without the
 * scope, the identity that started a refund approving it, callbacks into the network, and a flood
 * of webhook events. Each case here was open before authentication hung on the routes.
 */
let stack: TestStack;
let api: FastifyInstance;
let refunds: RefundsClient;

beforeAll(async () => {
  // A worker that may not call back into loopback, as in production; EUR refunds above €100 wait.
  stack = await startTestStack({ env: { APPROVAL_THRESHOLDS: 'EUR:10000' } });
  refunds = stack.refunds;
  const codec = encryptionCodecFor([{ id: 'k1', key: randomBytes(32) }]);
  api = await buildApi({
    refunds,
    tokens: TEST_API_TOKENS,
    webhookSecrets: { getpaid: TEST_WEBHOOK_SECRET },
    logger: quietLogger(),
    ...(codec && { codec: { codec, corsOrigins: ['http://127.0.0.1:8233'] } }),
  });
});
afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
type Method = 'GET' | 'POST';

/** Every route the API serves, with a request that reaches its handler and changes nothing. */
function routes(refundId: string): { method: Method; path: string; scope: string; payload?: object }[] {
  const action = { reason: 'probe', by: 'probe' };
  return [
    { method: 'POST', path: '/v1/refunds', scope: 'refunds:create', payload: { provider: 'openpayd' } },
    { method: 'GET', path: '/v1/refunds', scope: 'refunds:read' },
    { method: 'GET', path: `/v1/refunds/${refundId}`, scope: 'refunds:read' },
    ...(['approve', 'cancel', 'escalate'] as const).map((a) => ({
      method: 'POST' as const,
      path: `/v1/refunds/${refundId}/${a}`,
      scope: 'refunds:operate',
      payload: action,
    })),
    {
      method: 'POST',
      path: `/v1/refunds/${refundId}/resolve`,
      scope: 'refunds:operate',
      payload: { ...action, outcome: 'FAILED' },
    },
    { method: 'POST', path: '/codec/decode', scope: 'refunds:read', payload: { payloads: [] } },
    { method: 'POST', path: '/codec/encode', scope: 'refunds:operate', payload: { payloads: [] } },
  ];
}

/** A path as an attacker might spell it: every one must reach the real route with its auth, or nothing. */
function spellings(path: string): string[] {
  const [first = '', ...rest] = path.split('/').filter(Boolean);
  const tail = rest.length > 0 ? `/${rest.join('/')}` : '';
  const encodeAt = (segment: string, i: number) =>
    `${segment.slice(0, i)}%${segment.charCodeAt(i).toString(16)}${segment.slice(i + 1)}`;
  const encodeUpper = (segment: string, i: number) =>
    encodeAt(segment, i)
      .toUpperCase()
      .replace(/%([0-9A-F]{2})/, '%$1');
  const out = [
    path,
    `/${encodeAt(first, 0)}${tail}`, // /%761/refunds
    `/${encodeAt(first, first.length - 1)}${tail}`, // /v%31/refunds
    `/${encodeUpper(first, 0)}${tail}`,
    `/${first.replace(/^./, (c) => `%25${c.charCodeAt(0).toString(16)}`)}${tail}`, // double encoding
    `/${encodeURIComponent(first).replace(/./g, (c) => `%${c.charCodeAt(0).toString(16)}`)}${tail}`, // all encoded
    `//${first}${tail}`,
    `/${first.toUpperCase()}${tail}`,
    `${path}/`,
    `${path};jsessionid=1`,
    `/${first};x=y${tail}`,
    `/${first}/../${first}${tail}`,
    `/./${first}${tail}`,
    `/healthz/../${first}${tail}`,
    `/${first}%2f${rest.join('%2f')}`,
    `${path}?/healthz`,
    `${path}?token=${TEST_WEBHOOK_SECRET}`,
    `${path}#/healthz`,
    `/${first}${tail}%00`,
    `/${first}${tail}%20`,
  ];
  for (let i = 0; i < rest.length; i += 1) {
    const segment = rest[i] ?? '';
    if (segment.length === 0) continue;
    const changed = [...rest];
    changed[i] = encodeAt(segment, 0);
    out.push(`/${first}/${changed.join('/')}`);
  }
  return [...new Set(out)];
}

describe('authentication hangs on the route, whatever the path spelling', () => {
  it('every route under every spelling: without a token 401 or 404; with a token lacking the scope 403 or 404; with it, the real route or 404', async () => {
    const request = await paymentAndRefund(stack.api, 'openpayd', 20_000, 'spell');
    await refunds.start(request);
    await stateWhen(refunds, request.refundId, (s) => s.status === 'AWAITING_APPROVAL', 'AWAITING_APPROVAL');
    const tried: string[] = [];
    const wrong: unknown[] = [];
    // Refusals are tried on a real refund waiting for approval; the authorised calls go to a refund
    // that does not exist, so that none of them approves or cancels anything.
    const ghost = routes('no-such-refund');
    for (const [i, route] of routes(request.refundId).entries()) {
      const real = ghost[i] ?? route;
      const inject = (url: string, headers: Record<string, string>) =>
        api.inject({ method: route.method, url, headers, ...(route.payload && { payload: route.payload }) });
      const lacking = TEST_API_TOKENS.find((t) => !(t.scopes as readonly string[]).includes(route.scope));
      const having =
        TEST_API_TOKENS.find((t) => (t.scopes as readonly string[]).includes(route.scope) && t.token !== TEST_API_TOKEN)
          ?.token ?? TEST_API_TOKEN;
      const canonical = (await inject(real.path, bearer(having))).statusCode;
      const ghostSpellings = spellings(real.path);
      for (const [j, url] of spellings(route.path).entries()) {
        tried.push(`${route.method} ${url}`);
        const none = (await inject(url, {})).statusCode;
        const forged = (await inject(url, bearer('not-a-token-0123456789abcdef'))).statusCode;
        const scoped = lacking ? (await inject(url, bearer(lacking.token))).statusCode : 403;
        const authorised = (await inject(ghostSpellings[j] ?? url, bearer(having))).statusCode;
        // With the token: the real route (or a 400 for an id the spelling made invalid), or no route.
        const ok =
          [401, 404].includes(none) &&
          [401, 404].includes(forged) &&
          [403, 404].includes(scoped) &&
          [canonical, 400, 404].includes(authorised);
        if (!ok) wrong.push({ route: `${route.method} ${url}`, none, forged, scoped, authorised, canonical });
      }
    }
    expect(wrong).toEqual([]);
    expect(tried.length).toBeGreaterThan(150);
    // Nothing an unauthenticated spelling sent reached the refund.
    const state = await refunds.get(request.refundId);
    expect(state.status).toBe('AWAITING_APPROVAL');
    expect(state.actions).toEqual([]);
    expect(await stack.api.ledger('openpayd', request.paymentId)).toEqual([]);
  }, 120_000);

  it('answers unknown routes with a problem+json 404, and declares every error answer in the OpenAPI document', async () => {
    const unknown = await api.inject({ method: 'GET', url: '/v2/refunds' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.json()).toMatchObject({ type: 'about:blank', title: 'Not found', status: 404 });
    const wrongMethod = await api.inject({ method: 'DELETE', url: '/v1/refunds/some-refund' });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET');
    expect(wrongMethod.headers['content-type']).toMatch(/application\/problem\+json/);
    const doc = (await api.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>();
    const create = (doc.paths['/v1/refunds']?.post?.responses ?? {}) as Record<string, { content?: object }>;
    expect(Object.keys(create['401']?.content ?? {})).toEqual(['application/problem+json']);
    expect(Object.keys(create['201']?.content ?? {})).toEqual(['application/json']);
    expect(Object.keys(create)).toEqual(
      expect.arrayContaining(['200', '201', '400', '401', '403', '409', '413', '415', '503'])
    );
    const approve = doc.paths['/v1/refunds/{refundId}/approve']?.post?.responses ?? {};
    expect(Object.keys(approve)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '409', '503']));
  });

  it('refuses a body declared in another charset than UTF-8, and names each missing field once the provider is known', async () => {
    const latin = await api.inject({
      method: 'POST',
      url: '/v1/refunds',
      payload: Buffer.from('{"provider":"openpayd"}', 'latin1'),
      headers: { ...bearer(TEST_API_TOKEN), 'content-type': 'application/json; charset=iso-8859-1' },
    });
    expect(latin.statusCode).toBe(415);
    const fields = async (payload: object) =>
      (await api.inject({ method: 'POST', url: '/v1/refunds', payload, headers: bearer(TEST_API_TOKEN) }))
        .json<{ errors: { field: string }[] }>()
        .errors.map((e) => e.field);
    expect(await fields({})).toEqual(['body.provider']);
    expect(await fields({ provider: 'openpayd' })).toEqual(['body.refundId', 'body.paymentId', 'body.amount']);
  });
});

describe('who may do what', () => {
  it('a backend token starts and reads but cannot act; an operator token acts but cannot start', async () => {
    const request = await paymentAndRefund(stack.api, 'openpayd', 20_000, 'scopes');
    const asBackend = bearer(TEST_BACKEND_TOKEN);
    const asOperator = bearer(TEST_OPERATOR_TOKEN);
    expect(
      (await api.inject({ method: 'POST', url: '/v1/refunds', payload: request, headers: asOperator })).statusCode
    ).toBe(403);
    expect(
      (await api.inject({ method: 'POST', url: '/v1/refunds', payload: request, headers: asBackend })).statusCode
    ).toBe(201);
    await stateWhen(refunds, request.refundId, (s) => s.status === 'AWAITING_APPROVAL', 'AWAITING_APPROVAL');
    const approve = (headers: Record<string, string>) =>
      api.inject({
        method: 'POST',
        url: `/v1/refunds/${request.refundId}/approve`,
        payload: { reason: 'ok', by: 'someone' },
        headers,
      });
    const denied = await approve(asBackend);
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ detail: 'this token lacks the scope refunds:operate' });
    expect((await approve(asOperator)).json()).toMatchObject({ accepted: true });
    expect((await refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
    const state = await refunds.get(request.refundId);
    expect(state.initiatedBy).toBe('test-backend');
    expect(state.actions).toEqual([
      expect.objectContaining({ signal: 'approve', by: 'someone', actor: 'test-ops', accepted: true }),
    ]);
    expect(state.transitions.find((t) => t.to === 'SUBMITTING')?.cause).toMatch(/approved by someone \(test-ops\)/);
  });

  it('a body cannot claim an identity', async () => {
    const res = await api.inject({
      method: 'POST',
      url: '/v1/refunds/x/approve',
      payload: { reason: 'ok', by: 'me', actor: 'test-ops' },
      headers: bearer(TEST_API_TOKEN),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toEqual(['body.actor']);
  });
});

describe('completion callbacks cannot reach into the network', () => {
  it('the API refuses a callbackUrl to loopback (the sandbox control API) with a 400 naming the field, and starts nothing', async () => {
    const request = await paymentAndRefund(stack.api, 'openpayd', 500, 'ssrf');
    const res = await api.inject({
      method: 'POST',
      url: '/v1/refunds',
      payload: { ...request, callbackUrl: `${stack.sandboxUrl}/_sandbox/getpaid/revoke-tokens` },
      headers: bearer(TEST_API_TOKEN),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ errors: [{ field: 'body.callbackUrl', message: 'must be https' }] });
    await expect(refunds.status(request.refundId)).rejects.toThrow(/not found/i);
  });

  it('a worker delivers nothing to a loopback callback that bypassed the API: the callback gives up, the receiver hears nothing', async () => {
    let hits = 0;
    const receiver = http.createServer((_req, res) => {
      hits += 1;
      res.end('ok');
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const request = { ...(await paymentAndRefund(stack.api, 'secpaid', 500, 'ssrf-worker')), callbackUrl: url };
      await refunds.start(request);
      await stateWhen(refunds, request.refundId, (s) => s.status === 'PENDING_REVIEW', 'PENDING_REVIEW');
      await stack.api.call('POST', `/_sandbox/secpaid/refunds/${request.paymentId}/approve`);
      expect((await refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
      const child = stack.client.workflow.getHandle(completionCallbackWorkflowId(request.refundId));
      expect(await child.result()).toBe('gave up');
      expect(hits).toBe(0);
    } finally {
      receiver.close();
    }
  });
});

describe('a webhook flood costs reads, never the real outcome', () => {
  it('101 forged events for one GetPaid refund, then the real one: the refund ends at once, not by the 15-minute fallback poll', async () => {
    // Production timings: only an event makes a GetPaid refund read before its fallback poll.
    const slow = await stack.refundsAt(1);
    const { refundId, rfd, reference } = await pendingGetpaidRefund(stack.api, slow, 'acc_flood', 'flood');
    const hook = (id: string) =>
      api.inject({
        method: 'POST',
        url: `/v1/webhooks/getpaid?token=${TEST_WEBHOOK_SECRET}`,
        payload: { id, type: 'refund_completed', data: { refund_id: rfd, reference } },
      });
    for (let i = 0; i < 101; i += 1) expect((await hook(`evt_flood${i}`)).statusCode).toBe(200);
    await stack.api.call('POST', `/_sandbox/getpaid/refunds/${rfd}/complete`, {});
    expect((await hook('evt_real')).statusCode).toBe(200);
    const ended = await eventually(
      async () => ((await slow.get(refundId)).status === 'SUCCEEDED' ? true : undefined),
      'SUCCEEDED within seconds of the real event',
      15_000
    );
    expect(ended).toBe(true);
    // The flood reached the refund as a handful of signals, not 102.
    const history = await stack.client.workflow.getHandle(`refund-${refundId}`).fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    expect(signals).toBeLessThanOrEqual(5);
  }, 30_000);
});
