// One volume computation for everything that shows a structure's size: the volume report (CSV,
// JSON), the PACS report (PDF), the segment panel, and the command line. Counting is one dense
// histogram per layer, so a 512 × 512 × 400 study with 100 segments is read once per layer, not once
// per segment.
import type { Segmentation, Vec3 } from './volume';

/** Voxels per label value in one layer (value 0, background, included). */
export function countLabels(layer: Uint8Array | Uint16Array): Map<number, number> {
  // A dense histogram is ~30× faster than a Map update per voxel on a 512×512×400 layer.
  const histogram = new Uint32Array(layer instanceof Uint8Array ? 256 : 65536);
  for (let n = 0; n < layer.length; n++) histogram[layer[n]]++;
  const out = new Map<number, number>();
  histogram.forEach((count, value) => {
    if (count) out.set(value, count);
  });
  return out;
}

/** Millilitres of `count` voxels of the given spacing (1 mL = 1000 mm³). */
export const volumeMl = (count: number, spacingMm: Vec3): number =>
  (count * spacingMm[0] * spacingMm[1] * spacingMm[2]) / 1000;

/** Voxels per segment value over all layers (values are unique across layers; 0 left out). */
export function segmentVoxelCounts(segmentation: Pick<Segmentation, 'layers'>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const layer of segmentation.layers)
    for (const [value, n] of countLabels(layer)) if (value) counts.set(value, n);
  return counts;
}

export interface SegmentVolume {
  value: number;
  name: string;
  voxels: number;
  volumeMl: number;
}

/** Each segment's voxel count and volume, in the segmentation's order (empty segments included). */
export function segmentVolumes(segmentation: Segmentation): SegmentVolume[] {
  const perLayer = segmentation.layers.map(countLabels);
  return segmentation.segments.map((segment) => {
    const voxels = perLayer[segment.layer]?.get(segment.value) ?? 0;
    return {
      value: segment.value,
      name: segment.name,
      voxels,
      volumeMl: volumeMl(voxels, segmentation.spacingMm),
    };
  });
}
