// Synthetic studies for the intervention tests: a label layer on an axis-aligned grid at the origin.
import type { Segmentation, Vec3 } from '../../../src/shared/volume';

const COLOURS: Record<string, [number, number, number]> = {
  liver: [221, 130, 101],
  stomach: [255, 200, 0],
  pancreas: [243, 231, 145],
};

/** A one-layer segmentation of `labels` with the named structures (name → label value). */
export function axisAlignedStudy(
  dims: Vec3,
  spacingMm: Vec3,
  labels: Uint8Array,
  structures: Record<string, number>,
): Segmentation {
  return {
    dims,
    spacingMm,
    originLps: [0, 0, 0],
    axesLps: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    layers: [labels],
    segments: Object.entries(structures).map(([name, value]) => ({
      value,
      layer: 0,
      name,
      colorRgb: COLOURS[name] ?? [128, 128, 128],
    })),
  };
}
