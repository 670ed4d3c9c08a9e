/** A Node process warning on stderr, said once per process for each message. */
const said = new Set<string>();

export function warnOnce(message: string, code: string): void {
  if (said.has(message)) return;
  said.add(message);
  process.emitWarning(message, { code });
}
