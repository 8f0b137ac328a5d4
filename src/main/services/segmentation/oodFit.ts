// Fitting and calibrating the out-of-distribution statistics (ood.ts) from pooled embeddings of a
// model's training slices and of proxies it should not trust. Used by scripts/calibrate-ood.mjs;
// pure, so it is tested directly.

/** Eigen-decomposition of a symmetric matrix (row-major n × n) by cyclic Jacobi rotations. */
export function symmetricEigen(
  matrix: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array[] } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    let diag = 0;
    for (let p = 0; p < n; p++) diag += a[p * n + p] ** 2;
    if (off <= 1e-24 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  return {
    values: Float64Array.from(order, (i) => a[i * n + i]),
    vectors: order.map((i) => Float64Array.from({ length: n }, (_, k) => v[k * n + i])),
  };
}

export interface FittedStats {
  dim: number;
  mean: number[];
  components: number[][];
  variances: number[];
  residualVariance: number;
  /** Share of the training features' variance the kept components explain. */
  explained: number;
}

/**
 * Mean and principal subspace of the training slices' pooled features: the fewest components that
 * explain `share` of the variance, at most `maxComponents` and fewer than the slices. Variances,
 * and the residual variance off the subspace, are floored at `floor` × the mean variance, so
 * directions the few training slices never varied along do not make every new slice infinitely far.
 */
export function fitOodStats(
  features: Float64Array[],
  options: { share?: number; maxComponents?: number; floor?: number } = {},
): FittedStats {
  const share = options.share ?? 0.95;
  const maxComponents = options.maxComponents ?? 32;
  const floor = options.floor ?? 0.01;
  const n = features.length;
  if (n < 3) throw new Error(`at least 3 training slices are needed to fit the statistics (got ${n})`);
  const dim = features[0].length;
  const mean = new Float64Array(dim);
  for (const f of features) for (let i = 0; i < dim; i++) mean[i] += f[i] / n;
  const cov = new Float64Array(dim * dim);
  for (const f of features) {
    for (let i = 0; i < dim; i++) {
      const di = f[i] - mean[i];
      for (let j = i; j < dim; j++) cov[i * dim + j] += (di * (f[j] - mean[j])) / (n - 1);
    }
  }
  for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) cov[i * dim + j] = cov[j * dim + i];
  const { values, vectors } = symmetricEigen(cov, dim);
  const total = values.reduce((s, x) => s + Math.max(0, x), 0);
  const minVariance = (floor * total) / dim;
  let k = 0;
  let explained = 0;
  while (k < Math.min(maxComponents, n - 1) && explained < share * total)
    explained += Math.max(0, values[k++]);
  let rest = 0;
  for (let i = k; i < dim; i++) rest += Math.max(0, values[i]);
  return {
    dim,
    mean: Array.from(mean),
    components: vectors.slice(0, k).map((v) => Array.from(v)),
    variances: Array.from(values.slice(0, k), (x) => Math.max(x, minVariance)),
    residualVariance: Math.max(rest / Math.max(1, dim - k), minVariance),
    explained: total > 0 ? explained / total : 0,
  };
}

export const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
};

/**
 * A threshold between in-distribution values (scores of held-out scans like the training ones) and
 * proxy values (scans the model should not be trusted on): the geometric mean of the in-distribution
 * maximum and the proxies' lower quartile when they separate; otherwise `margin` × the
 * in-distribution maximum, so held-out scans like the training ones are not flagged.
 */
export function separatingThreshold(inDistribution: number[], proxies: number[], margin = 1.25): number {
  const top = Math.max(...inDistribution);
  const low = quantile(proxies, 0.25);
  return low > top * margin ? Math.sqrt(top * low) : top * margin;
}
