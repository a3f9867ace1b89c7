import { createHash, timingSafeEqual } from 'node:crypto';

import { z } from 'zod';

/**
 * Bearer tokens of the HTTP API. Each token has a name, which is recorded as the actor of what it
 * does, and scopes, which decide the routes it may call. Configured as `API_TOKENS` (or the file
 * named by `API_TOKENS_FILE`): entries `<name>@<scope>+<scope>=<token>`, separated by commas or
 * new lines, e.g. `backend@refunds:create+refunds:read=…,ops@refunds:read+refunds:operate=…`.
 */

export const apiScopes = ['refunds:create', 'refunds:read', 'refunds:operate'] as const;
export type ApiScope = (typeof apiScopes)[number];

export interface ApiToken {
  /** Recorded as the actor beside the free-text `by`; never the token itself. */
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  readonly token: string;
}

/** A name that is safe in logs, history and search attributes. */
const tokenNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be 1-64 of a-z 0-9 _ . -');
/** Long enough that guessing is hopeless; no separators, so an entry splits one way only. */
const tokenValueSchema = z.string().regex(/^[\x21-\x2b\x2d-\x7e]{24,512}$/, 'must be 24-512 printable characters');

const ENTRY = /^([^@=]*)@([^=]*)=(.*)$/;

/**
 * Parses the configured tokens; each problem names the entry by its position, never by its token.
 * A bare token without name and scopes is refused: it would silently carry every right.
 */
export function parseApiTokens(text: string | undefined): { tokens: ApiToken[]; issues: string[] } {
  const tokens: ApiToken[] = [];
  const issues: string[] = [];
  const entries = (text ?? '')
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  entries.forEach((entry, i) => {
    const where = `API_TOKENS: entry ${i + 1}`;
    const match = ENTRY.exec(entry);
    if (!match) {
      issues.push(`${where} must be <name>@<scope>+<scope>=<token> (scopes: ${apiScopes.join(', ')})`);
      return;
    }
    const [, name = '', scopeList = '', token = ''] = match;
    const scopes = scopeList.split('+').filter((s) => s.length > 0);
    const unknown = scopes.filter((s) => !(apiScopes as readonly string[]).includes(s));
    if (!tokenNameSchema.safeParse(name).success) issues.push(`${where}: the name must be 1-64 of a-z 0-9 _ . -`);
    if (scopes.length === 0) issues.push(`${where}: names no scope (${apiScopes.join(', ')})`);
    if (unknown.length > 0) issues.push(`${where}: unknown scope ${unknown.join(', ')} (${apiScopes.join(', ')})`);
    if (!tokenValueSchema.safeParse(token).success) {
      issues.push(`${where}: the token must be 24-512 printable characters without "," (e.g. openssl rand -hex 32)`);
    }
    if (tokens.some((t) => t.name === name)) issues.push(`${where}: the name ${name} is used twice`);
    if (tokens.some((t) => t.token === token)) issues.push(`${where}: the same token is configured twice`);
    tokens.push({ name, scopes: scopes as ApiScope[], token });
  });
  return { tokens, issues };
}

/**
 * A finder of the token a bearer header carries. The configured tokens' digests are computed once;
 * each request's is compared in constant time against every one (digests, so lengths leak nothing).
 */
export function apiTokenFinder(tokens: readonly ApiToken[]): (header: string | undefined) => ApiToken | undefined {
  const known = tokens.map((token) => ({ token, digest: sha256(token.token) }));
  return (header) => {
    const given = /^Bearer ([\x21-\x7e]+)$/.exec(header ?? '')?.[1];
    if (given === undefined) return undefined;
    const digest = sha256(given);
    let found: ApiToken | undefined;
    for (const k of known) if (timingSafeEqual(digest, k.digest) && found === undefined) found = k.token;
    return found;
  };
}

export function findApiToken(header: string | undefined, tokens: readonly ApiToken[]): ApiToken | undefined {
  return apiTokenFinder(tokens)(header);
}

/** A check of a secret given by a caller, in constant time, against one configured secret (or none). */
export function secretMatcher(expected: string | undefined): (given: string) => boolean {
  const digest = expected === undefined ? undefined : sha256(expected);
  return (given) => digest !== undefined && timingSafeEqual(sha256(given), digest);
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
