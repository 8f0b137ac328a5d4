// Voxel-data helpers shared by the NIfTI and NRRD readers: decompression, byte order, geometry
// checks and the modality guess that neither format records.
import { gunzipSync } from 'node:zlib';
import type { Axes3, Vec3, VoxelArray, VoxelType } from '../../../shared/volume';
import { voxelArrayConstructors } from '../../../shared/volume';
import { BadInputError } from './errors';

export const BYTES_PER_VOXEL: Record<VoxelType, number> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  float64: 8,
};

export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Inflates gzip data; a damaged stream is the user's file's fault, so it becomes a BadInputError. */
export function gunzipInput(path: string, bytes: Uint8Array, what = 'gzip data'): Uint8Array {
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    throw new BadInputError(path, `${what} is truncated or corrupt (${(error as Error).message})`);
  }
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Below this, samples are always copied: small reads may share Node's pooled buffers. */
const viewMinBytes = 64 * 1024;

/**
 * `count` samples in host byte order. A large, aligned block already in host order is returned as a
 * view into `bytes` (no copy: a 200 MB CT is not held twice); otherwise the samples are copied into
 * a fresh typed array, byte-swapped where the file's order differs from the host's.
 */
export function decodeSamples(
  bytes: Uint8Array,
  offset: number,
  type: VoxelType,
  count: number,
  littleEndian: boolean,
): VoxelArray {
  const size = BYTES_PER_VOXEL[type];
  const start = bytes.byteOffset + offset;
  if (
    (size === 1 || littleEndian === HOST_IS_LITTLE_ENDIAN) &&
    start % size === 0 &&
    count * size >= viewMinBytes
  ) {
    return new voxelArrayConstructors[type](bytes.buffer as ArrayBuffer, start, count);
  }
  const copy = new Uint8Array(bytes.subarray(offset, offset + count * size));
  if (size > 1 && littleEndian !== HOST_IS_LITTLE_ENDIAN) {
    for (let at = 0; at < copy.length; at += size) copy.subarray(at, at + size).reverse();
  }
  return new voxelArrayConstructors[type](copy.buffer, 0, count);
}

export function intensityRange(voxels: VoxelArray): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < voxels.length; i++) {
    const v = voxels[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

export function isIntegerType(type: VoxelType): boolean {
  return type !== 'float32' && type !== 'float64';
}

/**
 * Neither NIfTI nor NRRD records the modality. Free text counts only when it names one modality
 * outright; otherwise an integer image spanning air (≤ -900) to bone (≥ 500) can only be CT in HU.
 */
export function guessModality(
  voxels: VoxelArray,
  voxelType: VoxelType,
  texts: string[],
  /** Which voxels `voxels` are, where not all of the image (" on its middle slice"). */
  scope = '',
): { modality: string; warning?: string } {
  const text = texts.join(' ');
  const saysCt = /\bCT\b/.test(text) || /computed tomography/i.test(text);
  const saysMr = /\bMRI?\b/.test(text) || /magnetic resonance/i.test(text);
  if (saysCt !== saysMr) return { modality: saysCt ? 'CT' : 'MR' };
  if (isIntegerType(voxelType)) {
    const [lo, hi] = intensityRange(voxels);
    if (lo <= -900 && hi >= 500) {
      return {
        modality: 'CT',
        warning: `modality not stated in the file; shown as CT because intensities span Hounsfield units (${lo} to ${hi}${scope})`,
      };
    }
  }
  return { modality: 'OT' };
}

/**
 * Turns index→LPS columns (direction × spacing) into unit axes and spacings, refusing grids
 * whose voxels have no extent or whose axes are (nearly) parallel: nothing downstream can invert them.
 */
export function geometryFromColumns(
  path: string,
  columns: [Vec3, Vec3, Vec3],
): { spacingMm: Vec3; axesLps: Axes3; warnings: string[] } {
  const warnings: string[] = [];
  if (columns.some((c) => c.some((v) => !Number.isFinite(v)))) {
    throw new BadInputError(path, 'voxel axes contain non-finite numbers');
  }
  const spacingMm = columns.map((c) => Math.hypot(c[0], c[1], c[2])) as Vec3;
  spacingMm.forEach((s, n) => {
    if (!(s > 1e-6)) throw new BadInputError(path, `voxel spacing along axis ${n} is zero`);
  });
  const axesLps = columns.map((c, n) => c.map((v) => v / spacingMm[n])) as Axes3;
  const [a, b, c] = axesLps;
  const det =
    a[0] * (b[1] * c[2] - b[2] * c[1]) -
    a[1] * (b[0] * c[2] - b[2] * c[0]) +
    a[2] * (b[0] * c[1] - b[1] * c[0]);
  if (Math.abs(det) < 1e-6) throw new BadInputError(path, 'voxel axes are degenerate (parallel or coplanar)');
  const dot = (u: Vec3, v: Vec3) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
  if (Math.max(Math.abs(dot(a, b)), Math.abs(dot(a, c)), Math.abs(dot(b, c))) > 1e-4) {
    warnings.push(
      'voxel axes are not orthogonal (sheared grid); views that assume orthogonal axes are approximate',
    );
  }
  return { spacingMm, axesLps, warnings };
}

export function baseName(path: string): string {
  return (path.split(/[\\/]/).pop() ?? path).replace(/\.(nii|nii\.gz|nrrd|nhdr|gz)$/i, '');
}
