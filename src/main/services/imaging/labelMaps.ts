import { basename } from 'node:path';
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

/** How a label map was placed on a study: as is, resampled (with what to tell the reader), or not at all. */
export type Placement =
  | { kind: 'same-grid'; segmentation: Segmentation }
  | { kind: 'resampled'; segmentation: Segmentation; note: string }
  | { kind: 'refused'; reason: string };

const fmt = (v: number) => String(Number(v.toFixed(2)));
const gridText = (g: VolumeGeometry) =>
  `${g.dims.join(' × ')} voxels of ${g.spacingMm.map(fmt).join(' × ')} mm`;

/** LPS bounds (mm) of a grid's voxel centres, as "x…x, y…y, z…z". */
function boundsText(g: VolumeGeometry): string {
  const lo: Vec3 = [Infinity, Infinity, Infinity];
  const hi: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const i of [0, g.dims[0] - 1])
    for (const j of [0, g.dims[1] - 1])
      for (const k of [0, g.dims[2] - 1]) {
        const p = voxelToLps(g, [i, j, k]);
        for (let c = 0; c < 3; c++) {
          lo[c] = Math.min(lo[c], p[c]);
          hi[c] = Math.max(hi[c], p[c]);
        }
      }
  return ['L', 'P', 'S'].map((axis, c) => `${axis} ${Math.round(lo[c])}…${Math.round(hi[c])}`).join(', ');
}

/** Labelled voxels per value, over every layer. */
function labelledCounts(seg: Segmentation): Map<number, number> {
  const counts = new Map<number, number>();
  for (const layer of seg.layers) for (const v of layer) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/** How many labelled voxels of `seg` have their centre inside `grid`'s volume (half a voxel beyond its outer centres). */
function labelledInside(seg: Segmentation, grid: VolumeGeometry): number {
  const [sx, sy] = seg.dims;
  let inside = 0;
  for (const layer of seg.layers) {
    for (let n = 0; n < layer.length; n++) {
      if (!layer[n]) continue;
      const p = lpsToVoxel(
        grid,
        voxelToLps(seg, [n % sx, Math.floor(n / sx) % sy, Math.floor(n / (sx * sy))]),
      );
      if (p.every((v, a) => v >= -0.5 && v <= grid.dims[a] - 0.5)) inside++;
    }
  }
  return inside;
}

/**
 * Places a label map read from `file` on a study by patient coordinates: as is on the same grid;
 * resampled by nearest neighbour where it lies on another grid and overlaps the study (saying so, and
 * naming the structures left wholly outside, which are dropped from the list); refused with the reason
 * where none of its labels fall inside the study — as a DICOM SEG of another series is.
 */
export function placeLabelMap(source: Segmentation, study: VolumeGeometry, file: string): Placement {
  if (sameGrid(source, study))
    return { kind: 'same-grid', segmentation: resampleSegmentation(source, study) };
  const sourceCounts = labelledCounts(source);
  const labelled = [...sourceCounts.values()].reduce((a, b) => a + b, 0);
  const name = basename(file);
  if (labelled === 0) return { kind: 'refused', reason: 'holds no labelled voxels' };
  const inside = labelledInside(source, study);
  const where = `(the label map covers ${boundsText(source)} mm; the study ${boundsText(study)} mm)`;
  if (inside === 0) {
    return {
      kind: 'refused',
      reason: `lies outside this study: none of its ${labelled} labelled voxels falls inside the study's volume ${where}; load it onto the image it was drawn on`,
    };
  }
  const resampled = resampleSegmentation(source, study);
  const counts = labelledCounts(resampled);
  if (counts.size === 0) {
    return {
      kind: 'refused',
      reason: `its labels inside this study are smaller than the study's voxels (${gridText(study)}): nothing would be shown`,
    };
  }
  const kept = resampled.segments.filter((s) => counts.has(s.value));
  const dropped = resampled.segments.filter((s) => !counts.has(s.value)).map((s) => s.name);
  const share = Math.round((100 * inside) / labelled);
  const note =
    `${name} lies on another grid (${gridText(source)}) than the study (${gridText(study)}): ` +
    `resampled onto the study by patient coordinates, nearest neighbour; ` +
    (share < 100
      ? `${share} % of its labelled voxels lie inside the study, the rest was left out`
      : 'all of it lies inside the study') +
    (dropped.length ? `; not on the study at all: ${dropped.join(', ')}` : '') +
    '.';
  return { kind: 'resampled', segmentation: { ...resampled, segments: kept }, note };
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
