/**
 * SSRF guard for webhooks: a callback may only reach public addresses unless configured
 * otherwise. The check runs inside the HTTP client's DNS lookup, so the address that is
 * checked is the address that is connected to (no rebinding between check and use).
 */
import dns from 'node:dns';
import net from 'node:net';
import { VeilError } from '../errors.ts';

const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], // "this network", includes the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 can reach private IPv4
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv6');
}

/** True for addresses a webhook must not reach by default. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  // IPv4-mapped/compatible IPv6 (::ffff:10.0.0.1) is judged by its IPv4 address.
  const mapped = /^::(ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[2], 'ipv4');
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hexMapped) {
    const hi = parseInt(hexMapped[1], 16);
    const lo = parseInt(hexMapped[2], 16);
    return blocked.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
  }
  return blocked.check(address, 'ipv6');
}

export function parseCallbackUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new VeilError('CALLBACK_NOT_ALLOWED', 'callback_url must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new VeilError('CALLBACK_NOT_ALLOWED', 'callback_url must use http or https');
  }
  if (url.username || url.password) {
    throw new VeilError('CALLBACK_NOT_ALLOWED', 'callback_url must not carry credentials');
  }
  return url;
}

/** Every address the host resolves to (IPv4 and IPv6). */
export async function resolveAll(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (net.isIP(bare)) return [bare];
  const found = await dns.promises.lookup(bare, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

/** Throws CALLBACK_NOT_ALLOWED unless every address of the URL's host is allowed. */
export async function assertCallbackAllowed(raw: string, allowPrivate: boolean): Promise<URL> {
  const url = parseCallbackUrl(raw);
  if (allowPrivate) return url;
  let addresses: string[];
  try {
    addresses = await resolveAll(url.hostname);
  } catch {
    throw new VeilError(
      'CALLBACK_NOT_ALLOWED',
      `callback_url host ${url.hostname} does not resolve`,
    );
  }
  const bad = addresses.find(isPrivateAddress);
  if (addresses.length === 0 || bad) {
    throw new VeilError(
      'CALLBACK_NOT_ALLOWED',
      `callback_url resolves to a private or local address (${bad ?? 'none'})`,
    );
  }
  return url;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for http.request that refuses private addresses at connect time. */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as dns.LookupAddress[];
      const bad = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (bad || list.length === 0) {
        const refused = new Error(`refused webhook target ${bad?.address ?? hostname}`);
        return callback(Object.assign(refused, { code: 'EPRIVATE' }), []);
      }
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
