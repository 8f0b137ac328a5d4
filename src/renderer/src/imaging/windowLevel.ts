// Initial window/level for a volume: fixed presets where the modality has calibrated units (CT in
// HU), robust percentiles of the voxel values otherwise (MR and others have arbitrary scales).
import type { Volume, VoxelArray } from '../../../shared/volume';

export interface WindowLevel {
  window: number;
  level: number;
}

/** CT soft tissue: W400/L40 HU. */
export const CT_SOFT_TISSUE: WindowLevel = { window: 400, level: 40 };

/** At most this many voxels are sampled: enough for stable percentiles, cheap for 512³ volumes. */
const MAX_SAMPLES = 200_000;

/** An evenly strided sample of the voxel values, sorted ascending. */
export function sortedSample(voxels: VoxelArray, maxSamples = MAX_SAMPLES): Float64Array {
  const stride = Math.max(1, Math.floor(voxels.length / maxSamples));
  const sample = new Float64Array(Math.ceil(voxels.length / stride));
  for (let n = 0, s = 0; n < voxels.length; n += stride, s++) sample[s] = voxels[n];
  return sample.sort();
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(fraction * (sorted.length - 1))))];
}

/** The value range of a volume from its sample: used to scale window/level dragging. */
export function valueRange(sorted: Float64Array): [number, number] {
  return sorted.length ? [sorted[0], sorted[sorted.length - 1]] : [0, 1];
}

/** Window/level spanning the 1st to 99th percentile, so a few outliers do not wash out the image. */
export function percentileWindow(sorted: Float64Array, low = 0.01, high = 0.99): WindowLevel {
  const lo = percentile(sorted, low);
  const hi = percentile(sorted, high);
  const window = hi - lo;
  // A near-constant volume still gets a usable window rather than a division by zero in the shader.
  return window > 0 ? { window, level: (hi + lo) / 2 } : { window: 1, level: lo };
}

export function defaultWindowLevel(volume: Pick<Volume, 'modality'>, sorted: Float64Array): WindowLevel {
  return volume.modality.toUpperCase() === 'CT' ? { ...CT_SOFT_TISSUE } : percentileWindow(sorted);
}
