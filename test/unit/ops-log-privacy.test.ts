import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { privateLogger, scrubText } from '../../src/api/log-privacy.ts';

test('scrubText removes SAS signatures, account keys and URL passwords', () => {
  assert.equal(
    scrubText('GET https://a/b?sv=2024&sig=abc%2Bdef%3D&se=1 x'),
    'GET https://a/b?sv=2024&sig=[redacted]&se=1 x',
  );
  assert.equal(
    scrubText('AccountKey=Zm9v==;BlobEndpoint=x'),
    'AccountKey=[redacted];BlobEndpoint=x',
  );
  assert.equal(scrubText('redis://user:pw@host:6379'), 'redis://user:[redacted]@host:6379');
});

test('a private logger censors an Azure-like error, secret headers and buffers', () => {
  let out = '';
  const sink = new Writable({
    write(chunk, _e, done) {
      out += String(chunk);
      done();
    },
  });
  const err = Object.assign(new Error('403 on https://h/c/b?sp=r&sig=SIGVALUE123'), {
    request: { url: 'https://h/c/b?sig=SIGVALUE456', headers: { authorization: 'SharedKey k' } },
  });
  privateLogger(pino(sink))
    .child({ reqId: 'r1' })
    .error({ err, headers: { access_token: 'APIKEY789' }, file: Buffer.from('pixels') }, 'x');
  const line = JSON.parse(out) as Record<string, unknown>;
  assert.equal(line.reqId, 'r1');
  for (const secret of ['SIGVALUE123', 'SIGVALUE456', 'SharedKey k', 'APIKEY789', 'pixels']) {
    assert.equal(out.includes(secret), false, secret);
  }
  assert.match(out, /sig=\[redacted\]/);
  assert.equal(line.file, '[6 bytes]');
});
