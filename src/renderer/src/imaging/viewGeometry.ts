// Which voxel axis each 2D view slices along and how its camera is oriented, from the volume's LPS
// axes alone. Radiological conventions (as in 3D Slicer, OHIF and VolView):
//   axial    seen from the feet, anterior up, patient's right on the screen's left;
//   coronal  seen from the front, superior up, patient's right on the screen's left;
//   sagittal seen from the patient's left, superior up, anterior on the screen's left.
// Directions snap to the volume's own axes so that screen pixels stay aligned with voxels, whatever
// the direction matrix (oblique, flipped, or acquired in another plane).
import type { Vec3, VolumeGeometry } from '../../../shared/volume';
import type { IndexAxis } from './axialAxis';

export type SliceView = 'axial' | 'coronal' | 'sagittal';
export const sliceViews: readonly SliceView[] = ['axial', 'coronal', 'sagittal'];

export interface ViewOrientation {
  /** The voxel index axis this view slices along (its slice index is that index). */
  indexAxis: IndexAxis;
  /** Unit vector from the camera into the patient. */
  directionOfProjection: Vec3;
  /** Unit vector pointing up on screen. */
  viewUp: Vec3;
  /** Unit vector pointing right on screen. */
  viewRight: Vec3;
}

// `+ 0` turns -0 into 0, so flipped axes compare equal to their literal values.
const scale = (v: Vec3, s: number): Vec3 => [v[0] * s + 0, v[1] * s + 0, v[2] * s + 0];
export const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
/** Screen right for a camera looking along `forward` with `up` up. */
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1] + 0,
  a[2] * b[0] - a[0] * b[2] + 0,
  a[0] * b[1] - a[1] * b[0] + 0,
];

/** Patient direction each view looks along, and the patient direction wanted at the top. */
const conventions: Record<SliceView, { look: Vec3; up: Vec3 }> = {
  axial: { look: [0, 0, 1], up: [0, -1, 0] },
  coronal: { look: [0, 1, 0], up: [0, 0, 1] },
  sagittal: { look: [-1, 0, 0], up: [0, 0, 1] },
};

/**
 * The index axis of each view: each picks the remaining axis most aligned with its look direction,
 * axial first, then coronal, so the three views always slice along three different axes (a 45°
 * oblique volume would otherwise give coronal and sagittal the same one).
 */
export function viewIndexAxes(geometry: Pick<VolumeGeometry, 'axesLps'>): Record<SliceView, IndexAxis> {
  const free: IndexAxis[] = [0, 1, 2];
  const out = {} as Record<SliceView, IndexAxis>;
  for (const view of sliceViews) {
    const look = conventions[view].look;
    const best = free.reduce((a, b) =>
      Math.abs(dot(geometry.axesLps[a], look)) >= Math.abs(dot(geometry.axesLps[b], look)) ? a : b,
    );
    out[view] = best;
    free.splice(free.indexOf(best), 1);
  }
  return out;
}

export function viewOrientation(geometry: Pick<VolumeGeometry, 'axesLps'>, view: SliceView): ViewOrientation {
  const axes = viewIndexAxes(geometry);
  const indexAxis = axes[view];
  const { look, up } = conventions[view];
  const normal = geometry.axesLps[indexAxis];
  const directionOfProjection = scale(normal, dot(normal, look) < 0 ? -1 : 1);
  const inPlane = ([0, 1, 2] as IndexAxis[]).filter((a) => a !== indexAxis).map((a) => geometry.axesLps[a]);
  const best = inPlane.reduce((a, b) => (Math.abs(dot(a, up)) >= Math.abs(dot(b, up)) ? a : b));
  const viewUp = scale(best, dot(best, up) < 0 ? -1 : 1);
  return { indexAxis, directionOfProjection, viewUp, viewRight: cross(directionOfProjection, viewUp) };
}

/**
 * Where a view's slice sits, for the corner text: the coordinate of the slice centre along the
 * patient axis the view looks along, signed the way readers say it (S/I, P/A, L/R with mm).
 */
export function slicePositionLabel(view: SliceView, pointLps: Vec3): string {
  const c = view === 'axial' ? 2 : view === 'coronal' ? 1 : 0;
  const [positive, negative] = (['LR', 'PA', 'SI'] as const)[c];
  const v = pointLps[c];
  return `${Math.abs(v) < 0.05 ? positive : v > 0 ? positive : negative} ${Math.abs(v).toFixed(1)} mm`;
}
