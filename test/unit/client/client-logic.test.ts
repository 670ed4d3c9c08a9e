/** Pure parts of the client: block ids, block lists, option mapping, error words, cursors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockListXml, withQuery } from '../../../packages/client/src/block-upload.ts';
import { blockId, describeDetail, toModelConfig } from '../../../packages/client/src/index.ts';
import { toQuery } from '../../../packages/client/src/options.ts';
import { withRetries, TransientError } from '../../../packages/client/src/retry.ts';
import { decodeCursor, encodeCursor } from '../../../src/services/account.service.ts';

describe('client logic', () => {
  it('makes block ids of one length: base64 of a 4-byte big-endian index', () => {
    const cases: Array<[number, string]> = [
      [0, 'AAAAAA=='],
      [1, 'AAAAAQ=='],
      [255, 'AAAA/w=='],
      [256, 'AAABAA=='],
    ];
    for (const [index, id] of cases) assert.equal(blockId(index), id);
    assert.equal(Buffer.from(blockId(70_000), 'base64').readUInt32BE(0), 70_000);
  });

  it('commits blocks in order as Latest entries', () => {
    assert.equal(
      blockListXml(['AAAAAA==', 'AAAAAQ==']),
      '<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>AAAAAA==</Latest>' +
        '<Latest>AAAAAQ==</Latest></BlockList>',
    );
  });

  it('adds block parameters to a SAS URL without touching its signature', () => {
    const sas = 'http://h/acct/c/jobs/x/in.mp4?sv=2024-01-01&sig=a%2Bb%3D&sp=cw';
    const url = new URL(withQuery(sas, { comp: 'block', blockid: 'AAAAAQ==' }));
    assert.equal(url.searchParams.get('sig'), 'a+b=');
    assert.equal(url.searchParams.get('blockid'), 'AAAAAQ==');
    assert.equal(url.searchParams.get('sp'), 'cw');
  });

  it('sends only the options given, in the API names', () => {
    assert.deepEqual(toModelConfig({ lpTrack: true, blurThreshold: 0.3, enableLp: false }), {
      lp_track: true,
      blur_threshold: 0.3,
      enable_lp: false,
    });
    assert.deepEqual(toModelConfig({ maskBlur: true }, { slicing: true }), {
      slicing: true,
      mask_blur: true,
    });
    assert.equal(
      toQuery('blur', { blur_face: false, lp_threshold: 0.4 }),
      'model=blur&blur_face=false&lp_threshold=0.4',
    );
  });

  it('turns API details into sentences', () => {
    assert.equal(describeDetail(404, 'Job not found'), 'Job not found (HTTP 404)');
    assert.equal(
      describeDetail(422, [{ loc: ['body', 'file_size'], msg: 'file_size: must be >= 1000' }]),
      'file_size: must be >= 1000 (HTTP 422)',
    );
    assert.equal(describeDetail(402, null), 'not enough credits (HTTP 402)');
  });

  it('retries transient failures only, up to the attempts allowed', async () => {
    let calls = 0;
    const flaky = () => {
      calls++;
      if (calls < 3) throw new TransientError('busy');
      return Promise.resolve('ok');
    };
    assert.equal(await withRetries(flaky, { baseDelayMs: 1 }), 'ok');
    assert.equal(calls, 3);

    calls = 0;
    const broken = () => {
      calls++;
      return Promise.reject(new Error('refused'));
    };
    await assert.rejects(withRetries(broken, { baseDelayMs: 1 }), /refused/);
    assert.equal(calls, 1, 'a permanent error is not retried');

    calls = 0;
    const down = () => {
      calls++;
      return Promise.reject(new TransientError('down'));
    };
    await assert.rejects(withRetries(down, { attempts: 3, baseDelayMs: 1 }), /down/);
    assert.equal(calls, 3);
  });

  it('round-trips job list cursors and refuses forged ones', () => {
    const at = '2026-11-25T18:00:00.000Z';
    assert.deepEqual(decodeCursor(encodeCursor(at, 'abc')), { createdAt: at, id: 'abc' });
    for (const bad of ['', 'bm90LWEtY3Vyc29y', Buffer.from('x|y').toString('base64url')]) {
      assert.throws(() => decodeCursor(bad), { code: 'VALIDATION' });
    }
  });
});
