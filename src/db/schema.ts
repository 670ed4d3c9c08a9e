/**
 * Table types for Kysely. Portable column types only (text, integer, real) so the same
 * queries run on SQLite and PostgreSQL: timestamps are ISO-8601 UTC text (sortable),
 * booleans are 0/1 integers, JSON is text.
 */
export interface ApiKeysTable {
  id: string;
  name: string;
  /** Hex SHA-256 of the token; the token itself is never stored. */
  token_hash: string;
  /** HMAC key for webhook signatures (random, shown when the key is created). */
  webhook_secret: string;
  created_at: string;
}

export interface CreditEntriesTable {
  id: string;
  key_id: string;
  kind: 'grant' | 'charge';
  /** Positive for grants, negative for charges. */
  amount: number;
  /** Set for charges; unique, so one job is charged at most once. */
  job_id: string | null;
  created_at: string;
}

export interface JobsTable {
  id: string;
  key_id: string;
  file_name: string;
  /** Declared by upload sessions; null for direct uploads. */
  file_size: number | null;
  content_type: string | null;
  model: 'blur' | 'syn';
  model_config: string;
  status: number;
  status_description: string;
  /** 'image' | 'video' | 'archive' once inspected. */
  media_kind: string | null;
  cost: number;
  input_key: string;
  archive_output_key: string | null;
  upload_kind: 'direct' | 'session';
  /** 'key' when approved by its key, 'auto' when no approval was needed. */
  approved_by: string | null;
  expires_at: string;
  last_checked_at: string | null;
  created_at: string;
  updated_at: string;
  approved_at: string | null;
  finished_at: string | null;
}

export interface TasksTable {
  id: string;
  job_id: string;
  /** Position in the job (archive member order). */
  seq: number;
  file_name: string;
  kind: 'image' | 'video';
  status: 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';
  cost: number;
  progress_done: number | null;
  progress_total: number | null;
  output_key: string | null;
  detections_key: string | null;
  faces: number | null;
  plates: number | null;
  width: number | null;
  height: number | null;
  duration_seconds: number | null;
  error: string | null;
  updated_at: string;
}

/** One segment of a long video task, processed by any worker (see src/worker/README.md). */
export interface TaskSegmentsTable {
  task_id: string;
  seq: number;
  job_id: string;
  /**
   * `whole`: the plan did not hold (a segment decoded other frames than planned), so this
   * segment's queue job processes the task in one piece; the others are then `abandoned`.
   */
  status: 'pending' | 'processing' | 'completed' | 'failed' | 'whole' | 'abandoned';
  /** Blob of the segment's input (warm-up frames, then its own). */
  input_key: string;
  /** Blob of the whole original file: audio, metadata and rotation at the join. */
  source_key: string;
  /** Index in the whole video of the segment's first output frame. */
  first_frame: number;
  warm_frames: number;
  /** Frames the segment outputs. */
  frames: number;
  frames_done: number;
  output_key: string | null;
  detections_key: string | null;
  faces: number | null;
  plates: number | null;
  error: string | null;
  updated_at: string;
}

export interface WebhooksTable {
  id: string;
  job_id: string;
  key_id: string;
  url: string;
  created_at: string;
}

export interface QueueJobsTable {
  id: string;
  name: string;
  payload: string;
  /** Unique while waiting/active; cleared when the job is given up. */
  dedupe_id: string | null;
  status: 'waiting' | 'active' | 'failed';
  attempts: number;
  max_attempts: number;
  backoff_ms: number;
  run_at: string;
  locked_until: string | null;
  lease_token: string | null;
  last_error: string | null;
  created_at: string;
}

export interface DB {
  api_keys: ApiKeysTable;
  credit_entries: CreditEntriesTable;
  jobs: JobsTable;
  tasks: TasksTable;
  task_segments: TaskSegmentsTable;
  webhooks: WebhooksTable;
  queue_jobs: QueueJobsTable;
}
