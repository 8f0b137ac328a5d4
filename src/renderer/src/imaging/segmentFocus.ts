// Where to put the crosshair to show segments: on the slice (along the view's axis) that holds most of
// their voxels, at the labelled voxel nearest their centre on that slice. All three views then cut
// through a structure, as Slicer's "jump to segment" does — never through empty space between two
// structures, which a plain centroid can land in.
import type { Segmentation, Vec3 } from '../../../shared/volume';
import type { IndexAxis } from './axialAxis';

/** The voxel to centre on for the segments `values` (all segments when omitted); null when empty. */
export function segmentFocus(seg: Segmentation, axis: IndexAxis, values?: number[]): Vec3 | null {
  const wanted = (values ?? seg.segments.map((s) => s.value)).filter((v) => v !== 0);
  const layers = [...new Set(seg.segments.filter((s) => wanted.includes(s.value)).map((s) => s.layer))];
  if (!layers.length) return null;
  const isWanted = new Uint8Array(65536);
  for (const v of wanted) isWanted[v] = 1;
  const [ni, nj, nk] = seg.dims;
  const strides: Vec3 = [1, ni, ni * nj];
  const perSlice = new Float64Array(seg.dims[axis]);
  // One pass: labelled voxels per slice along the axis.
  for (const layer of layers) {
    const labels = seg.layers[layer];
    for (let k = 0, n = 0; k < nk; k++)
      for (let j = 0; j < nj; j++)
        for (let i = 0; i < ni; i++, n++) {
          if (!isWanted[labels[n]]) continue;
          perSlice[axis === 0 ? i : axis === 1 ? j : k]++;
        }
  }
  let best = -1;
  for (let s = 0; s < perSlice.length; s++)
    if (perSlice[s] > 0 && (best < 0 || perSlice[s] > perSlice[best])) best = s;
  if (best < 0) return null;
  // On that slice: the centroid of the labelled voxels, then the labelled voxel nearest it.
  const [u, v] = ([0, 1, 2] as IndexAxis[]).filter((a) => a !== axis);
  const voxelsOnSlice: Vec3[] = [];
  for (const layer of layers) {
    const labels = seg.layers[layer];
    for (let b = 0; b < seg.dims[v]; b++)
      for (let a = 0; a < seg.dims[u]; a++) {
        const n = best * strides[axis] + a * strides[u] + b * strides[v];
        if (!isWanted[labels[n]]) continue;
        const p: Vec3 = [0, 0, 0];
        p[axis] = best;
        p[u] = a;
        p[v] = b;
        voxelsOnSlice.push(p);
      }
  }
  const centre = [0, 1, 2].map((c) => voxelsOnSlice.reduce((sum, p) => sum + p[c], 0) / voxelsOnSlice.length);
  let nearest = voxelsOnSlice[0];
  let nearestD = Infinity;
  for (const p of voxelsOnSlice) {
    const d = (p[u] - centre[u]) ** 2 + (p[v] - centre[v]) ** 2;
    if (d < nearestD) [nearest, nearestD] = [p, d];
  }
  return nearest;
}
