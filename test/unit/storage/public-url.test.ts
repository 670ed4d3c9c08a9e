import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { rebaseUrl } from '../../../src/storage/public-url.ts';

const sas =
  'http://127.0.0.1:10000/devstoreaccount1/veil/jobs/1/input/a%20b.jpg?sv=2025-01-05&sp=cw&sig=x%2By';

test('moves a SAS URL onto the public base, keeping blob path and query byte for byte', () => {
  const internal = 'http://127.0.0.1:10000/devstoreaccount1';
  for (const base of [
    'http://veil.example:10000/devstoreaccount1',
    'http://veil.example:10000/devstoreaccount1/',
  ]) {
    assert.equal(
      rebaseUrl(sas, internal, base),
      'http://veil.example:10000/devstoreaccount1/veil/jobs/1/input/a%20b.jpg?sv=2025-01-05&sp=cw&sig=x%2By',
    );
  }
  assert.equal(
    rebaseUrl(
      'https://acct.blob.core.windows.net/veil/x.jpg?sig=1',
      'https://acct.blob.core.windows.net/',
      'https://files.example.com',
    ),
    'https://files.example.com/veil/x.jpg?sig=1',
  );
});

test('refuses a URL that is not under the internal base', () => {
  assert.throws(() => rebaseUrl(sas, 'http://127.0.0.1:10001/devstoreaccount1', 'http://x'));
  assert.throws(() => rebaseUrl(sas, 'http://127.0.0.1:10000/devstore', 'http://x'));
});

test('VEIL_PUBLIC_BLOB_URL is an http(s) URL, stored without a trailing slash', () => {
  assert.equal(loadConfig({}).publicBlobUrl, undefined);
  assert.equal(
    loadConfig({ VEIL_PUBLIC_BLOB_URL: 'https://veil.example/devstoreaccount1/' }).publicBlobUrl,
    'https://veil.example/devstoreaccount1',
  );
  for (const bad of ['veil.example:10000', 'ftp://veil.example/x']) {
    assert.throws(
      () => loadConfig({ VEIL_PUBLIC_BLOB_URL: bad }),
      (e: Error) => e instanceof ConfigError && /VEIL_PUBLIC_BLOB_URL/.test(e.message),
    );
  }
});
