// The per-study normalisation cache: one map per study, computed once, the oldest dropped, and
// forgotten with its study.
import { describe, expect, it } from 'vitest';
import { NormalisationCache } from '../../../src/main/services/segmentation/normalisationCache';
import type { ModelManifest } from '../../../src/shared/modelManifest';
import type { Volume } from '../../../src/shared/volume';

const manifest = {
  preprocessing: {
    inputSize: 4,
    intensity: { default: { method: 'percentile', percentiles: [1, 99] } },
  },
} as unknown as ModelManifest;

function study(scale: number): Volume {
  return {
    dims: [4, 4, 2],
    spacingMm: [1, 1, 1],
    originLps: [0, 0, 0],
    axesLps: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    modality: 'MR',
    voxels: Float32Array.from({ length: 32 }, (_, n) => n * scale),
  } as unknown as Volume;
}

describe('NormalisationCache', () => {
  it('computes a study map once and keeps it until the study is forgotten', () => {
    const cache = new NormalisationCache(manifest);
    const a = cache.of(study(1), 'a');
    // The same key returns the same map, even for another volume object of that study.
    expect(cache.of(study(1), 'a')).toBe(a);
    cache.forget('a');
    expect(cache.has('a')).toBe(false);
    expect(cache.of(study(1), 'a')).not.toBe(a);
  });

  it('keeps the four most recent studies', () => {
    const cache = new NormalisationCache(manifest);
    for (const key of ['a', 'b', 'c', 'd', 'e']) cache.of(study(2), key);
    expect(['a', 'b', 'c', 'd', 'e'].map((k) => cache.has(k))).toEqual([false, true, true, true, true]);
    cache.forget();
    expect(cache.has('e')).toBe(false);
  });
});
