// The parallel camera of a 2D view as plain numbers: where it looks, how many mm one screen pixel
// covers, and the mapping between screen pixels and patient LPS millimetres. vtk.js is told the same
// numbers (vtk/useSliceCamera.ts), so overlays drawn from here (crosshairs, brush) match the image.
import type { Vec3, VolumeGeometry } from '../../../shared/volume';
import { voxelToLps } from '../../../shared/volume';
import { dot, type ViewOrientation } from './viewGeometry';

export interface CameraState {
  /** The point at the centre of the screen (LPS mm). */
  focalPoint: Vec3;
  /** Half the view height in mm (vtk's parallel scale). */
  parallelScale: number;
}

export interface Viewport {
  /** CSS pixels. */
  width: number;
  height: number;
}

/** Centre and corners of the voxel-centre box. */
function corners(g: VolumeGeometry): Vec3[] {
  const out: Vec3[] = [];
  for (const i of [0, g.dims[0] - 1])
    for (const j of [0, g.dims[1] - 1])
      for (const k of [0, g.dims[2] - 1]) out.push(voxelToLps(g, [i, j, k]));
  return out;
}

export function volumeCentre(g: VolumeGeometry): Vec3 {
  return voxelToLps(g, [(g.dims[0] - 1) / 2, (g.dims[1] - 1) / 2, (g.dims[2] - 1) / 2]);
}

/**
 * The camera that fits the volume in the viewport (4% margin), then zooms by `zoom` and moves the
 * image by `panMm` (screen right, screen up, in mm).
 */
export function fitCamera(
  g: VolumeGeometry,
  o: ViewOrientation,
  viewport: Viewport,
  zoom = 1,
  panMm: [number, number] = [0, 0],
): CameraState {
  const points = corners(g);
  const extent = (axis: Vec3) => {
    const values = points.map((p) => dot(p, axis));
    return Math.max(...values) - Math.min(...values) + 1;
  };
  const aspect = viewport.width / Math.max(1, viewport.height);
  const half = Math.max(extent(o.viewUp) / 2, extent(o.viewRight) / 2 / aspect) * 1.04 || 1;
  const c = volumeCentre(g);
  const focalPoint: Vec3 = [0, 1, 2].map(
    (n) => c[n] - o.viewRight[n] * panMm[0] - o.viewUp[n] * panMm[1],
  ) as Vec3;
  return { focalPoint, parallelScale: half / zoom };
}

export const mmPerPixel = (camera: CameraState, viewport: Viewport) =>
  (2 * camera.parallelScale) / Math.max(1, viewport.height);

/** The LPS point under a screen pixel, on the plane through the focal point. */
export function screenToWorld(
  o: ViewOrientation,
  camera: CameraState,
  viewport: Viewport,
  x: number,
  y: number,
): Vec3 {
  const s = mmPerPixel(camera, viewport);
  const dx = (x - viewport.width / 2) * s;
  const dy = (viewport.height / 2 - y) * s;
  return [0, 1, 2].map((n) => camera.focalPoint[n] + o.viewRight[n] * dx + o.viewUp[n] * dy) as Vec3;
}

/** Screen pixel of an LPS point projected along the view direction. */
export function worldToScreen(
  o: ViewOrientation,
  camera: CameraState,
  viewport: Viewport,
  p: Vec3,
): [number, number] {
  const s = mmPerPixel(camera, viewport);
  const d: Vec3 = [p[0] - camera.focalPoint[0], p[1] - camera.focalPoint[1], p[2] - camera.focalPoint[2]];
  return [viewport.width / 2 + dot(d, o.viewRight) / s, viewport.height / 2 - dot(d, o.viewUp) / s];
}
