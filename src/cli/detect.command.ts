import type { Command } from 'commander';

// Placeholder until the `detect` command lands.
export function registerDetect(_program: Command): void {}
