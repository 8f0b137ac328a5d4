// The volume report of a segmentation: per structure its voxel count, volume in mL and bounding box
// in mm (LPS, voxel centres), with the model that made it — as CSV and JSON.
import { labelExtent, voxelToLps, type Segmentation, type Vec3 } from '../../../shared/volume';
import { segmentVolumes } from '../../../shared/segmentVolumes';

export interface StructureVolume {
  value: number;
  name: string;
  voxels: number;
  volumeMl: number;
  /** LPS (mm) minimum and maximum over the structure's voxel centres. */
  bboxMinLps: Vec3 | null;
  bboxMaxLps: Vec3 | null;
}

export interface VolumeReport {
  model: { id: string; version: string } | null;
  spacingMm: Vec3;
  structures: StructureVolume[];
}

export function structureVolumes(segmentation: Segmentation): StructureVolume[] {
  return segmentVolumes(segmentation).map((volume, n) => {
    const segment = segmentation.segments[n];
    let bboxMinLps: Vec3 | null = null;
    let bboxMaxLps: Vec3 | null = null;
    const extent =
      volume.voxels > 0
        ? labelExtent(segmentation.layers[segment.layer], segment.value, segmentation.dims)
        : null;
    if (extent) {
      const { lo, hi } = extent;
      // The index box's eight corners bound the structure in LPS for any axes.
      const corners: Vec3[] = [];
      for (const i of [lo[0], hi[0]])
        for (const j of [lo[1], hi[1]])
          for (const k of [lo[2], hi[2]]) corners.push(voxelToLps(segmentation, [i, j, k]));
      bboxMinLps = [0, 1, 2].map((c) => Math.min(...corners.map((p) => p[c]))) as Vec3;
      bboxMaxLps = [0, 1, 2].map((c) => Math.max(...corners.map((p) => p[c]))) as Vec3;
    }
    return { ...volume, bboxMinLps, bboxMaxLps };
  });
}

const mm = (v: number) => +v.toFixed(2);

export function buildVolumeReport(
  segmentation: Segmentation,
  model: { id: string; version: string } | null,
): { report: VolumeReport; csv: string; json: string } {
  const structures = structureVolumes(segmentation).map((s) => ({
    ...s,
    volumeMl: +s.volumeMl.toFixed(3),
    bboxMinLps: s.bboxMinLps ? (s.bboxMinLps.map(mm) as Vec3) : null,
    bboxMaxLps: s.bboxMaxLps ? (s.bboxMaxLps.map(mm) as Vec3) : null,
  }));
  const report: VolumeReport = { model, spacingMm: [...segmentation.spacingMm], structures };
  const header =
    'label,name,voxels,volume_ml,bbox_min_l_mm,bbox_min_p_mm,bbox_min_s_mm,bbox_max_l_mm,bbox_max_p_mm,bbox_max_s_mm,model,model_version';
  const rows = structures.map((s) =>
    [
      s.value,
      s.name,
      s.voxels,
      s.volumeMl,
      ...(s.bboxMinLps ?? ['', '', '']),
      ...(s.bboxMaxLps ?? ['', '', '']),
      model?.id ?? '',
      model?.version ?? '',
    ]
      .map((v) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v)))
      .join(','),
  );
  return { report, csv: [header, ...rows].join('\n') + '\n', json: JSON.stringify(report, null, 1) + '\n' };
}
