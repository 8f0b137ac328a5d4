// Prompts in the study's voxel indices → the decoder's point_coords / point_labels, as the manifest
// says: (x, y) = (column, row) pixels of the S × S input; labels −1 pad, 0 negative, 1 positive,
// 2 box top-left, 3 box bottom-right.
import type { SliceFrame } from './preprocess';
import { voxelToPixel } from './preprocess';

/** In-plane voxel indices of the study on a slice: `a` along the lower in-plane volume axis, `b` the other. */
export interface PlanePoint {
  a: number;
  b: number;
}

export interface BoxPrompt {
  kind: 'box';
  /** Two opposite corners (voxel indices, inclusive). */
  from: PlanePoint;
  to: PlanePoint;
}

export interface PointsPrompt {
  kind: 'points';
  points: (PlanePoint & { positive: boolean })[];
}

export type Prompt = BoxPrompt | PointsPrompt;

export interface EncodedPrompt {
  coords: Float32Array;
  labels: Float32Array;
  count: number;
}

export const POINT_LABEL = { pad: -1, negative: 0, positive: 1, boxTopLeft: 2, boxBottomRight: 3 } as const;

/** The two in-plane volume axes of a frame in ascending order: `a` is the first, `b` the second. */
function planeAxes(frame: SliceFrame): [number, number] {
  return [frame.col.axis, frame.row.axis].sort((p, q) => p - q) as [number, number];
}

/** Model (x, y) of a study voxel on the slice. */
export function toModelXY(frame: SliceFrame, p: PlanePoint): [number, number] {
  const [first] = planeAxes(frame);
  const colIndex = frame.col.axis === first ? p.a : p.b;
  const rowIndex = frame.row.axis === first ? p.a : p.b;
  return [voxelToPixel(frame.col, colIndex), voxelToPixel(frame.row, rowIndex)];
}

export function encodePrompt(frame: SliceFrame, prompt: Prompt): EncodedPrompt {
  if (prompt.kind === 'box') {
    const [x0, y0] = toModelXY(frame, prompt.from);
    const [x1, y1] = toModelXY(frame, prompt.to);
    // Flips can swap the corners: top-left is the smaller x and y in model pixels.
    return boxInModel(Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1));
  }
  if (prompt.points.length === 0) throw new RangeError('a points prompt needs at least one point');
  const coords = new Float32Array(prompt.points.length * 2);
  const labels = new Float32Array(prompt.points.length);
  prompt.points.forEach((p, n) => {
    const [x, y] = toModelXY(frame, p);
    coords[2 * n] = x;
    coords[2 * n + 1] = y;
    labels[n] = p.positive ? POINT_LABEL.positive : POINT_LABEL.negative;
  });
  return { coords, labels, count: prompt.points.length };
}

export function boxInModel(x0: number, y0: number, x1: number, y1: number): EncodedPrompt {
  return {
    coords: Float32Array.of(x0, y0, x1, y1),
    labels: Float32Array.of(POINT_LABEL.boxTopLeft, POINT_LABEL.boxBottomRight),
    count: 2,
  };
}

/** Tight box (model pixels) around mask pixels > 0, or null for an empty mask. */
export function maskBox(
  mask: Uint8Array,
  size: number,
): { x0: number; y0: number; x1: number; y1: number; area: number } | null {
  let x0 = size;
  let y0 = size;
  let x1 = -1;
  let y1 = -1;
  let area = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!mask[y * size + x]) continue;
      area++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return area === 0 ? null : { x0, y0, x1, y1, area };
}
