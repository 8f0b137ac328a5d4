// Which voxel axis an axial view slices along, and how the axial camera is oriented, from the
// volume's LPS axes alone: a volume acquired sagittally or coronally still shows axial-ish slices.
import type { Vec3, VolumeGeometry } from '../../../shared/volume';

export type IndexAxis = 0 | 1 | 2;

/** The index axis most aligned with the patient's superior-inferior (LPS z) direction. */
export function axialIndexAxis(geometry: Pick<VolumeGeometry, 'axesLps'>): IndexAxis {
  const z = geometry.axesLps.map((axis) => Math.abs(axis[2]));
  return (z[0] >= z[1] && z[0] >= z[2] ? 0 : z[1] >= z[2] ? 1 : 2) as IndexAxis;
}

// `+ 0` turns -0 into 0, so flipped axes compare equal to their literal values.
const scale = (v: Vec3, s: number): Vec3 => [v[0] * s + 0, v[1] * s + 0, v[2] * s + 0];
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
/** Screen right for a camera looking along `forward` with `up` up (the camera's own convention). */
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1] + 0,
  a[2] * b[0] - a[0] * b[2] + 0,
  a[0] * b[1] - a[1] * b[0] + 0,
];

export interface AxialOrientation {
  /** Unit vector from the camera towards the patient: towards superior (we look up from the feet). */
  directionOfProjection: Vec3;
  /** Unit vector pointing up on screen: anterior. */
  viewUp: Vec3;
  /** Unit vector pointing right on screen: the patient's left. */
  viewRight: Vec3;
}

/**
 * Radiological convention: viewed from the feet with anterior up, the patient's right is on the
 * screen's left. Directions snap to the volume's own axes so that pixels stay aligned with voxels.
 */
export function axialOrientation(geometry: Pick<VolumeGeometry, 'axesLps'>): AxialOrientation {
  const n = axialIndexAxis(geometry);
  const normal = geometry.axesLps[n];
  const directionOfProjection = scale(normal, normal[2] < 0 ? -1 : 1);
  const anterior: Vec3 = [0, -1, 0];
  const inPlane = ([0, 1, 2] as IndexAxis[]).filter((a) => a !== n).map((a) => geometry.axesLps[a]);
  const best = inPlane.reduce((a, b) => (Math.abs(dot(a, anterior)) >= Math.abs(dot(b, anterior)) ? a : b));
  const viewUp = scale(best, dot(best, anterior) < 0 ? -1 : 1);
  return { directionOfProjection, viewUp, viewRight: cross(directionOfProjection, viewUp) };
}
