// Prompts drawn on the axial view → the contract's prompt coordinates. The main side reads a prompt
// as in-plane voxel indices on one slice: `a` along the lower-numbered in-plane volume axis, `b`
// along the other, `slice` along the axis closest to superior–inferior (see 'segmentation.prompt').
// The pointer gives continuous voxel positions; these helpers round, clamp and order them.
import type { Vec3 } from '../../../shared/volume';
import type { IndexAxis } from './axialAxis';

export interface PlanePoint {
  a: number;
  b: number;
}

export interface PromptPoint extends PlanePoint {
  positive: boolean;
}

/** The two in-plane volume axes of slices along `axial`, ascending: `a` is the first. */
export function planeAxes(axial: IndexAxis): [IndexAxis, IndexAxis] {
  return ([0, 1, 2] as IndexAxis[]).filter((n) => n !== axial) as [IndexAxis, IndexAxis];
}

const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));

/** The voxel a continuous position falls in, as plane indices clamped into the volume. */
export function toPlanePoint(voxel: Vec3, axial: IndexAxis, dims: Vec3): PlanePoint {
  const [pa, pb] = planeAxes(axial);
  return { a: clamp(Math.round(voxel[pa]), dims[pa] - 1), b: clamp(Math.round(voxel[pb]), dims[pb] - 1) };
}

/** The slice index a continuous position lies on, clamped into the volume. */
export function sliceOf(voxel: Vec3, axial: IndexAxis, dims: Vec3): number {
  return clamp(Math.round(voxel[axial]), dims[axial] - 1);
}

/** A dragged box as two inclusive corners, smaller indices first (a drag may go any direction). */
export function planeBox(from: Vec3, to: Vec3, axial: IndexAxis, dims: Vec3): [PlanePoint, PlanePoint] {
  const p = toPlanePoint(from, axial, dims);
  const q = toPlanePoint(to, axial, dims);
  return [
    { a: Math.min(p.a, q.a), b: Math.min(p.b, q.b) },
    { a: Math.max(p.a, q.a), b: Math.max(p.b, q.b) },
  ];
}

/** A box too thin to enclose anything (one voxel wide) is a click, not a box. */
export function isDegenerateBox([p, q]: [PlanePoint, PlanePoint]): boolean {
  return p.a === q.a || p.b === q.b;
}

/** The voxel index of a plane point on a slice, for drawing markers back on the view. */
export function planeToVoxel(p: PlanePoint, slice: number, axial: IndexAxis): Vec3 {
  const [pa, pb] = planeAxes(axial);
  const voxel: Vec3 = [0, 0, 0];
  voxel[axial] = slice;
  voxel[pa] = p.a;
  voxel[pb] = p.b;
  return voxel;
}

/** Whether a voxel index lies on the slice and inside the box (inclusive). */
export function insidePlaneBox(
  voxel: Vec3,
  slice: number,
  [p, q]: [PlanePoint, PlanePoint],
  axial: IndexAxis,
): boolean {
  const [pa, pb] = planeAxes(axial);
  return (
    voxel[axial] === slice && voxel[pa] >= p.a && voxel[pa] <= q.a && voxel[pb] >= p.b && voxel[pb] <= q.b
  );
}
