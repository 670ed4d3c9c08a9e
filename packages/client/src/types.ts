/**
 * Wire types of the Syntonym Public API 0.6.0 and Veil's extensions, hand-written from the
 * server's TypeBox schemas (`src/api/schemas/`, served at `/openapi.json`). A type test
 * (`wireTypesMatch` in `test/integration/client/veil-client.test.ts`) fails to compile if they drift apart.
 */

export type ModelName = 'blur' | 'syn';

/** Model parameters as sent on the wire (snake_case, as the API names them). */
export interface ModelConfig {
  blur_face?: boolean;
  enable_lp?: boolean;
  blur_threshold?: number;
  lp_threshold?: number;
  slicing?: boolean;
  mask_blur?: boolean;
  lp_track?: boolean;
  syntonymize?: boolean;
  lp_syntonymize?: boolean;
  /** Alias of `lp_syntonymize` (`lpSyntonymize` in the client's options). */
  lp_syn?: boolean;
  /** Veil extension. */
  detections?: boolean;
  /** Veil extension. */
  style?: 'blur' | 'pixelate' | 'fill';
}

/** 0 initialized, 1 uploaded, 2 waiting for approval, 3 approved, 4 processing, 5 completed, 6 failed, 7 expired, 8 cancelled. */
export type JobStatusCode = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

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

/** Statuses after which a job never changes again. */
export const FINAL_STATUSES: readonly number[] = [5, 6, 7, 8];

export type TaskStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';

export interface TaskReport {
  task_id: string;
  file_name: string;
  kind: 'image' | 'video';
  status: TaskStatus;
  progress: { done: number; total: number } | null;
  download_link: string | null;
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
  archive_download_link: string | null;
  tasks: TaskReport[];
}

export interface UploadSessionRequest {
  file_name: string;
  file_size: number;
  content_type: string;
  model: ModelName;
  model_config: ModelConfig;
}

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
  model_config: ModelConfig;
}

export interface DirectUploadResponse {
  url: string;
  status_code: 307;
  headers: Record<string, string>;
}

/** Veil extension: GET /credits. */
export interface CreditsResponse {
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

/** Veil extension: GET /jobs. */
export interface JobSummary {
  job_id: string;
  job_status: JobStatusCode;
  job_status_description: string;
  job_total_credit_cost: number;
  file_name: string;
  model: ModelName;
  created_at: string;
}

export interface JobListResponse {
  jobs: JobSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

export type ApproveOutcome = 'approved' | 'no_approval_needed' | 'already_approved';
