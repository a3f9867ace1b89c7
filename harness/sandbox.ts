import { buildSandbox } from '../src/sandbox/server';
import type { Sandbox, SandboxOptions } from '../src/sandbox/server';

export interface HttpAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** A sandbox listening on a free port, with small helpers to talk to it over real HTTP. */
export interface RunningSandbox {
  readonly sandbox: Sandbox;
  readonly url: string;
  json<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    headers?: Record<string, string>
  ): Promise<HttpAnswer<T>>;
  form<T = Record<string, unknown>>(
    path: string,
    fields: Record<string, string>,
    headers?: Record<string, string>
  ): Promise<HttpAnswer<T>>;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = await buildSandbox(options);
  await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
  const url = sandbox.url();
  const send = async <T>(method: string, path: string, init: { body?: string; headers: Record<string, string> }) => {
    const res = await fetch(`${url}${path}`, { method, ...init });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as T };
  };
  return {
    sandbox,
    url,
    json: (method, path, body, headers = {}) =>
      send(method, path, {
        ...(body !== undefined && { body: JSON.stringify(body) }),
        headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      }),
    form: (path, fields, headers = {}) =>
      send('POST', path, {
        body: new URLSearchParams(fields).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      }),
    close: () => sandbox.app.close(),
  };
}
