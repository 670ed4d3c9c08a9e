import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isVeilError } from '../../../src/errors.ts';
import { assertCallbackAllowed, isPrivateAddress } from '../../../src/services/callback-guard.ts';

describe('callback guard', () => {
  const refused = [
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '0.0.0.0',
    '100.64.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe',
    'ff02::1',
    'not-an-ip',
  ];
  const allowed = [
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '192.169.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
  ];
  for (const ip of refused) it(`refuses ${ip}`, () => assert.equal(isPrivateAddress(ip), true));
  for (const ip of allowed) it(`allows ${ip}`, () => assert.equal(isPrivateAddress(ip), false));

  it('refuses a host name that resolves to loopback, and IP literals in brackets', async () => {
    for (const url of [
      'http://localhost:9/x',
      'http://[::1]:9/x',
      'http://169.254.169.254/latest',
    ]) {
      await assert.rejects(assertCallbackAllowed(url, false), (e) =>
        isVeilError(e, 'CALLBACK_NOT_ALLOWED'),
      );
    }
  });

  it('refuses other schemes and credentials, allows loopback when configured', async () => {
    for (const url of [
      'ftp://example.com/x',
      'file:///etc/passwd',
      'http://u:p@example.com/',
      'nope',
    ]) {
      await assert.rejects(assertCallbackAllowed(url, true), (e) =>
        isVeilError(e, 'CALLBACK_NOT_ALLOWED'),
      );
    }
    assert.equal((await assertCallbackAllowed('http://127.0.0.1:9/hook', true)).port, '9');
  });
});
