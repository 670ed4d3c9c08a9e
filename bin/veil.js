#!/usr/bin/env node
// Runs the TypeScript sources through tsx so `npx veil` works right after `npm ci`.
import { register } from 'tsx/esm/api';

// Each video being anonymized keeps up to two of libuv's pool threads waiting on its raw frame
// pipes (src/media/video/frame.pipe.ts); the default pool has 4. Read when the pool starts,
// which nothing has asked for yet.
process.env.UV_THREADPOOL_SIZE ??= '16';

register();
await import('../src/cli/main.ts');
