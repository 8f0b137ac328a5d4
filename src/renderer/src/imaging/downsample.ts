// A reduced copy of a large volume for volume rendering: every f-th voxel along each axis, so the 3D
// texture stays small enough for any GPU (and for software WebGL) while the 2D views keep every
// voxel. Nearest sampling keeps values exact (HU stay HU) and costs one read per output voxel.
import { voxelArrayConstructors, type Volume } from '../../../shared/volume';

/** Smallest integer stride that brings the voxel count to at most `maxVoxels`. */
export function renderStride(dims: Volume['dims'], maxVoxels: number): number {
  let f = 1;
  while (Math.ceil(dims[0] / f) * Math.ceil(dims[1] / f) * Math.ceil(dims[2] / f) > maxVoxels) f++;
  return f;
}

export function downsampleVolume(volume: Volume, maxVoxels = 16 * 1024 ** 2): Volume {
  const f = renderStride(volume.dims, maxVoxels);
  if (f === 1) return volume;
  const [ni, nj, nk] = volume.dims;
  const dims: Volume['dims'] = [Math.ceil(ni / f), Math.ceil(nj / f), Math.ceil(nk / f)];
  const out = new voxelArrayConstructors[volume.voxelType](dims[0] * dims[1] * dims[2]);
  let n = 0;
  for (let k = 0; k < nk; k += f)
    for (let j = 0; j < nj; j += f) {
      const row = ni * (j + nj * k);
      for (let i = 0; i < ni; i += f) out[n++] = volume.voxels[row + i];
    }
  return {
    ...volume,
    dims,
    spacingMm: [volume.spacingMm[0] * f, volume.spacingMm[1] * f, volume.spacingMm[2] * f],
    voxels: out,
  };
}
