import type { FastifyInstance, FastifyReply } from 'fastify';

import type { Ledger } from './ledger';
import type { SandboxRandom } from './random';

/**
 * One simulated provider: its API routes (tagged with `config.sandboxEndpoint` so faults can find
 * them), its `/_sandbox/<name>/…` control routes, and its state, which can be saved and restored
 * so a sandbox restart keeps payments. Adding a provider to the sandbox is adding one of these.
 */
export interface SandboxProvider {
  readonly name: string;
  register(app: FastifyInstance): void;
  /** Answers a body that cannot even be parsed (bad JSON, wrong content type) the provider's own way. */
  badRequest(reply: FastifyReply, message: string): FastifyReply;
  /**
   * The provider's own error answer for an HTTP `status` at one of its endpoints (its not-found body
   * for a 404): what a `read-error` fault answers when the fault gives no `body`.
   */
  errorAnswer(status: number, endpoint: string): ErrorAnswer;
  /** In strict-docs mode, the choices this instance drew where the docs leave one open (for `/_sandbox/meta`). */
  strictChoices?(): Record<string, unknown>;
  reset(): void;
  snapshot(): unknown;
  restore(snapshot: unknown): void;
}

export interface ErrorAnswer {
  /** Sent as JSON; `undefined` = an empty body. */
  readonly body: unknown;
  /** Defaults to JSON. */
  readonly contentType?: string;
}

export interface SandboxContext {
  readonly ledger: Ledger;
  /** The sandbox's own base URL, for links in answers (`_links.self.href`). */
  readonly baseUrl: () => string;
  /**
   * Strict-docs mode (`SANDBOX_STRICT_DOCS=1`): every behaviour the provider's docs do not state is
   * off, or drawn at random within what the docs allow (see src/sandbox/STRICT_DOCS.md).
   */
  readonly strictDocs: boolean;
  /** A seeded random stream per label (the seed is the run's `SANDBOX_SEED`). */
  readonly random: (label: string) => SandboxRandom;
}

/**
 * The `config` a provider route declares so faults can find it; `read` marks a read of state (a
 * status or payment read), the only endpoints a `read-error` fault applies to.
 */
export function tag(provider: string, endpoint: string, options: { read?: boolean } = {}) {
  return { config: { sandboxEndpoint: { provider, endpoint, read: options.read ?? false } } } as const;
}

/**
 * A number this sandbox instance puts into the ids it issues, so that two sandboxes (two test files,
 * a restart without a state file) never hand out the same payment id: real providers' ids are unique.
 */
export function instanceNumber(digits: number): number {
  return Math.floor(10 ** (digits - 1) + Math.random() * 9 * 10 ** (digits - 1));
}

/** Exact decimal string → integer minor units, or undefined if it has more digits than allowed. */
export function decimalToMinor(value: string, digits: number): number | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match) return undefined;
  const [, sign, whole = '', fraction = ''] = match;
  if (fraction.length > digits) return undefined;
  const minor = Number(whole + fraction.padEnd(digits, '0'));
  if (!Number.isSafeInteger(minor)) return undefined;
  return sign === '-' ? -minor : minor;
}

export function minorToDecimal(minor: number, digits: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = String(Math.abs(minor)).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${abs}` : `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}
