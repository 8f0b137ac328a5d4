// Volumes and label maps as plain data: they cross the contract unchanged (typed arrays, no classes).

export type Vec3 = [number, number, number];
/** Three unit vectors in patient LPS coordinates: row n is the direction of voxel index n. */
export type Axes3 = [Vec3, Vec3, Vec3];

export type VoxelType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';
export type VoxelArray =
  Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** Where each voxel sits in the patient: the voxel (i,j,k) centre is originLps + Σ index·spacingMm·axesLps. */
export interface VolumeGeometry {
  /** Voxel counts [i, j, k]; i varies fastest in memory. */
  dims: Vec3;
  spacingMm: Vec3;
  /** LPS position (mm) of the centre of voxel (0,0,0). */
  originLps: Vec3;
  axesLps: Axes3;
}

export interface Volume extends VolumeGeometry {
  voxelType: VoxelType;
  voxels: VoxelArray;
  /** DICOM modality code (CT, MR, PT, …) or OT when the file does not say. */
  modality: string;
}

export const voxelArrayConstructors = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

export function voxelTypeOf(array: VoxelArray): VoxelType {
  for (const [type, ctor] of Object.entries(voxelArrayConstructors)) {
    if (array instanceof ctor) return type as VoxelType;
  }
  throw new Error(`unsupported voxel array ${Object.prototype.toString.call(array)}`);
}

export function voxelCount(dims: Vec3): number {
  return dims[0] * dims[1] * dims[2];
}

/** LPS position (mm) of the centre of voxel (i, j, k); indices may be fractional. */
export function voxelToLps(g: VolumeGeometry, index: Vec3): Vec3 {
  const p: Vec3 = [...g.originLps];
  for (let n = 0; n < 3; n++) {
    const step = index[n] * g.spacingMm[n];
    for (let c = 0; c < 3; c++) p[c] += step * g.axesLps[n][c];
  }
  return p;
}

/** Continuous voxel index of an LPS point (inverse of voxelToLps for any non-singular axes). */
export function lpsToVoxel(g: VolumeGeometry, point: Vec3): Vec3 {
  const m = g.axesLps.map((axis, n) => axis.map((v) => v * g.spacingMm[n])) as Axes3;
  const d: Vec3 = [point[0] - g.originLps[0], point[1] - g.originLps[1], point[2] - g.originLps[2]];
  // Solve d = Σ_n index_n · m[n] by Cramer's rule on the 3×3 matrix with columns m[n].
  const det3 = (a: Vec3, b: Vec3, c: Vec3) =>
    a[0] * (b[1] * c[2] - b[2] * c[1]) -
    b[0] * (a[1] * c[2] - a[2] * c[1]) +
    c[0] * (a[1] * b[2] - a[2] * b[1]);
  const det = det3(m[0], m[1], m[2]);
  if (Math.abs(det) < 1e-12) throw new Error('volume axes are degenerate');
  return [det3(d, m[1], m[2]) / det, det3(m[0], d, m[2]) / det, det3(m[0], m[1], d) / det];
}

/** True when two geometries describe the same voxel grid within toleranceMm. */
export function sameGrid(a: VolumeGeometry, b: VolumeGeometry, toleranceMm = 1e-3): boolean {
  if (a.dims.some((d, n) => d !== b.dims[n])) return false;
  const far: Vec3 = [a.dims[0] - 1, a.dims[1] - 1, a.dims[2] - 1];
  for (const index of [
    [0, 0, 0] as Vec3,
    far,
    [far[0], 0, 0] as Vec3,
    [0, far[1], 0] as Vec3,
    [0, 0, far[2]] as Vec3,
  ]) {
    const pa = voxelToLps(a, index);
    const pb = voxelToLps(b, index);
    if (Math.hypot(pa[0] - pb[0], pa[1] - pb[1], pa[2] - pb[2]) > toleranceMm) return false;
  }
  return true;
}

export interface SegmentInfo {
  /** Value of this segment's voxels in its layer; unique across the whole segmentation. */
  value: number;
  /** Index into Segmentation.layers: segments that overlap live in different layers. */
  layer: number;
  /** Catalogue snake_case name where known, else the name the file gave. */
  name: string;
  colorRgb: Vec3;
}

/** Label maps on one grid. Non-overlapping segments share a layer; overlapping ones (DICOM SEG) do not. */
export interface Segmentation extends VolumeGeometry {
  layers: (Uint8Array | Uint16Array)[];
  segments: SegmentInfo[];
}

/** Voxels of one label value and their index box (inclusive), or null when there are none. */
export function labelExtent(
  labels: ArrayLike<number>,
  value: number,
  dims: Vec3,
): { lo: Vec3; hi: Vec3; voxels: number } | null {
  const [nx, ny] = dims;
  const lo: Vec3 = [Infinity, Infinity, Infinity];
  const hi: Vec3 = [-1, -1, -1];
  let voxels = 0;
  for (let n = 0; n < labels.length; n++) {
    if (labels[n] !== value) continue;
    voxels++;
    const i = n % nx;
    const j = Math.floor(n / nx) % ny;
    const k = Math.floor(n / (nx * ny));
    if (i < lo[0]) lo[0] = i;
    if (i > hi[0]) hi[0] = i;
    if (j < lo[1]) lo[1] = j;
    if (j > hi[1]) hi[1] = j;
    if (k < lo[2]) lo[2] = k;
    if (k > hi[2]) hi[2] = k;
  }
  return voxels ? { lo, hi, voxels } : null;
}

/** DICOM's code for "other": what the readers put where the file names no modality. */
const unknownModalities = new Set(['', 'OT']);

/** True when the image does not say what it is, so a model's normalisation needs the user to. */
export function needsModalityChoice(modality: string | undefined): boolean {
  return unknownModalities.has((modality ?? '').trim().toUpperCase());
}

/** Smallest and largest voxel value ([0, 0] for no voxels): one pass, no allocation. */
export function valueRange(voxels: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let n = 0; n < voxels.length; n++) {
    const v = voxels[n];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

/** Voxels of one k-slice (index axis 2, the slowest in memory). */
export function sliceVoxelCount(dims: Vec3): number {
  return dims[0] * dims[1];
}

/**
 * A view (no copy) of `count` whole k-slices from `first`: the unit in which a volume streams to the
 * renderer, since k-slices are contiguous in memory.
 */
export function kSlices<T extends VoxelArray>(voxels: T, dims: Vec3, first: number, count: number): T {
  if (
    !Number.isInteger(first) ||
    !Number.isInteger(count) ||
    first < 0 ||
    count < 1 ||
    first + count > dims[2]
  )
    throw new RangeError(`slices ${first}…${first + count - 1} are outside 0…${dims[2] - 1}`);
  const size = sliceVoxelCount(dims);
  return voxels.subarray(first * size, (first + count) * size) as T;
}
