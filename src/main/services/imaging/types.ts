import type { Segmentation, Vec3, Volume, VoxelArray } from '../../../shared/volume';
import type { StreamingSeries } from './streamingSeries';

/** A file's path (for messages) and its bytes; readers never touch the disk themselves. */
export interface InputFile {
  path: string;
  bytes: Uint8Array;
  /**
   * Where only the start of a large file was read (a DICOM file: its header, not its pixels): `bytes`
   * is that start, `size` the file's, and `read` fetches any other range of it.
   */
  unread?: { size: number; read(offset: number, length: number): Promise<Uint8Array> };
}

/** DICOM identity of a loaded series: what a SEG needs to reference it and to copy patient/study data. */
export interface DicomSeriesIdentity {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid?: string;
  /** One entry per slice k of the volume (for multi-frame: the same SOP instance with its frame number). */
  slices: {
    sopClassUid: string;
    sopInstanceUid: string;
    frameNumber?: number;
    /** ImagePositionPatient as acquired: differs from the grid where slice spacing is uneven. */
    positionLps?: Vec3;
  }[];
  /** Patient, study and clinical-trial attributes copied into derived objects (dcmjs naturalized names). */
  patientStudy: Record<string, unknown>;
  /** True when the files had no SeriesInstanceUID in common and were grouped by what else they share. */
  groupedWithoutSeriesUid?: boolean;
}

export interface LoadedSeries {
  volume: Volume;
  /** Human-readable: series description, file name or protocol. */
  description: string;
  /** Where it came from: the file, or the folder of a DICOM series. */
  path: string;
  files: string[];
  warnings: string[];
  dicom?: DicomSeriesIdentity;
  /** Smallest and largest voxel value, where the loader measured it. */
  valueRange?: [number, number];
  /** In the app, while its slices are still being decoded (the load worker streams DICOM series). */
  stream?: StreamingSeries;
}

export interface LoadResult {
  series: LoadedSeries[];
  /** Files that failed; their problems never stop the rest from loading. */
  errors: { file: string; message: string }[];
  /** DICOM SEG objects found among the inputs, not yet placed on a series. */
  segmentations: LoadedSegmentationSource[];
}

/** A segmentation as read from a file, before it is placed on the grid of an image. */
export interface LoadedSegmentationSource {
  path: string;
  segmentation: Segmentation;
  /** For DICOM SEG: the series it references. */
  referencedSeriesInstanceUid?: string;
}

/** How a series announced before all its slices are in (see StreamingSeries) fills in behind. */
export interface SeriesStreamListener {
  /** The k-slice the reader looks at: the next slices read or decoded are the nearest to it. */
  focus(): number;
  /** Slice k is written. */
  slice(k: number): void;
  /**
   * A later slice needs a wider type than the slices before it (int16 → int32 → float32): the volume
   * now lies in `voxels`, a converted copy; the previous array is no longer written.
   */
  widened(voxels: VoxelArray): void;
  /** The series cannot be completed (a frame failed, or the load was cancelled). */
  failed(error: unknown): void;
}
