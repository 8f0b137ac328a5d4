// Surface voxels of a binary mask, as surface-distance metrics use them.
//
// Definition: a voxel is on the surface when it is in the mask (non-zero) and at least one of its
// six face neighbours is outside the mask, or lies outside the volume (the voxel is on the volume
// border). This is mask AND NOT erosion(mask) with a 6-connected structuring element and the
// outside of the volume counted as background — exactly what medpy (`__surface_distances`) and
// MONAI (`get_mask_edges`) compute with scipy.ndimage.binary_erosion(mask,
// generate_binary_structure(3, 1), border_value=0), and what test/unit/metrics/reference_metrics.py
// uses. Counting the border as outside keeps an organ cut by the field of view closed.

import type { Vec3 } from '../../../shared/volume';

/**
 * Marks the surface voxels of `mask` with 1 (others 0) and counts them.
 * `out`, when given, must have one element per voxel; it is overwritten and returned.
 */
export function surfaceMask(
  mask: Uint8Array,
  dims: Vec3,
  out?: Uint8Array,
): { surface: Uint8Array; count: number } {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  if (!dims.every((d) => Number.isInteger(d) && d > 0) || mask.length !== nxy * nz) {
    throw new RangeError(`mask has ${mask.length} voxels, which does not fit dims [${dims.join(', ')}]`);
  }
  const surface = out ?? new Uint8Array(mask.length);
  if (surface.length !== mask.length) throw new RangeError('out must have one element per voxel');
  let count = 0;
  for (let k = 0, idx = 0; k < nz; k++) {
    const kBorder = k === 0 || k === nz - 1;
    for (let j = 0; j < ny; j++) {
      const jkBorder = kBorder || j === 0 || j === ny - 1;
      for (let i = 0; i < nx; i++, idx++) {
        let on = 0;
        if (mask[idx] !== 0) {
          on =
            jkBorder ||
            i === 0 ||
            i === nx - 1 ||
            mask[idx - 1] === 0 ||
            mask[idx + 1] === 0 ||
            mask[idx - nx] === 0 ||
            mask[idx + nx] === 0 ||
            mask[idx - nxy] === 0 ||
            mask[idx + nxy] === 0
              ? 1
              : 0;
          count += on;
        }
        surface[idx] = on;
      }
    }
  }
  return { surface, count };
}
