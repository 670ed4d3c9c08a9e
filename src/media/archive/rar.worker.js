// Plain-JS entry of the rar worker. A worker thread does not inherit tsx hooks that the main
// thread registered through tsx's register() API (the `bin/veil.js` path), so register them here
// before loading the TypeScript worker. Under `node --import tsx` this is harmless.
import { register } from 'tsx/esm/api';

register();
await import('./rar.worker.ts');
