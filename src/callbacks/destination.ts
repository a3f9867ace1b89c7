import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where a completion callback may go. A `callbackUrl` comes from whoever starts a refund, and the
 * worker POSTs to it from inside the network, so without these rules it could reach the sandbox's
 * control API, a metadata service or any internal host (SSRF). Checked twice: at the API, so a bad
 * URL is a 400 naming the field, and at delivery, where every address the host resolves to is
 * checked again at connect time (a DNS answer that changes in between cannot slip through).
 */
export interface CallbackDestinationPolicy {
  /** Host names a callback may name (`hooks.example.com`, `*.example.com`); empty: any public host. */
  readonly allowedHosts: readonly string[];
  /** Development and tests only: plain http to loopback addresses. */
  readonly allowLoopback: boolean;
}

/** Addresses no callback may reach: private, loopback, link-local, shared, reserved, multicast. */
const forbidden = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  forbidden.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  forbidden.addSubnet(net, prefix, 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 address it is. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return { address: mapped[1], family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** `localhost`, or an address literal in 127.0.0.0/8 or ::1 (IPv4 written as IPv6 included). */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const a = unmapped(host);
  return isIP(a.address) !== 0 && loopback.check(a.address, a.family);
}

/** May a callback connect to this resolved address? */
export function addressAllowed(address: string, policy: CallbackDestinationPolicy): boolean {
  const a = unmapped(address);
  if (isIP(a.address) === 0) return false;
  if (policy.allowLoopback && loopback.check(a.address, a.family)) return true;
  return !forbidden.check(a.address, a.family);
}

function hostAllowed(host: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  return allowed.some((entry) =>
    entry.startsWith('*.') ? host.endsWith(entry.slice(1)) && host.length > entry.length - 1 : host === entry
  );
}

/** Why a `callbackUrl` may not be used, or `undefined` when it may (before DNS, which delivery checks). */
export function callbackUrlProblem(url: string, policy: CallbackDestinationPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.username !== '' || parsed.password !== '') return 'must not carry credentials';
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const literal = isIP(host) !== 0;
  const loopbackAllowed = policy.allowLoopback && isLoopbackHost(host);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopbackAllowed)) return 'must be https';
  if (loopbackAllowed) return undefined;
  if (!hostAllowed(host, policy.allowedHosts)) return `host ${host} is not in CALLBACK_ALLOWED_HOSTS`;
  if (literal && !addressAllowed(host, policy)) return `host ${host} is not a public address`;
  if (host === 'localhost' || host.endsWith('.localhost')) return `host ${host} is not a public address`;
  return undefined;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `http.request` that resolves as usual and refuses the connection unless every
 * address the name resolves to may be reached: the check happens at connect time, on the very
 * addresses the socket will use.
 */
export function guardedLookup(policy: CallbackDestinationPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const refused = addresses.find((a) => !addressAllowed(a.address, policy));
      if (refused !== undefined || addresses.length === 0) {
        const denied: NodeJS.ErrnoException = new Error(
          `${hostname} resolves to ${refused?.address ?? 'nothing'}, which callbacks may not reach`
        );
        denied.code = 'ECALLBACKDENIED';
        return callback(denied, []);
      }
      if (options.all === true) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}
