/**
 * Client commands on a remote Veil (or any Syntonym API server), built on packages/client:
 * `veil remote anonymize|status|download|delete|jobs` and `veil credits`. `--url`/`--key`
 * default to the environment variables VEIL_URL and VEIL_KEY.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { type Command, Option } from 'commander';
import type {
  JobReport,
  ModelConfig,
  ProgressEvent,
  VeilClient,
} from '../../packages/client/src/index.ts';
import {
  addDetectionFlags,
  addRenderFlags,
  collectInputs,
  type MediaFlags,
} from './media-options.ts';

interface ServerFlags {
  url: string;
  key: string;
}

function withServer(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--url <url>', 'base URL of the Veil/Syntonym API')
        .env('VEIL_URL')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--key <key>', 'API key (access_token)').env('VEIL_KEY').makeOptionMandatory(),
    );
}

/** The client loads only when a remote command runs, not for `veil --help` or local commands. */
async function clientOf(f: ServerFlags): Promise<VeilClient> {
  if (!f.url) throw new Error('no server: pass --url <url> or set VEIL_URL');
  if (!f.key) throw new Error('no API key: pass --key <key> or set VEIL_KEY');
  const { VeilClient } = await import('../../packages/client/src/index.ts');
  return new VeilClient({ baseUrl: f.url, apiKey: f.key });
}

/** Runs a command body; errors become one line on stderr and exit code 1. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      console.error(`veil: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    }
  };
}

/** Flags as model_config; Veil-only parameters are sent only when they differ from defaults. */
export function remoteModelConfig(flags: MediaFlags): ModelConfig {
  const config: ModelConfig = {
    blur_face: flags.faces !== false,
    enable_lp: flags.lp !== false,
    blur_threshold: flags.threshold,
    lp_threshold: flags.lpThreshold,
    slicing: flags.slicing === true,
    mask_blur: flags.maskBlur === true,
    lp_track: flags.lpTrack === true,
  };
  if (flags.style && flags.style !== 'blur') config.style = flags.style as ModelConfig['style'];
  return config;
}

/** A one-line bar on a terminal; stage changes as plain lines otherwise (logs, pipes). */
function progressPrinter(label: string): (ev: ProgressEvent) => void {
  const tty = process.stderr.isTTY;
  let lastStage = '';
  return (ev) => {
    const [done, total] = ev.stage === 'upload' ? [ev.loaded, ev.total] : [ev.done, ev.total];
    const what = ev.stage === 'upload' ? 'uploading' : ev.report.job_status_description;
    if (tty) {
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const bar = '#'.repeat(Math.round(frac * 30)).padEnd(30, '.');
      process.stderr.write(`\r${label} ${what.padEnd(20)} [${bar}] ${Math.round(frac * 100)}% `);
      if (ev.stage === 'done') process.stderr.write('\n');
    } else if (what !== lastStage) {
      process.stderr.write(`${label}: ${what}\n`);
    }
    lastStage = what;
  };
}

function describeJob(r: JobReport): string {
  const lines = [
    `job ${r.job_id}: ${r.job_status_description} (status ${r.job_status}), ${r.job_total_credit_cost} credits, model ${r.model}`,
  ];
  for (const t of r.tasks) {
    const progress = t.progress ? ` ${t.progress.done}/${t.progress.total}` : '';
    const found = t.faces === null ? '' : `, ${t.faces} faces, ${t.plates} plates`;
    lines.push(
      `  ${t.file_name} (${t.kind}): ${t.status}${progress}${found}${t.error ? `: ${t.error}` : ''}`,
    );
  }
  return lines.join('\n');
}

export function registerRemote(program: Command): void {
  const remote = program
    .command('remote')
    .description('Use a remote Veil or Syntonym API server (--url/--key or VEIL_URL/VEIL_KEY)');

  const anonymize = remote
    .command('anonymize <files...>')
    .description('Upload, approve, wait and download each file (one job per file)')
    .option('-o, --output <dir>', 'folder for the results (named as the inputs)', 'anonymized')
    .option('--no-approve', 'only upload; approve later (prints the job ids)')
    .option('--delete', 'delete each job on the server after its download', false);
  addRenderFlags(addDetectionFlags(withServer(anonymize))).action(
    action(
      async (
        files: string[],
        flags: ServerFlags & MediaFlags & { output: string; approve: boolean; delete: boolean },
      ) => {
        const veil = await clientOf(flags);
        const config = remoteModelConfig(flags);
        const model = flags.model === 'syn' ? 'syn' : 'blur';
        for (const input of await collectInputs(files)) {
          const target = path.resolve(flags.output, path.basename(input.file));
          if (target === (await realpath(input.file))) {
            throw new Error(
              `${input.file}: the output would overwrite the input; choose another -o`,
            );
          }
          // One bad file is reported and the others still run; the exit code says something failed.
          try {
            const job = await veil.anonymize(input.file, {
              model,
              modelConfig: config,
              approve: flags.approve,
              onProgress: progressPrinter(input.relative),
            });
            if (!flags.approve) {
              process.stdout.write(`${input.file}: job ${job.id} uploaded, not approved\n`);
              continue;
            }
            const written = await job.download(flags.output);
            const r = job.report!;
            const faces = r.tasks.reduce((n, t) => n + (t.faces ?? 0), 0);
            const plates = r.tasks.reduce((n, t) => n + (t.plates ?? 0), 0);
            process.stdout.write(
              `${input.file} -> ${written.join(', ')}: job ${job.id}, ${r.job_total_credit_cost} credits, ${faces} faces, ${plates} plates\n`,
            );
            if (flags.delete) await job.delete();
          } catch (err) {
            console.error(
              `veil: ${input.file}: ${err instanceof Error ? err.message : String(err)}`,
            );
            process.exitCode = 1;
          }
        }
      },
    ),
  );

  withServer(remote.command('status <job_id>').description("Show a job's status and tasks"))
    .option('--json', 'print the JobReport as JSON', false)
    .action(
      action(async (jobId: string, flags: ServerFlags & { json: boolean }) => {
        const report = await (await clientOf(flags)).getJobResult(jobId);
        process.stdout.write(
          flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${describeJob(report)}\n`,
        );
      }),
    );

  withServer(
    remote.command('download <job_id>').description("Download a job's results (waits if running)"),
  )
    .option('-o, --output <dir>', 'folder for the results', 'anonymized')
    .option('--archive', 'also download the zip of all outputs of an archive job', false)
    .action(
      action(async (jobId: string, flags: ServerFlags & { output: string; archive: boolean }) => {
        const job = (await clientOf(flags)).job(jobId);
        for (const file of await job.download(flags.output, { archive: flags.archive })) {
          process.stdout.write(`${file}\n`);
        }
      }),
    );

  withServer(
    remote.command('delete <job_id>').description('Delete a job, its input and outputs'),
  ).action(
    action(async (jobId: string, flags: ServerFlags) => {
      await (await clientOf(flags)).deleteJob(jobId);
      process.stdout.write(`deleted ${jobId}\n`);
    }),
  );

  withServer(
    remote.command('jobs').description("List this key's jobs, newest first (Veil extension)"),
  )
    .option('--limit <n>', 'how many', '20')
    .action(
      action(async (flags: ServerFlags & { limit: string }) => {
        const page = await (await clientOf(flags)).listJobs({ limit: Number(flags.limit) });
        for (const j of page.jobs) {
          process.stdout.write(
            `${j.job_id}\t${j.job_status_description}\t${j.job_total_credit_cost}\t${j.file_name}\t${j.created_at}\n`,
          );
        }
      }),
    );

  withServer(
    program
      .command('credits')
      .description('Show the credit balance of a key on a server (Veil extension)'),
  )
    .option('--json', 'print the answer as JSON', false)
    .action(
      action(async (flags: ServerFlags & { json: boolean }) => {
        const c = await (await clientOf(flags)).getCredits();
        if (flags.json) return void process.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
        process.stdout.write(`balance: ${c.balance}\navailable: ${c.available}\n`);
        for (const e of c.entries) {
          process.stdout.write(
            `${e.created_at}\t${e.kind}\t${e.amount}${e.job_id ? `\t${e.job_id}` : ''}\n`,
          );
        }
      }),
    );
}
