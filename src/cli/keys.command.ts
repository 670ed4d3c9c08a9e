import type { Command } from 'commander';

// Placeholder until the `keys` command lands.
export function registerKeys(_program: Command): void {}
