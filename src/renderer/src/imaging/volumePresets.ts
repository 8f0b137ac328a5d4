// Transfer functions for volume rendering, as point lists (values in the image's units). CT presets
// are in HU, after 3D Slicer's "CT-Bone" and a softened "CT-Soft-Tissue"; MR has no calibrated
// units, so its ramp spans the volume's own percentiles.
export type VolumePresetId = 'ct-bone' | 'ct-soft-tissue' | 'mr';

export interface VolumeTransfer {
  /** [value, r, g, b], colours 0–1. */
  colors: [number, number, number, number][];
  /** [value, opacity]. */
  opacities: [number, number][];
}

export const volumePresets: { id: VolumePresetId; label: string }[] = [
  { id: 'ct-bone', label: 'CT bone' },
  { id: 'ct-soft-tissue', label: 'CT soft tissue' },
  { id: 'mr', label: 'MR' },
];

/** `low`/`high`: the 1st and 99th percentiles, used by the MR preset only. */
export function volumeTransfer(id: VolumePresetId, low: number, high: number): VolumeTransfer {
  if (id === 'ct-bone') {
    return {
      colors: [
        [-3024, 0, 0, 0],
        [-16, 0.73, 0.25, 0.3],
        [641, 0.91, 0.82, 0.55],
        [3071, 1, 1, 1],
      ],
      opacities: [
        [-3024, 0],
        [-16, 0],
        [641, 0.72],
        [3071, 0.71],
      ],
    };
  }
  if (id === 'ct-soft-tissue') {
    return {
      colors: [
        [-1000, 0, 0, 0],
        [-160, 0.55, 0.25, 0.15],
        [40, 0.88, 0.6, 0.45],
        [240, 1, 0.94, 0.9],
        [3071, 1, 1, 1],
      ],
      opacities: [
        [-1000, 0],
        [-160, 0],
        [40, 0.12],
        [240, 0.35],
        [3071, 0.6],
      ],
    };
  }
  const span = high > low ? high - low : 1;
  return {
    colors: [
      [low, 0, 0, 0],
      [low + 0.3 * span, 0.6, 0.45, 0.4],
      [high, 1, 1, 1],
    ],
    opacities: [
      [low, 0],
      [low + 0.25 * span, 0],
      [high, 0.6],
    ],
  };
}

export const defaultVolumePreset = (modality: string): VolumePresetId =>
  modality.toUpperCase() === 'CT' ? 'ct-soft-tissue' : 'mr';
