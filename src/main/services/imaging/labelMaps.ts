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

/** Nearest-neighbour resampling of every layer onto `grid`; voxels outside the source grid stay 0. */
export function resampleSegmentation(source: Segmentation, grid: VolumeGeometry): Segmentation {
  const geometry = geometryOf(grid);
  if (sameGrid(source, grid)) return { ...geometry, layers: source.layers, segments: source.segments };
  const base = lpsToVoxel(source, voxelToLps(grid, [0, 0, 0]));
  const step = [0, 1, 2].map((n) => {
    const unitIndex: Vec3 = [0, 0, 0];
    unitIndex[n] = 1;
    const p = lpsToVoxel(source, voxelToLps(grid, unitIndex));
    return [p[0] - base[0], p[1] - base[1], p[2] - base[2]];
  });
  // A target slice takes a source slice only if their planes are within half of the finer slice step.
  const sliceTolerance = 0.5 * Math.min(1, grid.spacingMm[2] / source.spacingMm[2]);
  const [nx, ny, nz] = grid.dims;
  const [sx, sy, sz] = source.dims;
  const layers = source.layers.map((layer) => {
    const out = new (layer instanceof Uint16Array ? Uint16Array : Uint8Array)(nx * ny * nz);
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        const rowBase: Vec3 = [
          base[0] + j * step[1][0] + k * step[2][0],
          base[1] + j * step[1][1] + k * step[2][1],
          base[2] + j * step[1][2] + k * step[2][2],
        ];
        for (let i = 0; i < nx; i++) {
          const x = rowBase[0] + i * step[0][0];
          const y = rowBase[1] + i * step[0][1];
          const z = rowBase[2] + i * step[0][2];
          const zi = Math.round(z);
          if (Math.abs(z - zi) > sliceTolerance || zi < 0 || zi >= sz) continue;
          const xi = Math.round(x);
          const yi = Math.round(y);
          if (xi < 0 || yi < 0 || xi >= sx || yi >= sy) continue;
          out[(k * ny + j) * nx + i] = layer[(zi * sy + yi) * sx + xi];
        }
      }
    }
    return out;
  });
  return { ...geometry, layers, segments: source.segments };
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
