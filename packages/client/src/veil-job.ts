/** A job on the server: wait for it (polling with backoff), approve, download, delete. */
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ApiError, JobFailedError } from './errors.ts';
import { TransientError, isTransientStatus, sleep, withRetries } from './retry.ts';
import { FINAL_STATUSES, JobStatus, type JobReport } from './types.ts';
import type { VeilClient } from './veil-client.ts';

export interface JobProgress {
  stage: 'waiting' | 'processing' | 'done';
  report: JobReport;
  /** Sum over tasks of frames (videos) or 0/1 (images) done, and their total. */
  done: number;
  total: number;
}

export interface WaitOptions {
  onProgress?: (p: JobProgress) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** First poll delay (default 300 ms), grown 1.5x while nothing changes, up to maxPollMs. */
  minPollMs?: number;
  /** Default 5 s. */
  maxPollMs?: number;
}

function progressOf(report: JobReport): JobProgress {
  let done = 0;
  let total = 0;
  for (const t of report.tasks) {
    const p = t.progress ?? { done: t.status === 'completed' ? 1 : 0, total: 1 };
    done += t.status === 'completed' ? p.total : p.done;
    total += p.total;
  }
  const stage = FINAL_STATUSES.includes(report.job_status)
    ? 'done'
    : report.job_status >= JobStatus.QUEUED
      ? 'processing'
      : 'waiting';
  return { stage, report, done, total };
}

export class VeilJob {
  readonly id: string;
  /** The last report read from the server. */
  report: JobReport | null = null;
  private readonly client: VeilClient;

  constructor(client: VeilClient, id: string) {
    this.client = client;
    this.id = id;
  }

  async refresh(): Promise<JobReport> {
    this.report = await this.client.getJobResult(this.id);
    return this.report;
  }

  /** Polls until `until(report)` holds; backs off while the report does not change. */
  async poll(until: (r: JobReport) => boolean, opts: WaitOptions = {}): Promise<JobReport> {
    const min = opts.minPollMs ?? 300;
    const max = opts.maxPollMs ?? 5000;
    const deadline = opts.timeoutMs ? Date.now() + opts.timeoutMs : Infinity;
    let delay = min;
    let last = '';
    for (;;) {
      const report = await this.refresh();
      const progress = progressOf(report);
      const seen = `${report.job_status}:${progress.done}`;
      if (seen !== last) {
        opts.onProgress?.(progress);
        delay = min;
        last = seen;
      } else {
        delay = Math.min(max, delay * 1.5);
      }
      if (until(report)) return report;
      if (Date.now() + delay > deadline) {
        throw new Error(
          `Job ${this.id} still ${report.job_status_description} after ${opts.timeoutMs} ms`,
        );
      }
      await sleep(delay, opts.signal);
    }
  }

  /** Waits until the job is costed, then approves it (a no-op if it needs no approval). */
  async approveWhenReady(opts: WaitOptions = {}): Promise<JobReport> {
    const report = await this.poll((r) => r.job_status >= JobStatus.WAITING_FOR_APPROVAL, opts);
    this.throwIfFailed(report);
    if (report.job_status === JobStatus.WAITING_FOR_APPROVAL) {
      for (;;) {
        if ((await this.client.approveJob(this.id)) !== 'not_ready') break;
        await sleep(opts.minPollMs ?? 300, opts.signal);
      }
    }
    return this.refresh();
  }

  /** Waits until the job ends; throws JobFailedError unless it completed. */
  async wait(opts: WaitOptions = {}): Promise<JobReport> {
    const report = await this.poll((r) => FINAL_STATUSES.includes(r.job_status), opts);
    this.throwIfFailed(report);
    return report;
  }

  private throwIfFailed(report: JobReport): void {
    if (report.job_status === JobStatus.COMPLETED || !FINAL_STATUSES.includes(report.job_status)) {
      return;
    }
    const errors = report.tasks.filter((t) => t.error).map((t) => `${t.file_name}: ${t.error}`);
    throw new JobFailedError(this.id, report.job_status, report.job_status_description, errors);
  }

  /**
   * Downloads every completed task's output into `dir` under its file name (waiting for the
   * job first if needed); returns the paths written. `archive: true` also fetches the zip of
   * all outputs of an archive job.
   */
  async download(dir: string, opts: WaitOptions & { archive?: boolean } = {}): Promise<string[]> {
    let report = this.report;
    if (!report || !FINAL_STATUSES.includes(report.job_status)) report = await this.wait(opts);
    else report = await this.refresh(); // fresh links: SAS URLs expire.
    await mkdir(dir, { recursive: true });
    const written: string[] = [];
    const links = report.tasks
      .filter((t) => t.download_link)
      .map((t) => ({ url: t.download_link!, name: t.file_name }));
    if (opts.archive && report.archive_download_link) {
      links.push({ url: report.archive_download_link, name: 'outputs.zip' });
    }
    for (const { url, name } of links) {
      // Archive members may carry folders in their names; never write outside `dir`.
      const target = path.join(dir, path.basename(name));
      await this.fetchTo(url, target, opts.signal);
      written.push(target);
    }
    return written;
  }

  private async fetchTo(url: string, target: string, signal?: AbortSignal): Promise<void> {
    const partial = `${target}.part`;
    await withRetries(
      async () => {
        const res = await this.client.fetch(url, { signal });
        if (!res.ok || !res.body) {
          await res.body?.cancel();
          const err = new ApiError(res.status, null, `download of ${path.basename(target)}`);
          if (isTransientStatus(res.status)) throw new TransientError(err.message);
          throw err;
        }
        await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(partial));
      },
      { signal },
    );
    await rename(partial, target);
  }

  /** Deletes the job with its input and outputs on the server. */
  async delete(): Promise<void> {
    await this.client.deleteJob(this.id);
  }

  /** Veil extension: stops a queued or running job. */
  async cancel(): Promise<JobReport> {
    this.report = await this.client.cancelJob(this.id);
    return this.report;
  }
}
