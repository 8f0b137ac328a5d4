// What the contract answers about studies, series and files: the plain data a study's opening,
// streaming and saving return, apart from the requests that carry them.
import type { Axes3, Vec3, VoxelArray, VoxelType } from './volume';

/** What `causal-sam info --json` prints per series, plus the ids the app needs to refer to it. */
export interface SeriesInfo {
  path: string;
  modality: string;
  dims: Vec3;
  spacingMm: Vec3;
  originLps: Vec3;
  axesLps: Axes3;
  voxelType: VoxelType;
  warnings: string[];
}

export interface SeriesSummary extends SeriesInfo {
  /** Handle of the loaded series in this session. */
  seriesId: string;
  description: string;
  studyUid?: string;
  seriesUid?: string;
  patientName?: string;
  /** Files the series was read from (DICOM: one per slice or frame set). */
  fileCount: number;
  /** Smallest and largest voxel value: known before the voxels arrive (streaming, display range). */
  valueRange: [number, number];
  /**
   * True while the series is still being decoded on the main side: `valueRange` is then what its
   * headers allow (a superset of its values), and 'series.valueRange' answers the measured range.
   */
  valueRangeDeclared?: boolean;
}

/** Whole k-slices of an open series' voxels: the renderer streams a volume in these. */
export interface SliceChunk {
  seriesId: string;
  first: number;
  count: number;
  /** count × dims[0] × dims[1] voxels of the series' voxel type. */
  voxels: VoxelArray;
}

export interface OpenResult {
  series: SeriesSummary[];
  /** Files that could not be read, each with the reason; the rest of the study still opens. */
  errors: FileError[];
}

export interface FileError {
  file: string;
  message: string;
}

export interface RecentStudy {
  paths: string[];
  label: string;
  openedAt: string;
}

export interface DirectoryListing {
  path: string;
  parent: string | null;
  entries: { name: string; path: string; kind: 'directory' | 'file'; sizeBytes: number }[];
}

export interface AppInfo {
  version: string;
  shell: 'electron' | 'web';
  sampleStudy: { image: string; labels: string; notice: string };
  dataDir: string;
  /** Paths the shell was started with; the renderer opens them first. */
  startupPaths: string[];
}

export interface SavedFile {
  path: string;
  bytes: number;
}
