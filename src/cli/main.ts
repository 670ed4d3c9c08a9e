/** The `veil` command: local anonymization, the server, key management. */
import { Command } from 'commander';
import { registerAnonymize } from './anonymize.command.ts';
import { registerDetect } from './detect.command.ts';
import { registerKeys } from './keys.command.ts';
import { registerRemote } from './remote.command.ts';
import { registerServe } from './serve.command.ts';

const program = new Command('veil').description(
  'Anonymize faces and license plates in images, videos and archives.',
);
registerAnonymize(program);
registerDetect(program);
registerServe(program);
registerKeys(program);
registerRemote(program);

await program.parseAsync(process.argv);
