import type { Command } from 'commander';

// Placeholder until the `serve` command lands.
export function registerServe(_program: Command): void {}
