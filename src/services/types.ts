/**
 * The service facade the API and CLI call. Field names of reports follow the Syntonym API
 * (snake_case) because they are returned to clients as they are.
 */

/** Job status codes (documented in the OpenAPI). */
export const JobStatus = {
  INITIALIZED: 0,
  UPLOADED: 1,
  WAITING_FOR_APPROVAL: 2,
  QUEUED: 3,
  PROCESSING: 4,
  COMPLETED: 5,
  FAILED: 6,
  EXPIRED: 7,
  CANCELLED: 8,
} as const;

export type JobStatusCode = (typeof JobStatus)[keyof typeof JobStatus];

export const jobStatusDescriptions: Record<JobStatusCode, string> = {
  0: 'initialized',
  1: 'uploaded',
  2: 'waiting for approval',
  3: 'approved',
  4: 'processing',
  5: 'completed',
  6: 'failed',
  7: 'expired',
  8: 'cancelled',
};

export type TaskStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';

/** Model parameters as the API accepts them (query string or `model_config`), already typed. */
export interface ModelConfigInput {
  blur_face?: boolean;
  enable_lp?: boolean;
  blur_threshold?: number;
  lp_threshold?: number;
  slicing?: boolean;
  mask_blur?: boolean;
  lp_track?: boolean;
  syntonymize?: boolean;
  lp_syntonymize?: boolean;
  /** Veil extensions. */
  detections?: boolean;
  style?: 'blur' | 'pixelate' | 'fill';
}

export type ModelName = 'blur' | 'syn';

export interface TaskReport {
  task_id: string;
  file_name: string;
  kind: 'image' | 'video';
  status: TaskStatus;
  /** Frames (videos) or 0/1 (images) done so far. */
  progress: { done: number; total: number } | null;
  /** Read-only expiring SAS URL once the task completed, else null. */
  download_link: string | null;
  /** Only when `detections=true` was requested. */
  detections_link: string | null;
  faces: number | null;
  plates: number | null;
  width: number | null;
  height: number | null;
  duration_seconds: number | null;
  error: string | null;
}

export interface JobReport {
  job_id: string;
  job_status: JobStatusCode;
  job_status_description: string;
  job_total_credit_cost: number;
  file_name: string;
  model: ModelName;
  created_at: string;
  /** Archive jobs: one zip of every output, once done. Veil extension. */
  archive_download_link: string | null;
  tasks: TaskReport[];
}

/** Response of create_upload_session, as in the seed. */
export interface UploadSessionResponse {
  session_uri: string;
  job_id: string;
  upload_status: string;
  job_status: JobStatusCode;
  job_status_description: string;
  file_name: string;
  total_credit_cost: number;
  file_size: number;
  model: ModelName;
  model_config: ModelConfigInput;
}

export interface Principal {
  keyId: string;
  name: string;
}

export type ApproveOutcome = 'approved' | 'no_approval_needed' | 'already_approved';

export interface JobsApi {
  createDirectUpload(
    who: Principal,
    input: { fileName: string; model: ModelName; modelConfig: ModelConfigInput },
  ): Promise<{ jobId: string; uploadUrl: string }>;
  createUploadSession(
    who: Principal,
    input: {
      fileName: string;
      fileSize: number;
      contentType: string;
      model: ModelName;
      modelConfig: ModelConfigInput;
    },
  ): Promise<UploadSessionResponse>;
  /** Throws VeilError JOB_NOT_FOUND, JOB_NOT_READY (302) or NOT_ENOUGH_CREDITS (402). */
  approve(who: Principal, jobId: string): Promise<ApproveOutcome>;
  report(who: Principal, jobId: string): Promise<JobReport>;
  /** Deletes rows and every blob of the job. */
  delete(who: Principal, jobId: string): Promise<void>;
  /** Veil extension: stops a queued or running job; nothing is charged. */
  cancel(who: Principal, jobId: string): Promise<JobReport>;
  /** Throws CALLBACK_NOT_ALLOWED for private targets unless configured. */
  subscribe(who: Principal, jobId: string, callbackUrl: string): Promise<void>;
}

export interface KeysApi {
  /** null for an unknown token. Tokens are stored hashed. */
  authenticate(token: string): Promise<Principal | null>;
  create(input: { name: string; credits: number }): Promise<{ keyId: string; token: string }>;
  addCredits(keyId: string, credits: number): Promise<number>;
  balance(keyId: string): Promise<number>;
  list(): Promise<Array<{ keyId: string; name: string; balance: number; createdAt: string }>>;
}

/** Veil extension (GET /credits): a key's balance and its latest ledger entries. */
export interface CreditsReport {
  balance: number;
  /** Balance minus the costs of approved jobs that have not finished. */
  available: number;
  entries: Array<{
    kind: 'grant' | 'charge';
    amount: number;
    job_id: string | null;
    created_at: string;
  }>;
}

/** One line of GET /jobs (no task list: GET /get_job_result has it). */
export interface JobSummary {
  job_id: string;
  job_status: JobStatusCode;
  job_status_description: string;
  job_total_credit_cost: number;
  file_name: string;
  model: ModelName;
  created_at: string;
}

export interface JobList {
  jobs: JobSummary[];
  /** Opaque; pass as `cursor` for the next page. null on the last page. */
  next_cursor: string | null;
}

/** Veil extensions about the calling key: credits and its jobs. */
export interface AccountApi {
  credits(who: Principal, opts: { limit: number }): Promise<CreditsReport>;
  /** Newest first. Throws VeilError VALIDATION for a malformed cursor. */
  listJobs(who: Principal, opts: { limit: number; cursor?: string }): Promise<JobList>;
}
