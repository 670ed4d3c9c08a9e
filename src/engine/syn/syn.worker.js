// Plain-JS entry of the syn worker (see ../inference.worker.js): register tsx, then load it.
import { register } from 'tsx/esm/api';

register();
await import('./syn.worker.ts');
