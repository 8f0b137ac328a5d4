// Voxel counts and volumes of the segments of a label map layer (the one computation in
// src/shared/segmentVolumes serves the panel, the reports and the command line alike).
import type { Vec3 } from '../../../shared/volume';

export { countLabels, volumeMl } from '../../../shared/segmentVolumes';

/**
 * Up to `max` voxels (integer indices, spread over the slice) of label `value` on slice `index` of
 * `axis` whose in-plane 5×5 neighbourhood is all that label: safely inside the segment, so a pixel
 * check there is not confused by edges, interpolation or a half-voxel shift.
 */
export function interiorVoxels(
  dims: Vec3,
  labels: Uint8Array | Uint16Array,
  value: number,
  axis: 0 | 1 | 2,
  index: number,
  max = 20,
): Vec3[] {
  const [a, b] = ([0, 1, 2] as const).filter((n) => n !== axis);
  const strides: Vec3 = [1, dims[0], dims[0] * dims[1]];
  const found: Vec3[] = [];
  const at = (ia: number, ib: number) => ia * strides[a] + ib * strides[b] + index * strides[axis];
  for (let ib = 2; ib < dims[b] - 2; ib++)
    for (let ia = 2; ia < dims[a] - 2; ia++) {
      let inside = true;
      for (let db = -2; db <= 2 && inside; db++)
        for (let da = -2; da <= 2 && inside; da++) inside = labels[at(ia + da, ib + db)] === value;
      if (!inside) continue;
      const voxel: Vec3 = [0, 0, 0];
      voxel[a] = ia;
      voxel[b] = ib;
      voxel[axis] = index;
      found.push(voxel);
    }
  if (found.length <= max) return found;
  return Array.from({ length: max }, (_, n) => found[Math.floor((n * found.length) / max)]);
}
