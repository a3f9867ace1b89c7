import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import http2 from 'node:http2';
import tls from 'node:tls';

import { RefundsClient } from '../../src/client';
import { loadConfig } from '../../src/config';
import { connectClient } from '../../src/temporal/connection';
import { connectWorker } from '../../src/temporal/worker-connection';
import { paymentAndRefund } from '../../harness/payments';
import { startWorkerProcess } from '../../harness/processes';
import { suiteLogFile } from '../support/suite-log';
import type { WorkerProcess } from '../../harness/processes';
import { TEST_TEMPORAL_API_KEY } from '../support/secrets';
import { startTestStack, temporalAddress } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * The TLS settings end to end, as far as this machine allows. The dev server speaks no TLS, so:
 * - for mTLS, a TLS terminator in front of it (what a load balancer or a cluster's edge does)
 *   demands a client certificate from a test CA and passes the gRPC bytes through;
 * - for an API key, a gRPC gateway (as Temporal Cloud's edge) checks `authorization` on every call
 *   and forwards it.
 * A worker process and a client configured only through TEMPORAL_TLS_* / TEMPORAL_API_KEY_FILE run a
 * refund through each; another CA's certificate, a server name that does not match, and a wrong key
 * are refused.
 */
let stack: TestStack;
let dir: string;
let terminator: tls.Server;
let terminatorAddress: string;
const clientsVerified: string[] = [];
const sockets = new Set<net.Socket>();

/** One openssl command, in the test's folder (no argument holds a space). */
function openssl(command: string): void {
  execFileSync('openssl', command.split(' '), { cwd: dir, stdio: 'ignore' });
}

const newKey = 'ec -pkeyopt ec_paramgen_curve:P-256 -nodes';

/** A certificate that `ca` signs: EC P-256, with the v3 extensions rustls (the worker's TLS) requires. */
function issue(ca: string, name: string, cn: string, extensions: string): void {
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(`req -new -newkey ${newKey} -keyout ${name}.key -out ${name}.csr -subj /CN=${cn}`);
  openssl(
    `x509 -req -in ${name}.csr -CA ${ca}.pem -CAkey ${ca}.key -CAcreateserial -days 2 -out ${name}.pem -extfile ${name}.ext`
  );
}

const file = (name: string): string => path.join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'refunds-mtls-'));
  for (const ca of ['ca', 'rogue-ca']) {
    openssl(`req -x509 -newkey ${newKey} -keyout ${ca}.key -out ${ca}.pem -days 2 -subj /CN=refunds-test-${ca}`);
  }
  issue('ca', 'server', 'temporal.internal', 'subjectAltName=DNS:temporal.internal\nextendedKeyUsage=serverAuth\n');
  issue('ca', 'client', 'refunds-worker', 'extendedKeyUsage=clientAuth\n');
  issue('rogue-ca', 'rogue-client', 'refunds-worker', 'extendedKeyUsage=clientAuth\n');

  const [host, port] = temporalAddress().split(':') as [string, string];
  terminator = tls.createServer(
    {
      key: readFileSync(file('server.key')),
      cert: readFileSync(file('server.pem')),
      ca: readFileSync(file('ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      clientsVerified.push(String(socket.getPeerCertificate().subject.CN));
      const upstream = net.connect(Number(port), host);
      sockets.add(socket).add(upstream);
      socket.pipe(upstream).pipe(socket);
      const close = (): void => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', close);
      upstream.on('error', close);
    }
  );
  await new Promise<void>((resolve) => terminator.listen(0, '127.0.0.1', resolve));
  terminatorAddress = `127.0.0.1:${(terminator.address() as AddressInfo).port}`;
  stack = await startTestStack({ worker: false });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  // Connections still open (gRPC keeps them) would hold the terminator's close forever.
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => terminator?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** The settings a deployment would give, with the client certificate of `client`. */
const mtlsEnv = (
  client: string,
  serverName: string | null = 'temporal.internal',
  address = terminatorAddress
): NodeJS.ProcessEnv => ({
  TEMPORAL_ADDRESS: address,
  TEMPORAL_TLS_CERT_FILE: file(`${client}.pem`),
  TEMPORAL_TLS_KEY_FILE: file(`${client}.key`),
  TEMPORAL_TLS_CA_FILE: file('ca.pem'),
  ...(serverName !== null && { TEMPORAL_TLS_SERVER_NAME: serverName }),
});

/** An OpenPayd refund run by a worker process and a client that both connect with `env` alone. */
async function refundWith(name: string, env: NodeJS.ProcessEnv): Promise<string> {
  const worker: WorkerProcess = await startWorkerProcess({
    name,
    logFile: suiteLogFile(name),
    temporalAddress: env.TEMPORAL_ADDRESS!, // both settings builders set it
    taskQueue: stack.taskQueue,
    sandboxUrl: stack.sandboxUrl,
    timeScale: stack.config.timeScale,
    env,
  });
  const client = await connectClient(loadConfig(env).temporal);
  try {
    const refunds = new RefundsClient(client, { taskQueue: stack.taskQueue });
    const request = await paymentAndRefund(stack.api, 'openpayd', 1_200, name);
    await refunds.start(request);
    return (await refunds.waitForOutcome(request.refundId)).status;
  } finally {
    await client.connection.close();
    await worker.kill('SIGTERM');
  }
}

/** Both the worker's native connection and the client refuse to connect with `env`. */
async function expectRefused(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env);
  await expect(connectWorker(config.temporal)).rejects.toThrow();
  await expect(connectClient(config.temporal)).rejects.toThrow();
}

it('a worker process and a client on mTLS settings alone run a refund through the TLS terminator', async () => {
  expect(await refundWith('mtls-worker', mtlsEnv('client'))).toBe('SUCCEEDED');
  // Every connection that got through showed the client certificate the CA signed.
  expect(clientsVerified.length).toBeGreaterThanOrEqual(2);
  expect(new Set(clientsVerified)).toEqual(new Set(['refunds-worker']));
}, 60_000);

it('refuses a client certificate from another CA, for the worker and the client alike', async () => {
  await expectRefused(mtlsEnv('rogue-client'));
}, 60_000);

it('refuses a server whose certificate does not name the host dialled, without a server name override', async () => {
  // The terminator's certificate names temporal.internal; dialled as localhost, it must not pass.
  await expectRefused(mtlsEnv('client', null, terminatorAddress.replace('127.0.0.1', 'localhost')));
}, 60_000);

describe('an API key (as Temporal Cloud takes it)', () => {
  const apiKey = TEST_TEMPORAL_API_KEY;
  let gateway: http2.Http2SecureServer;
  let gatewayAddress: string;
  let upstream: http2.ClientHttp2Session;
  const seen: (string | undefined)[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();

  beforeAll(async () => {
    // A gRPC gateway that, like Temporal Cloud's edge, takes the key from `authorization` and
    // answers UNAUTHENTICATED without it; past the check it forwards each call to the dev server.
    upstream = http2.connect(`http://${temporalAddress()}`);
    gateway = http2.createSecureServer({
      key: readFileSync(file('server.key')),
      cert: readFileSync(file('server.pem')),
    });
    gateway.on('stream', (stream, headers) => {
      seen.push(headers.authorization);
      if (headers.authorization !== `Bearer ${apiKey}`) {
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'bad API key' },
          { endStream: true }
        );
        return;
      }
      const forwarded: http2.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(headers)) {
        if (name !== ':scheme' && name !== ':authority' && name !== 'authorization') forwarded[name] = value;
      }
      const call = upstream.request(forwarded);
      stream.pipe(call);
      let trailers: http2.IncomingHttpHeaders = {};
      call.on('trailers', (received: http2.IncomingHttpHeaders) => {
        trailers = received;
      });
      call.on('response', (responseHeaders, flags) => {
        if (stream.destroyed) return; // the caller gave up (a long poll cancelled at shutdown)
        const ended = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
        stream.respond(responseHeaders, ended ? { endStream: true } : { waitForTrailers: true });
        if (!ended) call.pipe(stream);
      });
      stream.on('wantTrailers', () => stream.sendTrailers(trailers));
      // Either side closing or failing ends the other.
      stream.on('close', () => {
        if (!call.destroyed) call.close(http2.constants.NGHTTP2_CANCEL);
      });
      call.on('close', () => {
        if (!stream.destroyed && !stream.headersSent) stream.close(http2.constants.NGHTTP2_CANCEL);
      });
      stream.on('error', () => call.destroy());
      call.on('error', () => stream.destroy());
    });
    gateway.on('session', (session) => sessions.add(session));
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    gatewayAddress = `127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    writeFileSync(file('api-key'), `${apiKey}\n`);
    writeFileSync(file('wrong-api-key'), 'not-the-key\n');
  });

  afterAll(async () => {
    upstream?.destroy();
    // Sessions still open (gRPC keeps them) would hold the gateway's close forever.
    for (const session of sessions) session.destroy();
    await new Promise((resolve) => gateway?.close(resolve));
  });

  const apiKeyEnv = (keyFile: string): NodeJS.ProcessEnv => ({
    TEMPORAL_ADDRESS: gatewayAddress,
    TEMPORAL_API_KEY_FILE: file(keyFile),
    TEMPORAL_TLS_CA_FILE: file('ca.pem'),
    TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
  });

  it('a worker process and a client on TEMPORAL_API_KEY_FILE run a refund, every call carrying the key', async () => {
    expect(await refundWith('api-key-worker', apiKeyEnv('api-key'))).toBe('SUCCEEDED');
    expect(seen.length).toBeGreaterThan(5);
    expect(new Set(seen)).toEqual(new Set([`Bearer ${apiKey}`]));
  }, 60_000);

  it('a wrong key is refused, for the worker and the client alike', async () => {
    await expectRefused(apiKeyEnv('wrong-api-key'));
    expect(seen).toContain('Bearer not-the-key');
  }, 60_000);
});
