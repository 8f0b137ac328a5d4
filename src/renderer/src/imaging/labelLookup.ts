// Colour and opacity lookup for a label layer, as point lists for vtk transfer functions. Each label
// value gets a flat step one unit wide centred on it, so texture sampling between nodes can never
// blend one label's colour into its neighbour's.
import type { SegmentInfo, Vec3 } from '../../../shared/volume';

export interface SegmentDisplay {
  visible: boolean;
  /** 0–1, multiplied by the overlay's global opacity. */
  opacity: number;
}

export interface LabelLookup {
  /** [value, r, g, b] with r, g, b in 0–1. */
  colors: [number, number, number, number][];
  /** [value, opacity]. */
  opacities: [number, number][];
  /** Highest value covered: the tables span [0, maxValue + 0.5]. */
  maxValue: number;
}

export function labelLookup(
  segments: readonly SegmentInfo[],
  layer: number,
  display: (value: number) => SegmentDisplay,
  globalOpacity: number,
): LabelLookup {
  const mine = segments.filter((s) => s.layer === layer).sort((a, b) => a.value - b.value);
  const maxValue = Math.max(1, ...mine.map((s) => s.value));
  const colors: LabelLookup['colors'] = [[0, 0, 0, 0]];
  const opacities: LabelLookup['opacities'] = [[0, 0]];
  const half = 0.49;
  for (const s of mine) {
    const d = display(s.value);
    const rgb = s.colorRgb.map((c) => c / 255) as Vec3;
    const alpha = d.visible ? Math.max(0, Math.min(1, d.opacity * globalOpacity)) : 0;
    colors.push([s.value - half, ...rgb], [s.value + half, ...rgb]);
    opacities.push([s.value - half, alpha], [s.value + half, alpha]);
  }
  colors.push([maxValue + 0.5, 0, 0, 0]);
  opacities.push([maxValue + 0.5, 0]);
  return { colors, opacities, maxValue };
}
