import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  countMatches,
  euclidean,
  impostorMatchRate,
  median,
  rank1Rate,
} from '../../../scripts/eval/identity-stats.ts';

const v = (...xs: number[]) => Float32Array.from(xs);

describe('identity statistics', () => {
  it('measures euclidean distance between descriptors', () => {
    assert.equal(euclidean(v(0, 0), v(3, 4)), 5);
    assert.equal(euclidean(v(1, 2, 3), v(1, 2, 3)), 0);
  });

  it('counts only distances strictly below the threshold as matches', () => {
    assert.equal(countMatches([0.2, 0.59, 0.6, 0.9], 0.6), 2);
  });

  it('takes the median of odd and even lists, NaN of none', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('scores rank-1 as the share of probes nearest to their own gallery entry', () => {
    const gallery = [v(0, 0), v(10, 0), v(0, 10)];
    // Probe 0 and 1 land near their own entry; probe 2 lands near entry 1.
    const probes = [v(1, 0), v(9, 1), v(9, 2)];
    assert.equal(rank1Rate(probes, gallery), 2 / 3);
    assert.equal(rank1Rate(gallery, gallery), 1);
  });

  it('counts pairs of different people closer than the threshold', () => {
    const gallery = [v(0, 0), v(0.5, 0), v(5, 0)];
    // Pairs: (0,1) 0.5 match; (0,2) 5; (1,2) 4.5.
    assert.equal(impostorMatchRate(gallery, 0.6), 1 / 3);
    assert.ok(Number.isNaN(impostorMatchRate([v(1)], 0.6)));
  });
});
