// Slice order and voxel grid of a stack of frames: sort along the slice normal, take the slice step from
// the positions themselves (SliceThickness says nothing about gaps or overlaps) and report what is odd.
import type { Axes3, Vec3 } from '../../../../shared/volume';

export interface SliceGeometryInput {
  positionLps?: Vec3;
  orientation?: number[];
  pixelSpacing?: number[];
  sliceThickness?: number;
  spacingBetweenSlices?: number;
  instanceNumber?: number;
  frameIndex: number;
}

export interface StackGeometry {
  /** Indices into the input, in volume slice order. */
  order: number[];
  spacingMm: Vec3;
  originLps: Vec3;
  axesLps: Axes3;
  warnings: string[];
}

const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const norm = (a: Vec3) => Math.hypot(a[0], a[1], a[2]);
const unit = (a: Vec3): Vec3 => {
  const n = norm(a);
  return [a[0] / n, a[1] / n, a[2] / n];
};
const fmt = (mm: number) => mm.toFixed(3).replace(/\.?0+$/, '');

/** Slice positions may differ by rounding in the last printed digit; anything beyond is real. */
const positionToleranceMm = 1e-3;

export function stackGeometry(slices: SliceGeometryInput[], label: string): StackGeometry {
  const warnings: string[] = [];
  const first = slices[0];
  const orientation = first.orientation;
  let row: Vec3 = [1, 0, 0];
  let col: Vec3 = [0, 1, 0];
  if (orientation) {
    row = unit(orientation.slice(0, 3) as Vec3);
    col = unit(orientation.slice(3, 6) as Vec3);
    const differs = slices.some(
      (s) => !s.orientation || s.orientation.some((v, n) => Math.abs(v - orientation[n]) > 1e-4),
    );
    if (differs)
      throw new Error(`${label}: its images have different orientations and cannot form one volume`);
  } else {
    warnings.push('no ImageOrientationPatient: axes assumed to be the patient axes');
  }
  const normal = unit(cross(row, col));

  let pixelSpacing = first.pixelSpacing;
  if (!pixelSpacing) {
    pixelSpacing = [1, 1];
    warnings.push('no PixelSpacing: 1 mm assumed in-plane');
  } else if (
    slices.some(
      (s) => !s.pixelSpacing || s.pixelSpacing.some((v, n) => Math.abs(v - pixelSpacing![n]) > 1e-4),
    )
  ) {
    warnings.push('pixel spacing differs between slices; the first slice’s spacing is used');
  }

  const fallbackStep = () => {
    const step = first.spacingBetweenSlices ?? first.sliceThickness;
    if (step && step > 0) return step;
    if (slices.length > 1) warnings.push('slice spacing unknown: 1 mm assumed');
    return 1;
  };

  const order = slices.map((_, n) => n);
  let step: number;
  let originLps: Vec3;
  const positions = slices.map((s) => s.positionLps);
  if (positions.every((p): p is Vec3 => p !== undefined)) {
    const distance = positions.map((p) => dot(p, normal));
    order.sort((a, b) => distance[a] - distance[b] || byInstance(slices[a], slices[b]));
    const sorted = order.map((n) => distance[n]);
    const steps = sorted.slice(1).map((d, n) => d - sorted[n]);
    const duplicates = steps.filter((s) => s < positionToleranceMm).length;
    if (duplicates > 0) {
      throw new Error(
        `${label}: ${duplicates + 1} or more images share a slice position (several echoes, phases or acquisitions in one series are not supported)`,
      );
    }
    originLps = positions[order[0]];
    if (slices.length > 1) {
      step = (sorted[sorted.length - 1] - sorted[0]) / (slices.length - 1);
      const least = Math.min(...steps);
      const most = Math.max(...steps);
      if (most - least > Math.max(positionToleranceMm * 10, step * 0.01)) {
        warnings.push(
          `non-uniform slice spacing: steps range from ${fmt(least)} to ${fmt(most)} mm (mean ${fmt(step)} mm used); distances between slices are not exact`,
        );
      }
      const span = sub(positions[order[order.length - 1]], originLps);
      const along = dot(span, normal);
      const across = norm(sub(span, [normal[0] * along, normal[1] * along, normal[2] * along]));
      const angle = (Math.atan2(across, Math.abs(along)) * 180) / Math.PI;
      if (angle > 0.05 && across > positionToleranceMm * 10) {
        warnings.push(
          `gantry tilt of ${angle.toFixed(2)}°: slices are displaced up to ${fmt(across)} mm in-plane relative to an orthogonal grid; the volume is not shear-corrected`,
        );
      }
    } else {
      step = fallbackStep();
    }
  } else {
    order.sort((a, b) => byInstance(slices[a], slices[b]));
    warnings.push('slice positions missing: slices ordered by InstanceNumber');
    step = fallbackStep();
    originLps = positions[order[0]] ?? [0, 0, 0];
  }
  return {
    order,
    spacingMm: [pixelSpacing[1], pixelSpacing[0], step],
    originLps,
    axesLps: [row, col, normal],
    warnings,
  };
}

function byInstance(a: SliceGeometryInput, b: SliceGeometryInput): number {
  return (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0) || a.frameIndex - b.frameIndex;
}
