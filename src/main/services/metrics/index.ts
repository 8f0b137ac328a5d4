// Overlap and surface-distance metrics between a predicted and a reference segmentation, in mm.
//
// Conventions (test/unit/metrics/reference_metrics.py computes the same with numpy/scipy):
// - Masks: a voxel is in a mask when its value is non-zero (compareMasks) or equals the label
//   (compareLabelMaps). Arrays are in VolumeGeometry order: i fastest, then j, then k.
// - Dice = 2·|P ∩ R| / (|P| + |R|).
// - Surfaces: see surface.ts (6-neighbourhood, the volume border counts as outside).
// - Directed surface distances: for every surface voxel of one mask, the Euclidean distance in mm
//   (voxel centres, anisotropic spacing) to the nearest surface voxel of the other mask.
// - hd95Mm: the 95th percentile of the union (concatenation) of both directed sets — medpy's hd95.
//   (MONAI's compute_hausdorff_distance(percentile=95) instead takes the larger of the two directed
//   95th percentiles, which is ≥ this value.) The percentile interpolates linearly between order
//   statistics: with the n distances sorted ascending as x[0..n−1], h = 0.95·(n − 1) and
//   hd95 = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]) — numpy.percentile's default method 'linear'.
// - assdMm: the mean of that same union, Σ d(p, R) + Σ d(r, P) over (|∂P| + |∂R|) — Heimann et al.
//   (2009) and MONAI's compute_average_surface_distance(symmetric=True). (medpy's assd averages the
//   two directed means instead; the two differ when the surfaces have different sizes.)
// - Both masks empty: dice 1, hd95Mm 0, assdMm 0 (perfect agreement that there is nothing).
//   One mask empty: dice 0, hd95Mm and assdMm +Infinity (no surface to measure to). JSON.stringify
//   writes Infinity as null, so a serialised comparison carries null there; read null back as ∞.
//
// The distance transforms run on the bounding box of P ∪ R grown by one voxel, not on the whole
// volume: every surface voxel of both masks lies inside it, so the nearest-surface distances are
// unchanged, and the one-voxel margin (or the true volume border, where the box is clipped) keeps
// the surface definition intact. That makes per-label comparison of a whole-body label map cost
// roughly the organs' size rather than the number of labels times the volume.

import type { Vec3, VolumeGeometry } from '../../../shared/volume';
import { checkGrid, squaredDistanceTransform } from './distanceTransform';
import { surfaceMask } from './surface';

export { distanceTransform, squaredDistanceTransform } from './distanceTransform';
export { surfaceMask } from './surface';

export type MetricsGeometry = Pick<VolumeGeometry, 'dims' | 'spacingMm'>;

export interface MaskComparison {
  dice: number;
  /** +Infinity when exactly one mask is empty (null once serialised to JSON). */
  hd95Mm: number;
  /** +Infinity when exactly one mask is empty (null once serialised to JSON). */
  assdMm: number;
  predVoxels: number;
  refVoxels: number;
}

export interface LabelComparison extends MaskComparison {
  label: number;
}

/** Integer label maps; Segmentation layers are Uint8Array or Uint16Array. */
export type LabelArray = Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array;

/** Label values above this are refused: per-label tallies are plain arrays indexed by label. */
const MAX_LABEL = (1 << 20) - 1;

/** Volume in millilitres of `voxels` voxels of the given spacing: the one shared computation. */
export { volumeMl } from '../../../shared/segmentVolumes';

/** Dice, HD95 and ASSD between two binary masks (non-zero = inside) on the same grid. */
export function compareMasks(pred: Uint8Array, ref: Uint8Array, geometry: MetricsGeometry): MaskComparison {
  const { dims, spacingMm } = geometry;
  checkGrid(pred.length, dims, spacingMm, 'pred');
  checkGrid(ref.length, dims, spacingMm, 'ref');
  const tally = tallyLabels(pred, ref, dims, 1, true);
  return compareLabel(pred, ref, 1, true, dims, spacingMm, tally);
}

/**
 * Per-label Dice, HD95 and ASSD between two label maps on the same grid. `labels` defaults to
 * every non-zero value present in either map, ascending; a requested label absent from both maps
 * scores as two empty masks (dice 1, distances 0). Label 0 is compared only when asked for.
 */
export function compareLabelMaps(
  pred: LabelArray,
  ref: LabelArray,
  geometry: MetricsGeometry,
  labels?: number[],
): LabelComparison[] {
  const { dims, spacingMm } = geometry;
  checkGrid(pred.length, dims, spacingMm, 'pred');
  checkGrid(ref.length, dims, spacingMm, 'ref');
  const maxValue = Math.max(largestLabel(pred, 'pred'), largestLabel(ref, 'ref'));
  for (const label of labels ?? []) {
    if (!Number.isInteger(label) || label < 0) throw new RangeError(`label ${label} is not a label value`);
  }
  const tally = tallyLabels(pred, ref, dims, maxValue, false);
  const wanted = labels ?? presentLabels(tally, maxValue);
  return wanted.map((label) => ({
    label,
    ...(label > maxValue
      ? compareEmpty(0, 0)
      : compareLabel(pred, ref, label, false, dims, spacingMm, tally)),
  }));
}

/** Per-value voxel counts, overlaps and the bounding box of P ∪ R for each value. */
interface Tally {
  predCount: Float64Array;
  refCount: Float64Array;
  overlap: Float64Array;
  /** Per label: min i, j, k then max i, j, k; min > max while the label has not been seen. */
  box: Int32Array;
}

/**
 * An upper bound on the labels of a map: the type's maximum for uint8 and uint16 (a tally of 65536
 * entries is cheaper than a pass over the voxels), else the largest value, refusing negatives and
 * values too large to tally.
 */
function largestLabel(map: LabelArray, what: string): number {
  if (map instanceof Uint8Array) return 0xff;
  if (map instanceof Uint16Array) return 0xffff;
  let lo = 0;
  let hi = 0;
  for (let n = 0; n < map.length; n++) {
    const v = map[n];
    if (v > hi) hi = v;
    else if (v < lo) lo = v;
  }
  if (lo < 0) throw new RangeError(`${what} holds the negative label ${lo}`);
  if (hi > MAX_LABEL)
    throw new RangeError(`${what} holds label ${hi}; labels above ${MAX_LABEL} are not supported`);
  return hi;
}

/**
 * One pass over both maps. With `binary`, every non-zero value counts as label 1. Voxels that are
 * background in both maps — nearly all of a CT — cost one test; the background's own tallies are
 * derived from the totals afterwards, and it gets no box (a comparison of label 0 uses the whole
 * volume).
 */
function tallyLabels(
  pred: LabelArray,
  ref: LabelArray,
  dims: Vec3,
  maxValue: number,
  binary: boolean,
): Tally {
  const size = maxValue + 1;
  const predCount = new Float64Array(size);
  const refCount = new Float64Array(size);
  const overlap = new Float64Array(size);
  const box = new Int32Array(6 * size);
  for (let label = 0; label < size; label++) {
    box.fill(0x7fffffff, 6 * label, 6 * label + 3);
    box.fill(-1, 6 * label + 3, 6 * label + 6);
  }
  const grow = (label: number, i: number, j: number, k: number) => {
    const b = 6 * label;
    if (i < box[b]) box[b] = i;
    if (j < box[b + 1]) box[b + 1] = j;
    if (k < box[b + 2]) box[b + 2] = k;
    if (i > box[b + 3]) box[b + 3] = i;
    if (j > box[b + 4]) box[b + 4] = j;
    if (k > box[b + 5]) box[b + 5] = k;
  };
  const [nx, ny, nz] = dims;
  let foreground = 0;
  for (let k = 0, row = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++, row += nx) {
      for (let i = 0; i < nx; i++) {
        let p = pred[row + i];
        let r = ref[row + i];
        if ((p | r) === 0) continue;
        foreground++;
        if (binary) {
          p = p !== 0 ? 1 : 0;
          r = r !== 0 ? 1 : 0;
        }
        if (p !== 0) {
          predCount[p]++;
          grow(p, i, j, k);
        }
        if (r !== 0) {
          refCount[r]++;
          if (r === p) overlap[p]++;
          else grow(r, i, j, k);
        }
      }
    }
  }
  const total = pred.length;
  let predLabelled = 0;
  let refLabelled = 0;
  for (let label = 1; label < size; label++) {
    predLabelled += predCount[label];
    refLabelled += refCount[label];
  }
  predCount[0] = total - predLabelled;
  refCount[0] = total - refLabelled;
  overlap[0] = total - foreground;
  return { predCount, refCount, overlap, box };
}

function presentLabels(tally: Tally, maxValue: number): number[] {
  const labels: number[] = [];
  for (let label = 1; label <= maxValue; label++) {
    if (tally.predCount[label] > 0 || tally.refCount[label] > 0) labels.push(label);
  }
  return labels;
}

/** Scores when at least one mask is empty; see the conventions at the top of this file. */
function compareEmpty(predVoxels: number, refVoxels: number): MaskComparison {
  const both = predVoxels === 0 && refVoxels === 0;
  return {
    dice: both ? 1 : 0,
    hd95Mm: both ? 0 : Infinity,
    assdMm: both ? 0 : Infinity,
    predVoxels,
    refVoxels,
  };
}

function compareLabel(
  pred: LabelArray,
  ref: LabelArray,
  label: number,
  binary: boolean,
  dims: Vec3,
  spacingMm: Vec3,
  tally: Tally,
): MaskComparison {
  const predVoxels = tally.predCount[label];
  const refVoxels = tally.refCount[label];
  if (predVoxels === 0 || refVoxels === 0) return compareEmpty(predVoxels, refVoxels);
  const dice = (2 * tally.overlap[label]) / (predVoxels + refVoxels);

  // The crop: the box of P ∪ R grown by one voxel and clipped to the volume.
  const lo: Vec3 = [0, 0, 0];
  const hi: Vec3 = [dims[0] - 1, dims[1] - 1, dims[2] - 1];
  if (label !== 0) {
    for (let a = 0; a < 3; a++) {
      lo[a] = Math.max(0, tally.box[6 * label + a] - 1);
      hi[a] = Math.min(dims[a] - 1, tally.box[6 * label + 3 + a] + 1);
    }
  }
  const cropDims: Vec3 = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  const cropCount = cropDims[0] * cropDims[1] * cropDims[2];
  const predMask = new Uint8Array(cropCount);
  const refMask = new Uint8Array(cropCount);
  for (let k = lo[2], c = 0; k <= hi[2]; k++) {
    for (let j = lo[1]; j <= hi[1]; j++) {
      let idx = lo[0] + dims[0] * (j + dims[1] * k);
      for (let i = lo[0]; i <= hi[0]; i++, idx++, c++) {
        const p = pred[idx];
        const r = ref[idx];
        predMask[c] = binary ? (p !== 0 ? 1 : 0) : p === label ? 1 : 0;
        refMask[c] = binary ? (r !== 0 ? 1 : 0) : r === label ? 1 : 0;
      }
    }
  }

  const predSurface = surfaceMask(predMask, cropDims);
  const refSurface = surfaceMask(refMask, cropDims);
  // One float64 map, the largest allocation here, serves both directions in turn.
  const distances = new Float64Array(predSurface.count + refSurface.count);
  const map = squaredDistanceTransform(refSurface.surface, cropDims, spacingMm);
  let n = 0;
  for (let c = 0; c < cropCount; c++) if (predSurface.surface[c] !== 0) distances[n++] = Math.sqrt(map[c]);
  squaredDistanceTransform(predSurface.surface, cropDims, spacingMm, map);
  for (let c = 0; c < cropCount; c++) if (refSurface.surface[c] !== 0) distances[n++] = Math.sqrt(map[c]);

  let sum = 0;
  for (let m = 0; m < distances.length; m++) sum += distances[m];
  distances.sort();
  return {
    dice,
    hd95Mm: percentileLinear(distances, 95),
    assdMm: sum / distances.length,
    predVoxels,
    refVoxels,
  };
}

/**
 * The q-th percentile (0–100) of ascending `sorted` values, interpolating linearly between order
 * statistics at h = (q/100)·(n − 1): numpy.percentile's default ('linear', Hyndman & Fan type 7).
 */
export function percentileLinear(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('percentile of no values');
  const h = (q / 100) * (n - 1);
  const below = Math.floor(h);
  if (below >= n - 1) return sorted[n - 1];
  const t = h - below;
  const a = sorted[below];
  const b = sorted[below + 1];
  return a + t * (b - a);
}
