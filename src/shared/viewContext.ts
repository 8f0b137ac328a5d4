// What the interpreter is told about the screen (ViewContext): which structures the segmentation
// holds, which axial slice the crosshair is on and which way is up. It resolves "these slices",
// "here", "above this slice" and "the kidney", so it is built from exactly what the user sees.
import { structureByName } from './anatomy';
import { axialAxis, superiorIsIncreasing, type ViewContext } from './intervention';
import type { Axes3, Vec3 } from './volume';

export interface ScreenState {
  dims: Vec3;
  axesLps: Axes3;
  /** The crosshair voxel (integer indices). */
  cursor: Vec3;
  /** Segments of the segmentation with their current voxel counts. */
  segments: readonly { name: string; voxels: number }[];
  /** Name of the segment selected in the segment panel, if any. */
  selected?: string | null;
  /**
   * False where no cursor was placed (the command line without --cursor): `cursor` then only
   * names the slice, and "here" has nothing to point at.
   */
  cursorPlaced?: boolean;
}

/** A segment's catalogue name ("Liver" → "liver"), or undefined for names the catalogue lacks. */
export function catalogueName(segmentName: string): string | undefined {
  return structureByName(segmentName)?.name;
}

export function buildViewContext(s: ScreenState): ViewContext {
  const axis = axialAxis(s.axesLps);
  // Empty segments are not "present": naming one would only give an intervention with nothing to move.
  const visible = new Set<string>();
  for (const seg of s.segments) {
    const name = seg.voxels > 0 ? catalogueName(seg.name) : undefined;
    if (name) visible.add(name);
  }
  const clamp = (v: number, n: number) => Math.min(s.dims[n] - 1, Math.max(0, Math.round(v)));
  const [i, j, k] = [clamp(s.cursor[0], 0), clamp(s.cursor[1], 1), clamp(s.cursor[2], 2)];
  const selected = s.selected ? catalogueName(s.selected) : undefined;
  return {
    visibleStructures: [...visible],
    currentSlice: [i, j, k][axis],
    sliceCount: s.dims[axis],
    superiorIsIncreasingK: superiorIsIncreasing(s.axesLps),
    ...(s.cursorPlaced === false ? {} : { cursor: { i, j, k } }),
    ...(selected && visible.has(selected) ? { selectedStructure: selected } : {}),
  };
}
