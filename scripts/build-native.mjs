// npm's install hook: builds Veil's native kernels (binding.gyp, src/native/kernels.c) with the
// node-gyp that npm ships. Never fails the install: without a C compiler Veil runs the same
// kernels in JavaScript (src/native/index.ts), only slower.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const gyp =
  process.env.npm_config_node_gyp ??
  path.join(
    path.dirname(process.execPath),
    '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  );
if (process.env.VEIL_NATIVE === '0' || !existsSync(gyp)) {
  console.warn(
    'veil: native kernels not built (VEIL_NATIVE=0 or node-gyp not found): JavaScript kernels',
  );
  process.exit(0);
}
const r = spawnSync(process.execPath, [gyp, 'rebuild'], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (r.status !== 0) {
  console.warn('veil: native kernels failed to build: JavaScript kernels (same results, slower)');
}
process.exit(0);
