import { fallbackColor, structureById } from '../../../shared/anatomy';
import {
  lpsToVoxel,
  sameGrid,
  voxelCount,
  voxelToLps,
  type Segmentation,
  type Vec3,
  type Volume,
  type VolumeGeometry,
} from '../../../shared/volume';

const geometryOf = (g: VolumeGeometry): VolumeGeometry => ({
  dims: [...g.dims],
  spacingMm: [...g.spacingMm],
  originLps: [...g.originLps],
  axesLps: [[...g.axesLps[0]], [...g.axesLps[1]], [...g.axesLps[2]]],
});

/**
 * A label-map image as a one-layer Segmentation. Label values are catalogue ids (TotalSegmentator's
 * numbering) unless `names` says otherwise.
 */
export function labelMapToSegmentation(volume: Volume, names?: Map<number, string>): Segmentation {
  const values = volume.voxels;
  let max = 0;
  const present = new Set<number>();
  for (let n = 0; n < values.length; n++) {
    const v = values[n];
    if (v !== 0) {
      if (v < 0 || !Number.isInteger(v)) throw new Error('label maps hold non-negative integers only');
      present.add(v);
      if (v > max) max = v;
    }
  }
  const layer =
    max > 255 ? Uint16Array.from(values as ArrayLike<number>) : Uint8Array.from(values as ArrayLike<number>);
  const segments = [...present]
    .sort((a, b) => a - b)
    .map((value) => {
      const known = structureById(value);
      const name = names?.get(value) ?? known?.name ?? `label_${value}`;
      return { value, layer: 0, name, colorRgb: known?.colorRgb ?? fallbackColor(value) };
    });
  return { ...geometryOf(volume), layers: [layer], segments };
}

/** Nearest-neighbour resampling of a segmentation onto another grid (same patient space). */
export function resampleSegmentation(source: Segmentation, target: VolumeGeometry): Segmentation {
  if (sameGrid(source, target)) return source;
  const [ni, nj, nk] = target.dims;
  const layers = source.layers.map(
    (layer) => new (layer.constructor as Uint8ArrayConstructor)(voxelCount(target.dims)),
  );
  const [si, sj, sk] = source.dims;
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      // Map the row's two ends and step linearly: the index mapping is affine.
      const a = lpsToVoxel(source, voxelToLps(target, [0, j, k]));
      const b = lpsToVoxel(source, voxelToLps(target, [1, j, k]));
      const step: Vec3 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
      for (let i = 0; i < ni; i++) {
        const x = Math.round(a[0] + step[0] * i);
        const y = Math.round(a[1] + step[1] * i);
        const z = Math.round(a[2] + step[2] * i);
        if (x < 0 || y < 0 || z < 0 || x >= si || y >= sj || z >= sk) continue;
        const from = x + si * (y + sj * z);
        const to = i + ni * (j + nj * k);
        for (let l = 0; l < layers.length; l++) layers[l][to] = source.layers[l][from];
      }
    }
  }
  return { ...geometryOf(target), layers, segments: source.segments };
}

/** Flattens a segmentation to one label map for writers that hold one value per voxel (NIfTI). */
export function flattenToLabelMap(seg: Segmentation): Uint8Array | Uint16Array {
  const n = voxelCount(seg.dims);
  const maxValue = Math.max(0, ...seg.segments.map((s) => s.value));
  const out = maxValue > 255 ? new Uint16Array(n) : new Uint8Array(n);
  // Later layers win where segments overlap; a NIfTI label map cannot hold both.
  for (const layer of seg.layers) for (let v = 0; v < n; v++) if (layer[v]) out[v] = layer[v];
  return out;
}
