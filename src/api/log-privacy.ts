/**
 * Privacy of log lines: whatever a caller logs, no API key, SAS signature, account key or
 * webhook secret reaches the output. Azure SDK errors are the main risk: they carry the
 * request (URL with `sig=`, headers) as enumerable fields that pino's error serializer copies.
 */
import { stdSerializers, type Logger } from 'pino';

const CENSOR = '[redacted]';
const SECRET_KEYS = new Set([
  'access_token',
  'authorization',
  'x-ms-copy-source-authorization',
  'webhook_secret',
  'webhooksecret',
  'token',
  'secret',
  'accountkey',
  'connectionstring',
  'azureconnectionstring',
]);

/** Removes SAS signatures, account keys and passwords in URLs from one string. */
export function scrubText(text: string): string {
  return text
    .replace(/([?&](?:amp;)?sig=)[^&\s"'<>]+/gi, `$1${CENSOR}`)
    .replace(/(AccountKey=)[^;\s"']+/gi, `$1${CENSOR}`)
    .replace(/(SharedAccessSignature=)[^;\s"']+/gi, `$1${CENSOR}`)
    .replace(/(\/\/[^/:@\s]+:)[^@/\s]+@/g, `$1${CENSOR}@`);
}

/** A copy of `value` with secret-named fields censored and every string scrubbed. */
export function scrubValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8 || seen.has(value)) return '[omitted]';
  seen.add(value);
  // Files never go to logs: a buffer is described, not printed.
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (value instanceof Error) return scrubValue(stdSerializers.err(value), depth, seen);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEYS.has(key.toLowerCase()) ? CENSOR : scrubValue(v, depth + 1, seen);
  }
  return out;
}

/**
 * A child of `log` that censors the fields of every line it and its children write (Fastify's
 * request loggers included). Messages are constant strings by convention: data goes in fields.
 */
export function privateLogger(log: Logger): Logger {
  const child = log.child(
    {},
    {
      formatters: { log: (object) => scrubValue(object) as Record<string, unknown> },
      serializers: {
        err: (err: Error) => scrubValue(err),
        error: (err: Error) => scrubValue(err),
        req: (req) => scrubValue(stdSerializers.req(req)),
      },
    },
  );
  return child;
}
