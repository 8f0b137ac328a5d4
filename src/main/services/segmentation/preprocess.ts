// Slice preprocessing exactly as training/data/preprocess.py does it, and the inverse mapping from
// the model's S × S grid back to the study's voxels. Training reads every volume onto an LPS-aligned
// grid (i → Left, j → Posterior, k → Superior) and feeds slices in one canonical layout per plane
// (preprocess.plane_slice): axial rows anterior → posterior, columns patient right → left; coronal
// rows superior → inferior, columns right → left; sagittal rows superior → inferior, columns
// anterior → posterior. Here the study keeps its own grid; a SliceFrame records which of its axes
// plays each role and whether it runs backwards, so no reoriented copy is made.
import type { IntensityNormalisation, ModelManifest, SlicePlane } from '../../../shared/modelManifest';
import type { Volume } from '../../../shared/volume';
import { SegmentationRefusedError } from './errors';

/** One in-plane axis of the study: which volume index, flipped or not, and its resampling. */
export interface PlaneAxis {
  /** Volume index (0, 1 or 2) that runs along this model axis. */
  axis: number;
  /** True when the volume index runs against the direction the model axis runs in training. */
  flip: boolean;
  /** Voxels along the axis in the study. */
  size: number;
  /** Samples after resampling to the model's in-plane spacing (scipy.ndimage.zoom's rounding). */
  resampled: number;
  /** Offset from a resampled sample to a model pixel: pixel = sample + offset (centre pad/crop). */
  offset: number;
}

export interface SliceFrame {
  /** Volume index that runs through the slices. */
  sliceAxis: number;
  /** The anatomical plane the slices lie in (the model's layout for it is used). */
  plane: SlicePlane;
  slices: number;
  /** Model columns (axial/coronal: patient right → left; sagittal: anterior → posterior). */
  col: PlaneAxis;
  /** Model rows (axial: anterior → posterior; coronal/sagittal: superior → inferior). */
  row: PlaneAxis;
  inputSize: number;
  /** Degrees between the slice axis and the plane's normal; training saw axis-aligned slices only. */
  obliquityDeg: number;
}

/**
 * Per plane: the LPS direction its slices cut across, and the LPS direction (and sense, −1 for
 * running against it) of the model's columns and rows — training/data/preprocess.plane_slice.
 */
const PLANE_LAYOUT: Record<SlicePlane, { normal: number; col: [number, 1 | -1]; row: [number, 1 | -1] }> = {
  axial: { normal: 2, col: [0, 1], row: [1, 1] },
  coronal: { normal: 1, col: [0, 1], row: [2, -1] },
  sagittal: { normal: 0, col: [1, 1], row: [2, -1] },
};
const PLANE_OF_NORMAL: SlicePlane[] = ['sagittal', 'coronal', 'axial'];

/** Python's round(): halves go to the even neighbour (scipy's zoom computes output sizes with it). */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** LPS direction (0 L, 1 P, 2 S) a volume index runs closest to. */
const nearestLps = (axis: readonly number[]): number =>
  [0, 1, 2].reduce((best, d) => (Math.abs(axis[d]) > Math.abs(axis[best]) ? d : best), 0);

/**
 * A slab: one axis more than this much coarser than the other two (a coronal MR of 3 × 3 × 5.5 mm).
 * Resliced axially it leaves a handful of blurred rows per slice, so it is segmented in its own
 * plane even by a model trained on axial slices only: on the real coronal MR of ukat-mr-kidneys the
 * axial-only demo model finds no kidney through axial reslices (Dice 0.00) and finds them through
 * coronal slices (0.17; training/results/ood.md). Near-isotropic volumes (thin CT, 3-D MR) are
 * sliced axially, the plane every model here knows best.
 */
export const SLAB_RATIO = 1.5;

/**
 * The volume index the slices run through and their plane: a slab's through-plane axis in its own
 * plane, else the index closest to S-I as axial (training/data/preprocess.acquisition_plane decides
 * the same).
 */
function chooseSlicing(volume: Pick<Volume, 'spacingMm' | 'axesLps'>): {
  sliceAxis: number;
  plane: SlicePlane;
} {
  const { spacingMm, axesLps } = volume;
  const [coarsest, next] = [0, 1, 2].sort((a, b) => spacingMm[b] - spacingMm[a]);
  if (spacingMm[coarsest] > SLAB_RATIO * spacingMm[next]) {
    return { sliceAxis: coarsest, plane: PLANE_OF_NORMAL[nearestLps(axesLps[coarsest])] };
  }
  const axial = [0, 1, 2].reduce(
    (best, n) => (Math.abs(axesLps[n][2]) > Math.abs(axesLps[best][2]) ? n : best),
    0,
  );
  return { sliceAxis: axial, plane: 'axial' };
}

/** The volume index the model's slices run through (gates and labels are packed along it). */
export const chooseSliceAxis = (volume: Pick<Volume, 'spacingMm' | 'axesLps'>): number =>
  chooseSlicing(volume).sliceAxis;

/** Where a volume's slices, rows and columns lie for the model; refuses what the model cannot take. */
export function sliceFrame(
  volume: Pick<Volume, 'dims' | 'spacingMm' | 'axesLps'>,
  manifest: ModelManifest,
): SliceFrame {
  const { dims, spacingMm, axesLps } = volume;
  if (dims.filter((d) => d > 1).length < 3) {
    throw new SegmentationRefusedError(
      `the model segments 3-D volumes; this image is ${dims.join(' × ')} voxels (a 2-D image or a single slice)`,
    );
  }
  // Each plane in its canonical layout (the one training uses for it), known to the model or not.
  const { sliceAxis, plane } = chooseSlicing(volume);
  const layout = PLANE_LAYOUT[plane];
  const rest = [0, 1, 2].filter((n) => n !== sliceAxis);
  const [colDir, colSense] = layout.col;
  const [rowDir, rowSense] = layout.row;
  const colAxis =
    Math.abs(axesLps[rest[0]][colDir]) >= Math.abs(axesLps[rest[1]][colDir]) ? rest[0] : rest[1];
  const rowAxis = rest[0] === colAxis ? rest[1] : rest[0];
  const S = manifest.preprocessing.inputSize;
  const target = manifest.preprocessing.inPlaneSpacingMm;
  const zoomCol = spacingMm[colAxis] / target;
  const zoomRow = spacingMm[rowAxis] / target;
  // preprocess.resample_plane leaves the array alone when both zooms are within 1e-3 of 1.
  const identity = Math.abs(zoomCol - 1) < 1e-3 && Math.abs(zoomRow - 1) < 1e-3;
  const planeAxis = (axis: number, dir: number, sense: 1 | -1, zoom: number): PlaneAxis => {
    const size = dims[axis];
    const resampled = identity ? size : Math.max(1, pyRound(size * zoom));
    // pad_crop: source start max((n - S) // 2, 0), destination start max((S - n) // 2, 0).
    const offset =
      Math.max(Math.floor((S - resampled) / 2), 0) - Math.max(Math.floor((resampled - S) / 2), 0);
    return { axis, flip: axesLps[axis][dir] * sense < 0, size, resampled, offset };
  };
  const cosNormal = Math.min(1, Math.abs(axesLps[sliceAxis][layout.normal]));
  return {
    sliceAxis,
    plane,
    slices: dims[sliceAxis],
    col: planeAxis(colAxis, colDir, colSense, zoomCol),
    row: planeAxis(rowAxis, rowDir, rowSense, zoomRow),
    inputSize: S,
    obliquityDeg: (Math.acos(cosNormal) * 180) / Math.PI,
  };
}

/** Intensity → [0, 1] as the manifest says for this modality; (value - lo) / (hi - lo), clipped. */
export interface IntensityMap {
  lo: number;
  hi: number;
  method: IntensityNormalisation['method'];
}

/** numpy.percentile (method 'linear') of the values, p in [0, 100]. */
export function percentile(sorted: Float32Array | Float64Array, p: number): number {
  const h = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function intensityMap(
  volume: Pick<Volume, 'voxels' | 'modality'>,
  manifest: ModelManifest,
): IntensityMap {
  const table = manifest.preprocessing.intensity;
  const modality = volume.modality.toUpperCase();
  const rule = table[modality] ?? table.default;
  if (!rule) {
    throw new SegmentationRefusedError(
      `the model takes ${Object.keys(table).join(' or ')} images; this one is ${volume.modality}`,
    );
  }
  if (rule.method === 'window') return { method: 'window', lo: rule.window[0], hi: rule.window[1] };
  // Percentiles of the whole volume (training: numpy.percentile over the float32 array).
  const sorted = Float32Array.from(volume.voxels as ArrayLike<number>).sort();
  const lo = percentile(sorted, rule.percentiles[0]);
  const hi = Math.max(percentile(sorted, rule.percentiles[1]), lo + 1e-6);
  return { method: 'percentile', lo, hi };
}

const strides = (dims: Volume['dims']): [number, number, number] => [1, dims[0], dims[0] * dims[1]];

/**
 * The encoder's input for slice k: S × S floats in [0, 1], 0 where padded. Normalise first, then
 * resample (linear, scipy's corner-aligned mapping o · (n − 1)/(m − 1), edges clamped), then centre
 * pad/crop — the order training uses, which matters because the window clips.
 */
export function preprocessSlice(
  volume: Pick<Volume, 'dims' | 'voxels'>,
  frame: SliceFrame,
  map: IntensityMap,
  k: number,
  out?: Float32Array,
): Float32Array {
  const S = frame.inputSize;
  const image = out ?? new Float32Array(S * S);
  image.fill(0);
  const st = strides(volume.dims);
  const base = k * st[frame.sliceAxis];
  const scale = 1 / (map.hi - map.lo);
  const voxels = volume.voxels;
  const norm = (v: number) => {
    const x = (v - map.lo) * scale;
    return x < 0 ? 0 : x > 1 ? 1 : x;
  };
  const { col, row } = frame;
  const colSamples = linearTaps(col);
  const rowSamples = linearTaps(row);
  const colStride = st[col.axis];
  const rowStride = st[row.axis];
  for (let y = 0; y < S; y++) {
    const r = y - row.offset;
    if (r < 0 || r >= row.resampled) continue;
    const r0 = rowSamples.i0[r];
    const r1 = rowSamples.i1[r];
    const fr = rowSamples.f[r];
    for (let x = 0; x < S; x++) {
      const c = x - col.offset;
      if (c < 0 || c >= col.resampled) continue;
      const c0 = colSamples.i0[c];
      const c1 = colSamples.i1[c];
      const fc = colSamples.f[c];
      const v00 = norm(voxels[base + r0 * rowStride + c0 * colStride]);
      const v01 = norm(voxels[base + r0 * rowStride + c1 * colStride]);
      const v10 = norm(voxels[base + r1 * rowStride + c0 * colStride]);
      const v11 = norm(voxels[base + r1 * rowStride + c1 * colStride]);
      const top = v00 + fc * (v01 - v00);
      const bottom = v10 + fc * (v11 - v10);
      image[y * S + x] = top + fr * (bottom - top);
    }
  }
  return image;
}

/** For each resampled sample: the two study indices (flip applied) and the weight of the second. */
function linearTaps(a: PlaneAxis): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const i0 = new Int32Array(a.resampled);
  const i1 = new Int32Array(a.resampled);
  const f = new Float32Array(a.resampled);
  const step = a.resampled > 1 ? (a.size - 1) / (a.resampled - 1) : 0;
  for (let o = 0; o < a.resampled; o++) {
    const s = o * step;
    const lo = Math.min(Math.floor(s), a.size - 1);
    const hi = Math.min(lo + 1, a.size - 1);
    f[o] = s - lo;
    i0[o] = a.flip ? a.size - 1 - lo : lo;
    i1[o] = a.flip ? a.size - 1 - hi : hi;
  }
  return { i0, i1, f };
}

/** A study voxel index along a plane axis → continuous model pixel coordinate. */
export function voxelToPixel(a: PlaneAxis, index: number): number {
  const aligned = a.flip ? a.size - 1 - index : index;
  const scale = a.size > 1 ? (a.resampled - 1) / (a.size - 1) : 0;
  return aligned * scale + a.offset;
}

/** For each study index along a plane axis: the nearest model pixel, or −1 where it was cropped off. */
export function nearestPixels(a: PlaneAxis, inputSize: number): Int32Array {
  const out = new Int32Array(a.size);
  for (let n = 0; n < a.size; n++) {
    const p = Math.round(voxelToPixel(a, n));
    out[n] = p >= 0 && p < inputSize ? p : -1;
  }
  return out;
}

/**
 * Writes an S × S per-pixel map (class indices, or a mask) into slice k of a study-grid array by
 * nearest neighbour (the manifest's postprocessing); `lut` turns a model value into a label value.
 */
export function writeSliceBack(
  frame: SliceFrame,
  dims: Volume['dims'],
  k: number,
  pixels: Uint8Array,
  lut: ArrayLike<number>,
  target: Uint8Array | Uint16Array,
  lookups = {
    col: nearestPixels(frame.col, frame.inputSize),
    row: nearestPixels(frame.row, frame.inputSize),
  },
): void {
  const S = frame.inputSize;
  const st = strides(dims);
  const base = k * st[frame.sliceAxis];
  const cs = st[frame.col.axis];
  const rs = st[frame.row.axis];
  for (let r = 0; r < frame.row.size; r++) {
    const y = lookups.row[r];
    for (let c = 0; c < frame.col.size; c++) {
      const x = lookups.col[c];
      target[base + r * rs + c * cs] = y < 0 || x < 0 ? 0 : lut[pixels[y * S + x]];
    }
  }
}

/**
 * How one slice's plane is packed where planes cross the API (intervention gates and labels): the
 * two in-plane volume axes in increasing order, `lower` fastest — for an axial series (slices
 * along k) that is the slice exactly as it lies in the volume.
 */
export interface PlaneLayout {
  sliceAxis: number;
  lower: number;
  upper: number;
  size: number;
}

export function planeLayout(dims: Volume['dims'], sliceAxis: number): PlaneLayout {
  const [lower, upper] = [0, 1, 2].filter((n) => n !== sliceAxis);
  return { sliceAxis, lower, upper, size: dims[lower] * dims[upper] };
}

/** Both directions between a packed plane and the model's S × S pixels, by nearest neighbour. */
export interface PlanePixels {
  /** Model pixel (y·S + x) of each plane voxel, −1 where it was cropped off. */
  pixelOfVoxel: Int32Array;
  /** Plane voxel nearest to each model pixel, −1 in the padding. */
  voxelOfPixel: Int32Array;
}

export function modelToPlane(frame: SliceFrame, layout: PlaneLayout): PlanePixels {
  const S = frame.inputSize;
  const lowerIsCol = frame.col.axis === layout.lower;
  const colLookup = nearestPixels(frame.col, S);
  const rowLookup = nearestPixels(frame.row, S);
  const lowerSize = lowerIsCol ? frame.col.size : frame.row.size;
  const pixelOfVoxel = new Int32Array(layout.size);
  for (let v = 0; v < layout.size; v++) {
    const u = v % lowerSize;
    const w = (v - u) / lowerSize;
    const [c, r] = lowerIsCol ? [u, w] : [w, u];
    const x = colLookup[c];
    const y = rowLookup[r];
    pixelOfVoxel[v] = x < 0 || y < 0 ? -1 : y * S + x;
  }
  const inverse = (a: PlaneAxis): Int32Array => {
    const out = new Int32Array(S).fill(-1);
    const scale = a.size > 1 ? (a.resampled - 1) / (a.size - 1) : 1;
    for (let p = 0; p < S; p++) {
      const sample = p - a.offset;
      if (sample < 0 || sample >= a.resampled) continue;
      const aligned = Math.min(a.size - 1, Math.max(0, Math.round(sample / scale)));
      out[p] = a.flip ? a.size - 1 - aligned : aligned;
    }
    return out;
  };
  const colIndex = inverse(frame.col);
  const rowIndex = inverse(frame.row);
  const voxelOfPixel = new Int32Array(S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const c = colIndex[x];
      const r = rowIndex[y];
      voxelOfPixel[y * S + x] = c < 0 || r < 0 ? -1 : lowerIsCol ? c + r * lowerSize : r + c * lowerSize;
    }
  }
  return { pixelOfVoxel, voxelOfPixel };
}

/**
 * A plane's 0/1 gate in model pixels: a pixel is in when its nearest voxel is, or when any voxel
 * that maps onto it is (so a gate on a finer study than the model's grid leaves no holes).
 */
export function gatePlane(plane: Uint8Array, pull: PlanePixels, out: Float32Array): Float32Array {
  for (let p = 0; p < out.length; p++) {
    const v = pull.voxelOfPixel[p];
    out[p] = v >= 0 && plane[v] ? 1 : 0;
  }
  for (let v = 0; v < plane.length; v++) {
    if (plane[v] && pull.pixelOfVoxel[v] >= 0) out[pull.pixelOfVoxel[v]] = 1;
  }
  return out;
}
