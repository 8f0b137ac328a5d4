// Named window/level presets, as radiologists know them (HU for CT). MR and other modalities have
// no calibrated units, so their only "preset" is the 1st–99th percentile of the volume itself.
import type { WindowLevel } from './windowLevel';

export type PresetId = 'soft-tissue' | 'liver' | 'lung' | 'bone' | 'brain' | 'auto';

export interface WindowPreset {
  id: PresetId;
  label: string;
  /** Keyboard shortcut (digit). */
  key: string;
  /** Fixed window/level in HU; absent for 'auto', which is computed from the data. */
  hu?: WindowLevel;
}

export const windowPresets: readonly WindowPreset[] = [
  { id: 'soft-tissue', label: 'Soft tissue', key: '1', hu: { window: 400, level: 40 } },
  { id: 'liver', label: 'Liver', key: '2', hu: { window: 150, level: 90 } },
  { id: 'lung', label: 'Lung', key: '3', hu: { window: 1500, level: -600 } },
  { id: 'bone', label: 'Bone', key: '4', hu: { window: 1800, level: 400 } },
  { id: 'brain', label: 'Brain', key: '5', hu: { window: 80, level: 40 } },
  { id: 'auto', label: 'Auto (percentiles)', key: '0' },
];

export const presetById = (id: PresetId) => windowPresets.find((p) => p.id === id)!;
