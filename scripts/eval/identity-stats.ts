/** Pure statistics over face descriptors for the blur irreversibility check. */

export type Distance = (a: Float32Array, b: Float32Array) => number;

export function euclidean(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** How many of the distances fall below the same-person threshold. */
export function countMatches(distances: number[], threshold: number): number {
  return distances.filter((d) => d < threshold).length;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Share of probes whose nearest gallery entry is their own (probe i belongs to gallery i):
 * identification rather than verification, harder to pass by chance than a threshold.
 */
export function rank1Rate(
  probes: Float32Array[],
  gallery: Float32Array[],
  dist: Distance = euclidean,
): number {
  if (probes.length === 0) return NaN;
  let hits = 0;
  probes.forEach((p, i) => {
    let best = -1;
    let bestD = Infinity;
    gallery.forEach((g, j) => {
      const d = dist(p, g);
      if (d < bestD) [best, bestD] = [j, d];
    });
    if (best === i) hits++;
  });
  return hits / probes.length;
}

/** Share of pairs of different people (gallery i != j) that the threshold would call the same person. */
export function impostorMatchRate(
  gallery: Float32Array[],
  threshold: number,
  dist: Distance = euclidean,
): number {
  let pairs = 0;
  let matches = 0;
  for (let i = 0; i < gallery.length; i++) {
    for (let j = i + 1; j < gallery.length; j++) {
      pairs++;
      if (dist(gallery[i], gallery[j]) < threshold) matches++;
    }
  }
  return pairs === 0 ? NaN : matches / pairs;
}
