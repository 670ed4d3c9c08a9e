import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DonorBank } from '../../../src/engine/syn/donor.bank.ts';
import { synAvailable } from '../../../src/engine/syn/index.ts';

// The donor bank is not committed (see models/syn/README.md): without it there is nothing to test.
const skip = !synAvailable() && 'syn donor bank not installed (models/syn or shared/models/syn)';

test('the shipped donors are averages of 5+ people with a full mesh shape', { skip }, async () => {
  const sut = await DonorBank.load();
  assert.ok(sut.donors.length >= 10);
  for (const d of sut.donors) {
    assert.ok(d.members >= 5, `${d.id} averages ${d.members}`);
    assert.equal(d.shape.length, 468);
    assert.equal(d.texture.width, 256);
  }
});

test(
  'one key always gets one donor; many keys spread over several of the right gender',
  { skip },
  async () => {
    const sut = await DonorBank.load();
    const q = { gender: 'female' as const, lightness: 62, salt: 'job-1' };
    assert.equal(sut.choose({ ...q, key: 'track:3' }).id, sut.choose({ ...q, key: 'track:3' }).id);
    const picked = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const d = sut.choose({ ...q, key: `track:${i}` });
      assert.equal(d.gender, 'female');
      picked.add(d.id);
    }
    assert.ok(picked.size >= 3, `40 tracks got ${picked.size} donors`);
  },
);

test('ranked donors put lightness neighbours first and skip excluded ones', { skip }, async () => {
  const sut = await DonorBank.load();
  const dark = sut.ranked({ gender: 'male', lightness: 30, key: 'a', salt: 's' });
  const light = sut.ranked({ gender: 'male', lightness: 70, key: 'a', salt: 's' });
  const mean = (list: typeof dark) => list.slice(0, 3).reduce((s, d) => s + d.lightness, 0) / 3;
  assert.ok(mean(dark) < mean(light));
  assert.equal(new Set(dark.map((d) => d.id)).size, dark.length, 'no donor twice');
  const first = dark[0].id;
  const sut2 = sut.ranked({ gender: 'male', lightness: 30, key: 'a', salt: 's', exclude: [first] });
  assert.ok(!sut2.some((d) => d.id === first));
});
