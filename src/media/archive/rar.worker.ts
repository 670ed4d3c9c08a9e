/** Worker thread body: extracts one rar archive with the synchronous unrar WASM, replies once. */
import { parentPort, workerData } from 'node:worker_threads';
import { isVeilError } from '../../errors.ts';
import { ExtractionBudget } from './entry-policy.ts';
import { extractRarHere, type RarJob, type RarReply } from './rar.extractor.ts';

const job = workerData as RarJob;
let reply: RarReply;
try {
  const budget = new ExtractionBudget(job.limits, job.archiveBytes);
  reply = { ok: true, results: await extractRarHere(job.archivePath, job.destDir, budget) };
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  reply = isVeilError(err) ? { ok: false, code: err.code, message } : { ok: false, message };
}
parentPort!.postMessage(reply);
