/**
 * VeilClient: one method per endpoint of the Syntonym Public API (plus Veil's extensions),
 * and `anonymize()` which runs the whole flow. Works against any server speaking that API.
 */
import { openAsBlob } from 'node:fs';
import path from 'node:path';
import { uploadBlocks, uploadSingle, type UploadProgress } from './block-upload.ts';
import { ApiError } from './errors.ts';
import { VeilJob, type WaitOptions, type JobProgress } from './veil-job.ts';
import { toModelConfig, toQuery, type ModelOptions } from './options.ts';
import { TransientError, isTransientStatus, withRetries, type RetryOptions } from './retry.ts';
import type {
  ApproveOutcome,
  CreditsResponse,
  JobListResponse,
  JobReport,
  ModelConfig,
  ModelName,
  UploadSessionRequest,
  UploadSessionResponse,
} from './types.ts';

export interface VeilClientOptions {
  /** e.g. http://localhost:8080 (a path prefix such as /v1 may be part of it). */
  baseUrl: string;
  apiKey: string;
  /** Retries of idempotent requests and of each upload block. */
  retry?: RetryOptions;
  fetch?: typeof fetch;
}

export type ProgressEvent = ({ stage: 'upload' } & UploadProgress) | JobProgress;

export interface AnonymizeOptions extends ModelOptions {
  /** Default 'blur'. */
  model?: ModelName;
  /** Raw model_config entries, for parameters this client does not name. */
  modelConfig?: ModelConfig;
  /** Needed when the input is bytes rather than a path. */
  fileName?: string;
  onProgress?: (event: ProgressEvent) => void;
  /** Registers a webhook for this job (the client still polls to wait). */
  callbackUrl?: string;
  /** Approve once the cost is known (default true). */
  approve?: boolean;
  /** Wait until the job ends (default true); false returns right after approval. */
  wait?: boolean;
  /** Bytes per upload block (default 4 MiB). */
  blockSize?: number;
  /** Upload blocks in flight at once (default 4). */
  concurrency?: number;
  /** Give up waiting after this long (default: no limit). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type FileInput = string | Blob | Uint8Array;

/** create_upload_session refuses smaller files: those go through direct_upload instead. */
const MIN_SESSION_SIZE = 1000;

export class VeilClient {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly retry: RetryOptions;
  readonly fetch: typeof fetch;

  constructor(opts: VeilClientOptions) {
    if (!opts.baseUrl) throw new Error('VeilClient: baseUrl is required');
    if (!opts.apiKey) throw new Error('VeilClient: apiKey is required');
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.apiKey = opts.apiKey;
    this.retry = opts.retry ?? {};
    this.fetch = opts.fetch ?? ((...args) => fetch(...args));
  }

  /** One API call; `idempotent` ones are retried on network errors, 408, 429 and 5xx. */
  private async call(
    method: string,
    route: string,
    what: string,
    opts: {
      body?: unknown;
      ok?: number[];
      idempotent?: boolean;
      headers?: Record<string, string>;
    } = {},
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const ok = opts.ok ?? [200];
    const once = async () => {
      const headers: Record<string, string> = { access_token: this.apiKey, ...opts.headers };
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const res = await this.fetch(`${this.baseUrl}${route}`, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        redirect: 'manual',
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // Not JSON (a proxy's error page): keep the text.
      }
      if (ok.includes(res.status)) return { status: res.status, body, headers: res.headers };
      const detail = body && typeof body === 'object' && 'detail' in body ? body.detail : body;
      if (opts.idempotent && isTransientStatus(res.status)) {
        throw new TransientError(new ApiError(res.status, detail, what).message);
      }
      throw new ApiError(res.status, detail, what);
    };
    return opts.idempotent ? withRetries(once, this.retry) : once();
  }

  async createUploadSession(input: UploadSessionRequest): Promise<UploadSessionResponse> {
    const res = await this.call('POST', '/create_upload_session', 'create_upload_session', {
      body: input,
    });
    return res.body as UploadSessionResponse;
  }

  /** Creates a job by direct_upload; returns its id and the SAS URL to PUT the file to. */
  async directUpload(
    fileName: string,
    model: ModelName,
    config: ModelConfig = {},
  ): Promise<{ jobId: string; uploadUrl: string }> {
    const route = `/direct_upload/${encodeURIComponent(fileName)}?${toQuery(model, config)}`;
    const res = await this.call('PUT', route, 'direct_upload', {
      ok: [307],
      headers: { 'x-ms-blob-type': 'BlockBlob' },
    });
    const jobId = res.headers.get('job_id');
    const uploadUrl = res.headers.get('location');
    if (!jobId || !uploadUrl)
      throw new ApiError(307, 'no job_id or Location header', 'direct_upload');
    return { jobId, uploadUrl };
  }

  async notifyOnJobStatus(jobId: string, callbackUrl: string): Promise<void> {
    const q = new URLSearchParams({ job_id: jobId, callback_url: callbackUrl });
    await this.call('POST', `/notify_on_job_status?${q}`, 'notify_on_job_status');
  }

  /** 'not_ready' is the API's 302 (upload not complete or cost not known yet). */
  async approveJob(jobId: string): Promise<ApproveOutcome | 'not_ready'> {
    const res = await this.call('POST', `/approve_job/${jobId}`, 'approve_job', {
      ok: [200, 201, 202, 302],
      idempotent: true,
    });
    const outcomes = { 200: 'approved', 201: 'no_approval_needed', 202: 'already_approved' };
    return (outcomes as Record<number, ApproveOutcome>)[res.status] ?? 'not_ready';
  }

  async getJobResult(jobId: string): Promise<JobReport> {
    const res = await this.call('GET', `/get_job_result/${jobId}`, 'get_job_result', {
      idempotent: true,
    });
    const report = res.body as JobReport;
    // Other Syntonym servers may leave out tasks before a job is processed.
    return { ...report, tasks: report.tasks ?? [] };
  }

  async deleteJob(jobId: string): Promise<void> {
    await this.call('DELETE', `/delete_job/${jobId}`, 'delete_job', { idempotent: true });
  }

  /** Veil extension. */
  async cancelJob(jobId: string): Promise<JobReport> {
    const res = await this.call('POST', `/cancel_job/${jobId}`, 'cancel_job');
    return res.body as JobReport;
  }

  /** Veil extension: balance and recent ledger entries of this key. */
  async getCredits(opts: { limit?: number } = {}): Promise<CreditsResponse> {
    const q = opts.limit ? `?limit=${opts.limit}` : '';
    const res = await this.call('GET', `/credits${q}`, 'credits', { idempotent: true });
    return res.body as CreditsResponse;
  }

  /** Veil extension: this key's jobs, newest first; follow `next_cursor` for more. */
  async listJobs(opts: { limit?: number; cursor?: string } = {}): Promise<JobListResponse> {
    const q = new URLSearchParams();
    if (opts.limit) q.set('limit', String(opts.limit));
    if (opts.cursor) q.set('cursor', opts.cursor);
    const route = q.size ? `/jobs?${q}` : '/jobs';
    const res = await this.call('GET', route, 'jobs', { idempotent: true });
    return res.body as JobListResponse;
  }

  /** A handle on an existing job. */
  job(jobId: string): VeilJob {
    return new VeilJob(this, jobId);
  }

  /** Creates a job and uploads the file (blocks through an upload session; tiny files direct). */
  async upload(file: FileInput, opts: AnonymizeOptions = {}): Promise<VeilJob> {
    const { data, fileName } = await toBlob(file, opts.fileName);
    const model = opts.model ?? 'blur';
    const config = toModelConfig(opts, opts.modelConfig);
    const progress = (p: UploadProgress) => opts.onProgress?.({ stage: 'upload', ...p });
    const uploadOpts = {
      ...this.retry,
      signal: opts.signal,
      onProgress: progress,
      fetch: this.fetch,
    };
    let jobId: string;
    if (data.size < MIN_SESSION_SIZE) {
      const direct = await this.directUpload(fileName, model, config);
      jobId = direct.jobId;
      await uploadSingle(direct.uploadUrl, data, uploadOpts);
    } else {
      const session = await this.createUploadSession({
        file_name: fileName,
        file_size: data.size,
        content_type: 'application/octet-stream',
        model,
        model_config: config,
      });
      jobId = session.job_id;
      await uploadBlocks(session.session_uri, data, {
        ...uploadOpts,
        blockSize: opts.blockSize,
        concurrency: opts.concurrency,
      });
    }
    if (opts.callbackUrl) await this.notifyOnJobStatus(jobId, opts.callbackUrl);
    return this.job(jobId);
  }

  /** Upload, approve once costed, and (by default) wait until the job ends. */
  async anonymize(file: FileInput, opts: AnonymizeOptions = {}): Promise<VeilJob> {
    const job = await this.upload(file, opts);
    const waitOpts: WaitOptions = {
      onProgress: opts.onProgress,
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
    };
    if (opts.approve === false) return job;
    await job.approveWhenReady(waitOpts);
    if (opts.wait !== false) await job.wait(waitOpts);
    return job;
  }
}

async function toBlob(file: FileInput, name?: string): Promise<{ data: Blob; fileName: string }> {
  if (typeof file === 'string') {
    // A Blob backed by the file: blocks are read as they are sent, never the whole file.
    return { data: await openAsBlob(file), fileName: name ?? path.basename(file) };
  }
  if (!name) throw new Error('fileName is required when the input is not a path');
  return { data: file instanceof Blob ? file : new Blob([new Uint8Array(file)]), fileName: name };
}
