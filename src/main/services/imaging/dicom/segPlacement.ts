// Putting SEG frames on a voxel grid: the grid of the series they were drawn on (matched by source image
// reference, else by plane position), or a grid of their own built from their plane positions.
// Segments that overlap go to different layers.
import {
  lpsToVoxel,
  voxelCount,
  type Axes3,
  type SegmentInfo,
  type Segmentation,
  type Vec3,
  type VolumeGeometry,
} from '../../../../shared/volume';
import { BadInputError } from '../errors';
import { resampleSegmentation } from '../labelMaps';
import type { LoadedSegmentationSource, LoadedSeries } from '../types';
import type { SegDefinition } from './segReader';

interface PlacedFrame {
  segmentNumber: number;
  k: number;
  mask: Uint8Array;
}

const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const unit = (a: Vec3): Vec3 => {
  const n = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / n, a[1] / n, a[2] / n];
};

/** The SEG on the grid of `series`, each frame on the slice it was derived from. */
export function segmentationOnSeries(seg: SegDefinition, series: LoadedSeries): Segmentation {
  const { volume } = series;
  const label = series.dicom?.seriesInstanceUid ?? series.path;
  if (seg.columns !== volume.dims[0] || seg.rows !== volume.dims[1]) {
    throw new BadInputError(
      seg.path,
      `SEG frames are ${seg.columns}×${seg.rows}, but series ${label} has ${volume.dims[0]}×${volume.dims[1]} slices`,
    );
  }
  const sliceByReference = new Map<string, number>();
  series.dicom?.slices.forEach((s, k) =>
    sliceByReference.set(`${s.sopInstanceUid}|${s.frameNumber ?? 1}`, k),
  );
  const sameFrameOfReference =
    !seg.frameOfReferenceUid ||
    !series.dicom?.frameOfReferenceUid ||
    seg.frameOfReferenceUid === series.dicom.frameOfReferenceUid;

  const placed = seg.frames.map((frame, n): PlacedFrame => {
    const byReference = frame.referencedSopInstanceUid
      ? sliceByReference.get(`${frame.referencedSopInstanceUid}|${frame.referencedFrameNumber ?? 1}`)
      : undefined;
    if (byReference !== undefined)
      return { segmentNumber: frame.segmentNumber, k: byReference, mask: frame.mask };
    if (frame.positionLps && sameFrameOfReference) {
      const [i, j, k] = lpsToVoxel(volume, frame.positionLps);
      const slice = Math.round(k);
      if (
        Math.abs(i) < 0.05 &&
        Math.abs(j) < 0.05 &&
        Math.abs(k - slice) < 0.1 &&
        slice >= 0 &&
        slice < volume.dims[2]
      ) {
        return { segmentNumber: frame.segmentNumber, k: slice, mask: frame.mask };
      }
    }
    throw new BadInputError(seg.path, `SEG frame ${n + 1} matches no slice of series ${label}`);
  });
  const geometry: VolumeGeometry = {
    dims: [...volume.dims],
    spacingMm: [...volume.spacingMm],
    originLps: [...volume.originLps],
    axesLps: volume.axesLps.map((a) => [...a]) as Axes3,
  };
  return { ...geometry, ...layered(geometry.dims, placed, seg.segments) };
}

/** The SEG on a grid spanned by its own frames' plane positions, for when its series is not loaded. */
export function segmentationOnOwnGrid(seg: SegDefinition): Segmentation {
  if (!seg.orientation)
    throw new BadInputError(seg.path, 'SEG has no plane orientation, so it cannot be placed');
  const positions = seg.frames.map((f) => f.positionLps);
  if (!positions.every((p): p is Vec3 => p !== undefined)) {
    throw new BadInputError(
      seg.path,
      'SEG frames lack plane positions; load it together with the series it references',
    );
  }
  const row = unit(seg.orientation.slice(0, 3) as Vec3);
  const col = unit(seg.orientation.slice(3, 6) as Vec3);
  const normal = unit(cross(row, col));
  const [rowSpacing, colSpacing] = seg.pixelSpacing ?? [1, 1];

  const distances = positions.map((p) => dot(p, normal));
  const first = distances.indexOf(Math.min(...distances));
  const origin = positions[first] ?? [0, 0, 0];
  for (const p of positions) {
    const offset: Vec3 = [p[0] - origin[0], p[1] - origin[1], p[2] - origin[2]];
    if (Math.abs(dot(offset, row)) > 0.01 || Math.abs(dot(offset, col)) > 0.01) {
      throw new BadInputError(
        seg.path,
        'SEG frames are shifted in-plane against each other; they form no single grid',
      );
    }
  }
  const distinct = [...new Set(distances.map((d) => Math.round(d * 1e3) / 1e3))].sort((a, b) => a - b);
  const gaps = distinct.slice(1).map((d, n) => d - distinct[n]);
  let step =
    seg.spacingBetweenSlices && seg.spacingBetweenSlices > 0 ? seg.spacingBetweenSlices : Math.min(...gaps);
  const thickness = seg.sliceThickness;
  // Frames only exist where a segment is present; a large least gap may skip empty slices.
  if (
    !seg.spacingBetweenSlices &&
    thickness &&
    step > 1.5 * thickness &&
    gaps.every((g) => nearMultiple(g, thickness))
  ) {
    step = thickness;
  }
  if (!Number.isFinite(step) || step <= 0) step = thickness && thickness > 0 ? thickness : 1;
  const d0 = distinct[0] ?? 0;
  const placed = seg.frames.map((frame, n): PlacedFrame => {
    const k = (distances[n] - d0) / step;
    if (Math.abs(k - Math.round(k)) > 0.1) {
      throw new BadInputError(
        seg.path,
        'SEG frames are not on a regular slice grid; load it together with its series',
      );
    }
    return { segmentNumber: frame.segmentNumber, k: Math.round(k), mask: frame.mask };
  });
  const dims: Vec3 = [seg.columns, seg.rows, placed.reduce((m, p) => Math.max(m, p.k + 1), 1)];
  return {
    dims,
    spacingMm: [colSpacing, rowSpacing, step],
    originLps: [...origin] as Vec3,
    axesLps: [row, col, normal],
    ...layered(dims, placed, seg.segments),
  };
}

function nearMultiple(value: number, unitMm: number): boolean {
  const ratio = value / unitMm;
  return Math.abs(ratio - Math.round(ratio)) < 0.05;
}

/** Segments into layers: each goes into the first layer where it overlaps nothing already there. */
function layered(
  dims: Vec3,
  placed: PlacedFrame[],
  segments: SegmentInfo[],
): Pick<Segmentation, 'layers' | 'segments'> {
  const sliceSize = dims[0] * dims[1];
  const wide = segments.some((s) => s.value > 255);
  const layers: (Uint8Array | Uint16Array)[] = [];
  const out: SegmentInfo[] = [];
  for (const segment of segments) {
    const own = placed.filter((p) => p.segmentNumber === segment.value);
    const overlaps = (layer: Uint8Array | Uint16Array) =>
      own.some(({ k, mask }) => {
        const base = k * sliceSize;
        for (let n = 0; n < sliceSize; n++)
          if (mask[n] && layer[base + n] && layer[base + n] !== segment.value) return true;
        return false;
      });
    let layer = layers.findIndex((l) => !overlaps(l));
    if (layer < 0) {
      layers.push(wide ? new Uint16Array(voxelCount(dims)) : new Uint8Array(voxelCount(dims)));
      layer = layers.length - 1;
    }
    const target = layers[layer];
    for (const { k, mask } of own) {
      const base = k * sliceSize;
      for (let n = 0; n < sliceSize; n++) if (mask[n]) target[base + n] = segment.value;
    }
    out.push({ ...segment, layer });
  }
  if (layers.length === 0) layers.push(new Uint8Array(voxelCount(dims)));
  return { layers, segments: out };
}

/**
 * A segmentation read earlier (LoadResult.segmentations) on the grid of a series, resampled by nearest
 * neighbour where the grids differ. Given a list, the series the SEG references is chosen; given one
 * series, the caller has chosen it. Grids are matched by geometry alone here, so for a series with
 * non-uniform slice spacing prefer loadSegmentationOnto, which matches frames by their source images.
 */
export function placeSegmentation(
  source: LoadedSegmentationSource,
  series: LoadedSeries | LoadedSeries[],
): Segmentation {
  const target = Array.isArray(series)
    ? series.find(
        (s) =>
          s.dicom &&
          source.referencedSeriesInstanceUid &&
          s.dicom.seriesInstanceUid === source.referencedSeriesInstanceUid,
      )
    : series;
  if (!target) {
    throw new BadInputError(
      source.path,
      `references series ${source.referencedSeriesInstanceUid ?? '(none given)'}, which is not among the loaded series`,
    );
  }
  return resampleSegmentation(source.segmentation, target.volume);
}
