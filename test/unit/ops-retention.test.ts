import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expiredDescription, outputExpiry } from '../../src/services/retention.service.ts';

test('expired description names the retention period in days or hours', () => {
  assert.equal(
    expiredDescription(168),
    'expired: outputs were deleted after 7 days (retention period)',
  );
  assert.equal(
    expiredDescription(24),
    'expired: outputs were deleted after 1 day (retention period)',
  );
  assert.equal(
    expiredDescription(36),
    'expired: outputs were deleted after 36 hours (retention period)',
  );
});

test('output expiry is finished_at plus the retention hours', () => {
  assert.equal(
    outputExpiry('2026-01-01T00:00:00.000Z', 168).toISOString(),
    '2026-01-08T00:00:00.000Z',
  );
});
