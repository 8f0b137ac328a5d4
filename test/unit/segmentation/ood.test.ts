// The out-of-distribution score's pure parts: pooled features, the distance, per-pixel entropy, the
// per-study and per-structure report and its warnings, the statistics fit and the threshold rule.
// The segment list's cell: src/renderer/src/format/oodScore.test.ts. The shipped model's calibrated
// behaviour (the demo CT not flagged, noise flagged) is tested through the CLI in cli.test.ts.
import { describe, expect, it } from 'vitest';
import {
  OodAccumulator,
  embeddingDistance,
  oodWarnings,
  parseOodStats,
  pixelEntropy,
  pooledFeatures,
} from '../../../src/main/services/segmentation/ood';
import {
  fitOodStats,
  separatingThreshold,
  symmetricEigen,
} from '../../../src/main/services/segmentation/oodFit';

/** Deterministic standard normal numbers (Box–Muller on a linear congruential generator). */
function normals(seed: number) {
  let s = seed;
  const uniform = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s + 1) / 2147483649;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

function statsJson(thresholds = { distance: 2, entropy: 0.5 }) {
  // 2-D features: mean (1, 2); principal direction x with variance 4; residual (y) variance 1.
  return {
    format: 'causal-sam-ood-1',
    dim: 2,
    mean: [1, 2],
    components: [[1, 0]],
    variances: [4],
    residualVariance: 1,
    thresholds,
  };
}

describe('out-of-distribution score', () => {
  it('pools each channel to its mean and standard deviation over the grid', () => {
    // 2 channels × 4 cells.
    const f = pooledFeatures(Float32Array.of(1, 1, 3, 3, 5, 5, 5, 5), 2);
    expect(Array.from(f)).toEqual([2, 5, 1, 0]);
  });

  it('measures the distance in the principal subspace and off it, per dimension', () => {
    const stats = parseOodStats(statsJson());
    expect(embeddingDistance(stats, Float64Array.of(1, 2))).toBe(0);
    // 2 along the component (variance 4) → 1; 1 off it (variance 1) → 1; sqrt((1 + 1) / 2) = 1.
    expect(embeddingDistance(stats, Float64Array.of(3, 3))).toBeCloseTo(1, 12);
    expect(embeddingDistance(stats, Float64Array.of(1, 12))).toBeCloseTo(Math.sqrt(100 / 2), 12);
  });

  it('refuses a statistics file that is not one, or of inconsistent size', () => {
    expect(() => parseOodStats({ format: 'other' })).toThrow(/not an out-of-distribution statistics file/);
    expect(() => parseOodStats({ ...statsJson(), mean: [1] })).toThrow(/inconsistent size/);
    expect(() => parseOodStats({ ...statsJson(), variances: [4, 1] })).toThrow(/one variance per component/);
  });

  it('normalised entropy: 1 for equal logits, near 0 for a confident pixel', () => {
    // K = 4 classes, 2 pixels: pixel 0 all equal, pixel 1 class 2 far ahead.
    const logits = Float32Array.of(0, 0, 0, 0, 0, 30, 0, 0);
    const h = pixelEntropy(logits, 0, 4, 2, new Float32Array(2));
    expect(h[0]).toBeCloseTo(1, 6);
    expect(h[1]).toBeLessThan(1e-9);
  });

  it('reports the study and each structure found, and flags what reaches its threshold', () => {
    const stats = parseOodStats(statsJson({ distance: 2, entropy: 0.5 }));
    // K = 3 (background, spleen, liver); 1 channel × 2 cells of embeddings; 4 pixels per slice.
    const acc = new OodAccumulator(stats, 3, 1);
    const confidentSpleen = Float32Array.of(9, 0, 0, 9, 0, 9, 9, 0, 0, 0, 0, 0);
    // Slices 1 and 3: cells -1 and 3 pool to (mean 1, std 2), the statistics' mean.
    const d1 = acc.addSlice(Float32Array.of(-1, 3), confidentSpleen, 0, Uint8Array.of(0, 1, 1, 0));
    expect(d1).toBe(0);
    acc.addSlice(Float32Array.of(-1, 3), confidentSpleen, 0, Uint8Array.of(0, 1, 1, 0));
    // Slice 2: far away (pooled (21, 2)), the liver predicted with equal logits (entropy 1).
    const equal = new Float32Array(12);
    const d2 = acc.addSlice(Float32Array.of(19, 23), equal, 0, Uint8Array.of(0, 0, 2, 2));
    expect(d2).toBeCloseTo(Math.sqrt((20 * 20) / 4 / 2), 6);
    const lut = Uint16Array.of(0, 1, 5);
    const segments = [
      { value: 1, layer: 0, name: 'spleen', colorRgb: [1, 1, 1] as [number, number, number] },
      { value: 5, layer: 0, name: 'liver', colorRgb: [2, 2, 2] as [number, number, number] },
    ];
    const report = acc.finish(lut, segments);
    expect(report.slices).toBe(3);
    expect(report.flagged).toBe(false);
    expect(report.slicesFlagged).toBe(1);
    const spleen = report.structures.find((s) => s.name === 'spleen')!;
    const liver = report.structures.find((s) => s.name === 'liver')!;
    expect(spleen).toMatchObject({ value: 1, pixels: 4, distance: 0, flagged: false });
    expect(spleen.entropy).toBeLessThan(0.01);
    expect(liver).toMatchObject({ value: 5, pixels: 2, entropy: 1, flagged: true });
    expect(liver.score).toBeCloseTo(Math.max(d2 / 2, 1 / 0.5), 3);
    expect(oodWarnings(report)).toEqual([
      expect.stringMatching(/unsure of one structure .*: liver 3\.\d\d; check it before use/),
    ]);
  });

  it('warns once for the whole study when the study itself is flagged', () => {
    const stats = parseOodStats(statsJson({ distance: 2, entropy: 0.5 }));
    const acc = new OodAccumulator(stats, 2, 1);
    for (let n = 0; n < 3; n++)
      acc.addSlice(Float32Array.of(50, 54), new Float32Array(8), 0, new Uint8Array(4));
    const report = acc.finish(Uint16Array.of(0, 1), []);
    expect(report.flagged).toBe(true);
    expect(report.slicesFlagged).toBe(3);
    expect(oodWarnings(report)).toEqual([
      expect.stringMatching(/^this study looks unlike the scans .* 3 of 3 slices\): treat every structure/),
    ]);
  });
});

describe('fitting and calibrating the statistics', () => {
  it('eigen-decomposes a symmetric matrix', () => {
    const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 0, 1, 2, 0, 0, 0, 5), 3);
    expect(Array.from(values).map((v) => +v.toFixed(10))).toEqual([5, 3, 1]);
    expect(Math.abs(vectors[1][0])).toBeCloseTo(Math.SQRT1_2, 10);
    expect(vectors[1][0] * vectors[1][1]).toBeGreaterThan(0);
  });

  it('training features score about 1; new ones from the same distribution too; others far', () => {
    const gauss = normals(7);
    // 200 samples in 8-D: variances 9, 4, 1 along the first three axes, 0.01 on the rest.
    const scales = [3, 2, 1, 0.1, 0.1, 0.1, 0.1, 0.1];
    const draw = () => Float64Array.from(scales, (s) => 5 + s * gauss());
    const train = Array.from({ length: 200 }, draw);
    const fitted = fitOodStats(train, { share: 0.95 });
    expect(fitted.components.length).toBe(3);
    const stats = parseOodStats({
      format: 'causal-sam-ood-1',
      ...fitted,
      thresholds: { distance: 1, entropy: 1 },
    });
    const mean = (xs: Float64Array[]) =>
      xs.reduce((s, x) => s + embeddingDistance(stats, x) ** 2, 0) / xs.length;
    // E[d²] = 1 per dimension on average for data like the training data (held out here).
    expect(mean(Array.from({ length: 200 }, draw))).toBeGreaterThan(0.7);
    expect(mean(Array.from({ length: 200 }, draw))).toBeLessThan(1.4);
    // Shifted by 2 along a direction the training data hardly varied on (σ 0.1): far away.
    const off = draw();
    off[5] += 2;
    expect(embeddingDistance(stats, off)).toBeGreaterThan(3);
  });

  it('needs at least three training slices', () => {
    expect(() => fitOodStats([Float64Array.of(1), Float64Array.of(2)])).toThrow(/at least 3 training slices/);
  });

  it('threshold: between the groups when they separate, else a margin above the in-distribution maximum', () => {
    expect(separatingThreshold([1, 2], [8, 9, 10, 11])).toBeCloseTo(Math.sqrt(2 * 8.75), 10);
    expect(separatingThreshold([1, 2], [2.1, 2.2, 2.3, 11])).toBeCloseTo(2.5, 10);
  });
});
