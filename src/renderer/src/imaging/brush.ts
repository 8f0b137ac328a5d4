// The brush: which voxels of the current slice lie within a radius (mm) of the brush centre. A disc
// on the slice in physical space, so a 5 mm brush covers 5 mm whatever the in-plane spacing.
import type { Vec3, VolumeGeometry } from '../../../shared/volume';
import type { IndexAxis } from './axialAxis';

/**
 * Flat voxel indices (i + j·ni + k·ni·nj) of the disc of `radiusMm` around the continuous voxel
 * position `centre`, on the slice `Math.round(centre[sliceAxis])`. Axes are assumed orthogonal (as
 * the volume contract's direction matrices are), so in-plane distance is per-axis spacing.
 */
export function brushDisc(
  g: Pick<VolumeGeometry, 'dims' | 'spacingMm'>,
  centre: Vec3,
  radiusMm: number,
  sliceAxis: IndexAxis,
): number[] {
  const [a, b] = ([0, 1, 2] as IndexAxis[]).filter((n) => n !== sliceAxis);
  const slice = Math.round(centre[sliceAxis]);
  if (slice < 0 || slice >= g.dims[sliceAxis]) return [];
  const strides: Vec3 = [1, g.dims[0], g.dims[0] * g.dims[1]];
  const out: number[] = [];
  // At least the voxel under the cursor, however small the radius.
  const r = Math.max(radiusMm, 0.5 * Math.min(g.spacingMm[a], g.spacingMm[b]));
  const ra = Math.ceil(r / g.spacingMm[a]);
  const rb = Math.ceil(r / g.spacingMm[b]);
  const ca = Math.round(centre[a]);
  const cb = Math.round(centre[b]);
  for (let ia = ca - ra; ia <= ca + ra; ia++) {
    if (ia < 0 || ia >= g.dims[a]) continue;
    const da = (ia - centre[a]) * g.spacingMm[a];
    for (let ib = cb - rb; ib <= cb + rb; ib++) {
      if (ib < 0 || ib >= g.dims[b]) continue;
      const db = (ib - centre[b]) * g.spacingMm[b];
      if (da * da + db * db > r * r) continue;
      out.push(ia * strides[a] + ib * strides[b] + slice * strides[sliceAxis]);
    }
  }
  return out;
}
