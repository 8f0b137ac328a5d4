// A segment as a binary mask cropped to its bounding box (plus one voxel of zeros all round, so its
// surface closes), and the mapping of surface points from voxel index space to patient LPS.
import { labelExtent, type Vec3, type VolumeGeometry } from '../../../shared/volume';

export interface CroppedMask {
  /** 1 inside the segment, 0 outside. */
  mask: Uint8Array;
  dims: Vec3;
  /** Voxel index of the mask's first voxel in the full grid (may be −1 for the zero padding). */
  offset: Vec3;
}

export function cropMask(dims: Vec3, labels: Uint8Array | Uint16Array, value: number): CroppedMask | null {
  const [ni, nj] = dims;
  const extent = labelExtent(labels, value, dims);
  if (!extent) return null;
  const { lo, hi } = extent;
  const offset: Vec3 = [lo[0] - 1, lo[1] - 1, lo[2] - 1];
  const size: Vec3 = [hi[0] - lo[0] + 3, hi[1] - lo[1] + 3, hi[2] - lo[2] + 3];
  const mask = new Uint8Array(size[0] * size[1] * size[2]);
  for (let k = lo[2]; k <= hi[2]; k++)
    for (let j = lo[1]; j <= hi[1]; j++) {
      const src = ni * (j + nj * k);
      const dst = size[0] * (j - offset[1] + size[1] * (k - offset[2]));
      for (let i = lo[0]; i <= hi[0]; i++) if (labels[src + i] === value) mask[dst + i - offset[0]] = 1;
    }
  return { mask, dims: size, offset };
}

/**
 * Maps points (x, y, z triples in voxel index units) to LPS in place, and their normals with the
 * inverse transpose of the same linear map (axes are orthonormal, so that is axes / spacing).
 */
export function indexToLpsInPlace(g: VolumeGeometry, points: Float32Array, normals?: Float32Array) {
  const { originLps: o, spacingMm: s, axesLps: a } = g;
  for (let p = 0; p < points.length; p += 3) {
    const i = points[p] * s[0];
    const j = points[p + 1] * s[1];
    const k = points[p + 2] * s[2];
    for (let c = 0; c < 3; c++) points[p + c] = o[c] + i * a[0][c] + j * a[1][c] + k * a[2][c];
  }
  if (!normals) return;
  for (let p = 0; p < normals.length; p += 3) {
    const i = normals[p] / s[0];
    const j = normals[p + 1] / s[1];
    const k = normals[p + 2] / s[2];
    const n: Vec3 = [0, 0, 0];
    for (let c = 0; c < 3; c++) n[c] = i * a[0][c] + j * a[1][c] + k * a[2][c];
    const len = Math.hypot(n[0], n[1], n[2]) || 1;
    for (let c = 0; c < 3; c++) normals[p + c] = n[c] / len;
  }
}
