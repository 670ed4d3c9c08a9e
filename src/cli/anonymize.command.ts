import type { Command } from 'commander';

// Placeholder until the `anonymize` command lands.
export function registerAnonymize(_program: Command): void {}
