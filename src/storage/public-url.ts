/**
 * SAS URLs handed to clients may need another base than the one the server talks to (the
 * embedded Azurite listens on loopback; a proxy or a public name fronts it). The signature
 * covers the account, container, blob and permissions, never the host, so moving a SAS URL
 * onto another base keeps it valid as long as the path under the base is the same.
 */

/**
 * `url` with its `internalBase` prefix (scheme, host, port and any path up to the account)
 * replaced by `publicBase`. Query and blob path are kept byte for byte.
 */
export function rebaseUrl(url: string, internalBase: string, publicBase: string): string {
  const from = internalBase.replace(/\/+$/, '');
  const to = publicBase.replace(/\/+$/, '');
  const rest = url.slice(from.length);
  if (!url.startsWith(from) || (rest !== '' && !/^[/?]/.test(rest))) {
    throw new Error(`URL ${new URL(url).origin}/... is not under the blob endpoint ${from}`);
  }
  return to + rest;
}
