import net from 'node:net';

/** A port that was free a moment ago (the OS picks it); good enough for a local test server. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A free port in [min, max] (tried at random), for servers whose ports must stay in a range:
 * Temporal stores its membership ports as a PostgreSQL smallint (at most 32767).
 */
export async function freePortIn(min: number, max: number): Promise<number> {
  return freePortRunIn(min, max, 1, new Set());
}

/**
 * The first of `length` consecutive ports in [min, max], each free now and none in `taken`
 * (which they join). For ports a process is given again after a restart: picked below Linux's
 * ephemeral range (32768–60999), no outgoing connection takes one in between.
 */
export async function freePortRunIn(min: number, max: number, length: number, taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const first = min + Math.floor(Math.random() * (max - length + 1 - min + 1));
    const run = Array.from({ length }, (_, i) => first + i);
    if (run.some((port) => taken.has(port))) continue;
    if (!(await Promise.all(run.map(portFree))).every(Boolean)) continue;
    for (const port of run) taken.add(port);
    return first;
  }
  throw new Error(`no ${String(length)} free consecutive ports in ${String(min)}–${String(max)}`);
}

/** Whether nothing listens on 127.0.0.1:port. */
export async function portFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
