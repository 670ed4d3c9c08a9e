/**
 * One table of coded errors. Every error a user can see is one of these: the API maps
 * `status` to the HTTP status and `message` to `{"detail": ...}`; 5xx never shows internals.
 */
export const ErrorCodes = {
  UNAUTHORIZED: { status: 401, message: 'Missing or unknown access_token' },
  JOB_NOT_FOUND: { status: 404, message: 'Job not found' },
  VALIDATION: { status: 422, message: 'Invalid request' },
  BAD_BLOB_TYPE: { status: 400, message: 'Header x-ms-blob-type must be BlockBlob' },
  UNSUPPORTED_FORMAT: { status: 422, message: 'Unsupported file format' },
  NOT_ENOUGH_CREDITS: { status: 402, message: 'Not enough credits to approve this job' },
  JOB_NOT_READY: { status: 302, message: 'Job is not ready for approval' },
  JOB_NOT_CANCELLABLE: { status: 409, message: 'Job can no longer be cancelled' },
  CALLBACK_NOT_ALLOWED: { status: 422, message: 'callback_url is not allowed' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  CORRUPT_MEDIA: { status: 422, message: 'File is corrupt or not the format its name says' },
  ARCHIVE_REJECTED: { status: 422, message: 'Archive rejected' },
  MEDIA_TOO_LARGE: { status: 422, message: 'Media dimensions exceed the limit' },
  CANCELLED: { status: 409, message: 'Cancelled' },
  INTERNAL: { status: 500, message: 'Internal server error' },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class VeilError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ErrorCodes[code].message, options);
    this.name = 'VeilError';
    this.code = code;
    this.status = ErrorCodes[code].status;
  }
}

export function isVeilError(err: unknown, code?: ErrorCode): err is VeilError {
  return err instanceof VeilError && (code === undefined || err.code === code);
}
