// DICOM Segmentation Storage writer: a Segmentation on the grid of a DICOM series → a binary SEG
// (PS3.3 A.51) that references that series. Built as a dcmjs naturalized dataset and written as an
// Explicit VR Little Endian Part 10 file.
import { createRequire } from 'node:module';
import { sameGrid, voxelCount, voxelToLps, type Segmentation, type Vec3 } from '../../../../shared/volume';
import type { LoadedSeries } from '../types';
import { derivedPatientStudy } from './attributeSets';
import {
  ALGORITHM_FAMILY_AI,
  DERIVATION_SEGMENTATION,
  PURPOSE_SOURCE_IMAGE,
  segmentCodes,
  type CodedConcept,
} from './segCodes';
import { srgbToDicomLab } from './cielab';
import { ExplicitLittleEndianWriter, type NameMap } from './segWriterEncoding';
import { newUid } from './uid';
import { DicomSegWriteError, decimalString, dicomDateTime, lo } from './segValues';

export { DicomSegWriteError, decimalString } from './segValues';

interface DcmjsWriteApi {
  data: {
    DicomDict: new (meta: Record<string, unknown>) => {
      dict: Record<string, unknown>;
      write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer;
    };
    DicomMetaDictionary: {
      denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
      nameMap: NameMap;
    };
  };
}
// dcmjs ships no type declarations. Loaded through createRequire, as the DICOM loader does (vendor.ts),
// so both share one dcmjs instance and no ambient `declare module` is needed.
const requireCjs = createRequire(import.meta.url);
let dcmjsApi: DcmjsWriteApi | undefined;
function dcmjs(): DcmjsWriteApi {
  dcmjsApi ??= requireCjs('dcmjs') as DcmjsWriteApi;
  return dcmjsApi;
}

// The colour conversion's home is cielab.ts; re-exported for the writer's callers.
export { dicomLabToSrgb, srgbToDicomLab } from './cielab';
export { segmentCodes, type CodedConcept } from './segCodes';

export const SEGMENTATION_STORAGE_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.66.4';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Identifies this writer in the file meta header; fixed once (a 2.25 UID) so that it never changes. */
const IMPLEMENTATION_CLASS_UID = '2.25.97816112138227571444693885263394600514';
const MANUFACTURER = 'Causal-SAM Workstation';
/** Mirrors package.json; the writer cannot read it at run time in every shell, so callers may override. */
const DEFAULT_SOFTWARE_VERSION = '0.1.0';
/** The SEG gets its own series; a high number keeps it after the acquired series in viewers' lists. */
const SEG_SERIES_NUMBER = 1000;

// Attribute tags used as values of AT elements (Dimension Index Pointer, Functional Group Pointer).
const TAG_REFERENCED_SEGMENT_NUMBER = 0x0062000b;
const TAG_SEGMENT_IDENTIFICATION_SEQUENCE = 0x0062000a;
const TAG_IMAGE_POSITION_PATIENT = 0x00200032;
const TAG_PLANE_POSITION_SEQUENCE = 0x00209113;

export type SegAlgorithmType = 'AUTOMATIC' | 'SEMIAUTOMATIC' | 'MANUAL';

export interface SegAlgorithm {
  name: string;
  version: string;
  type: SegAlgorithmType;
  /**
   * Per segment (by label value), where segments were made differently: a model's untouched
   * segment stays AUTOMATIC when a person edited another one. Segments not listed take `type`.
   */
  segments?: { value: number; type: SegAlgorithmType }[];
}

export interface WriteDicomSegOptions {
  /** SeriesDescription and ContentDescription; "Segmentation" when not given. */
  seriesDescription?: string;
  /** How the segments were made; MANUAL (no algorithm) when not given. */
  algorithm?: SegAlgorithm;
  /** ContentCreatorName (a person name, DICOM "Family^Given" form); empty when not given. */
  contentCreator?: string;
  /** Creation time of the instance (series, content and instance dates); the current time when not given. */
  now?: Date;
  /** SoftwareVersions of the workstation. */
  softwareVersion?: string;
}

/**
 * Why the source's instances cannot be referenced one by one (anonymised files: UIDs blank, one
 * UID in every file, or no series UID they share), or undefined when they can.
 */
function unreferenceableSource(identity: NonNullable<LoadedSeries['dicom']>): string | undefined {
  if (identity.groupedWithoutSeriesUid || !identity.seriesInstanceUid)
    return 'have no SeriesInstanceUID in common (they were grouped by what else they share)';
  if (identity.slices.some((s) => !s.sopInstanceUid)) return 'have blank SOPInstanceUIDs';
  const keys = identity.slices.map((s) => `${s.sopInstanceUid}|${s.frameNumber ?? 1}`);
  if (new Set(keys).size !== keys.length) return 'share SOPInstanceUIDs between different images';
  return undefined;
}

interface SegmentPlan {
  number: number;
  /** The segment's label value in the segmentation. */
  value: number;
  /** Slice indices k (ascending) where the segment has voxels: one frame each. */
  slices: number[];
  label: string;
  category: CodedConcept;
  type: CodedConcept;
  colorRgb: Vec3;
}

/**
 * Writes `segmentation` as a binary DICOM SEG that references `source`, whose grid it must share.
 * Every segment with voxels becomes one SegmentSequence item; each of its non-empty slices becomes one
 * 1-bit frame. Segments from different layers may overlap. Throws DicomSegWriteError when the source is
 * not a DICOM series, the grids differ, or nothing is segmented.
 */
export function writeDicomSeg(
  segmentation: Segmentation,
  source: LoadedSeries,
  options: WriteDicomSegOptions = {},
): Uint8Array {
  const identity = source.dicom;
  if (!identity) {
    throw new DicomSegWriteError(
      `DICOM SEG needs a DICOM source series; "${source.description}" is not one (${source.path}): save as NIfTI instead`,
    );
  }
  if (!sameGrid(segmentation, source.volume)) {
    throw new DicomSegWriteError(
      `the segmentation's grid (${segmentation.dims.join('×')}) does not match the grid of the source series ` +
        `"${source.description}" (${source.volume.dims.join('×')}); a DICOM SEG must lie on its source's slices`,
    );
  }
  const [columns, rows, sliceCount] = source.volume.dims;
  if (identity.slices.length !== sliceCount) {
    throw new DicomSegWriteError(
      `the source series has ${identity.slices.length} DICOM slices for ${sliceCount} volume slices`,
    );
  }
  const unreferenceable = unreferenceableSource(identity);
  if (unreferenceable) {
    throw new DicomSegWriteError(
      `the source files ${unreferenceable}, so a DICOM SEG could not say which images it segments; save as NIfTI instead`,
    );
  }
  if (!identity.frameOfReferenceUid) {
    throw new DicomSegWriteError(
      'the source series has no Frame of Reference UID, so a DICOM SEG cannot be placed on it; save as NIfTI instead',
    );
  }
  const sliceSize = columns * rows;
  const total = voxelCount(source.volume.dims);
  for (const [n, layer] of segmentation.layers.entries()) {
    if (layer.length !== total) {
      throw new DicomSegWriteError(`segmentation layer ${n} has ${layer.length} voxels, the grid ${total}`);
    }
  }

  // Plan: which segments have voxels, and on which slices (empty frames are not written). One pass
  // per layer, whatever the number of segments in it (TotalSegmentator gives ~100 labels per layer).
  const candidates = segmentation.segments.map((segment) => {
    const layer = segmentation.layers[segment.layer];
    if (!layer) {
      throw new DicomSegWriteError(
        `segment "${segment.name}" refers to layer ${segment.layer}, which does not exist`,
      );
    }
    return { segment, present: new Uint8Array(sliceCount) };
  });
  const lookups = new Map<number, Int32Array>();
  candidates.forEach(({ segment }, n) => {
    // Value 0 is background in every layer: a segment with that value has no voxels.
    if (segment.value <= 0 || !Number.isInteger(segment.value)) return;
    let lookup = lookups.get(segment.layer);
    if (!lookup) {
      lookup = new Int32Array(segmentation.layers[segment.layer] instanceof Uint8Array ? 256 : 65536).fill(
        -1,
      );
      lookups.set(segment.layer, lookup);
    }
    if (segment.value >= lookup.length) return;
    if (lookup[segment.value] >= 0) {
      const other = candidates[lookup[segment.value]].segment;
      throw new DicomSegWriteError(
        `segments "${other.name}" and "${segment.name}" are both value ${segment.value} of layer ${segment.layer}`,
      );
    }
    lookup[segment.value] = n;
  });
  for (const [layerIndex, lookup] of lookups) {
    const layer = segmentation.layers[layerIndex];
    for (let k = 0, p = 0; k < sliceCount; k++) {
      for (const end = p + sliceSize; p < end; p++) {
        const value = layer[p];
        if (value !== 0 && lookup[value] >= 0) candidates[lookup[value]].present[k] = 1;
      }
    }
  }
  const plans: SegmentPlan[] = [];
  /** Per candidate segment and slice: the frame index, or -1 where the slice is empty for it. */
  const frameOf = candidates.map(() => new Int32Array(sliceCount).fill(-1));
  let frameCount = 0;
  candidates.forEach(({ segment, present }, n) => {
    const slices: number[] = [];
    for (let k = 0; k < sliceCount; k++) {
      if (!present[k]) continue;
      slices.push(k);
      frameOf[n][k] = frameCount++;
    }
    if (slices.length === 0) return;
    plans.push({
      number: plans.length + 1,
      value: segment.value,
      slices,
      ...segmentCodes(segment.name),
      colorRgb: segment.colorRgb,
    });
  });
  if (plans.length === 0) {
    throw new DicomSegWriteError(
      'the segmentation is empty: a DICOM SEG needs at least one segment with voxels',
    );
  }

  // Pixel data: frames in segment order, then slice order; 1 bit per pixel, packed continuously across
  // frame boundaries (PS3.5 8.1.1 / PS3.3 C.8.20.2: a frame need not start on a byte), pixel n of the
  // whole stream in bit (n mod 8) of byte ⌊n/8⌋, padded with zeros to an even length.
  const pixelBytes = new Uint8Array(Math.ceil((frameCount * sliceSize) / 8 / 2) * 2);
  // Only segments in different layers can overlap; `covered` is needed only when there are several.
  const covered = lookups.size > 1 ? new Uint8Array(total) : undefined;
  let overlap = false;
  for (const [layerIndex, lookup] of lookups) {
    const layer = segmentation.layers[layerIndex];
    for (let k = 0, voxel = 0; k < sliceCount; k++) {
      for (let p = 0; p < sliceSize; p++, voxel++) {
        const value = layer[voxel];
        if (value === 0) continue;
        const candidate = lookup[value];
        if (candidate < 0) continue;
        const bit = frameOf[candidate][k] * sliceSize + p;
        pixelBytes[bit >>> 3] |= 1 << (bit & 7);
        if (covered) {
          if (covered[voxel]) overlap = true;
          covered[voxel] = 1;
        }
      }
    }
  }

  const geometry = source.volume;
  const [rowAxis, columnAxis] = geometry.axesLps;
  const sopInstanceUid = newUid();
  const seriesInstanceUid = newUid();
  const dimensionOrganizationUid = newUid();
  const created = dicomDateTime(options.now ?? new Date());
  const description = lo(options.seriesDescription ?? 'Segmentation');
  const algorithm = options.algorithm;
  const typeOf = (value: number): SegAlgorithmType =>
    algorithm?.segments?.find((s) => s.value === value)?.type ?? algorithm?.type ?? 'MANUAL';

  const sourceImageItem = (k: number): Record<string, unknown> => {
    const slice = identity.slices[k];
    return {
      ReferencedSOPClassUID: slice.sopClassUid,
      ReferencedSOPInstanceUID: slice.sopInstanceUid,
      ...(slice.frameNumber !== undefined ? { ReferencedFrameNumber: slice.frameNumber } : {}),
      PurposeOfReferenceCodeSequence: [PURPOSE_SOURCE_IMAGE],
    };
  };

  const perFrame: Record<string, unknown>[] = [];
  for (const plan of plans) {
    for (const k of plan.slices) {
      perFrame.push({
        DerivationImageSequence: [
          { DerivationCodeSequence: [DERIVATION_SEGMENTATION], SourceImageSequence: [sourceImageItem(k)] },
        ],
        // Dimension values: the segment, then the slice's position as its 1-based index in the source
        // series (the same ordinal for the same ImagePositionPatient in every segment).
        FrameContentSequence: [{ DimensionIndexValues: [plan.number, k + 1] }],
        PlanePositionSequence: [
          {
            ImagePositionPatient: (identity.slices[k].positionLps ?? voxelToLps(geometry, [0, 0, k])).map(
              decimalString,
            ),
          },
        ],
        SegmentIdentificationSequence: [{ ReferencedSegmentNumber: plan.number }],
      });
    }
  }

  // Every source instance once, in slice order (a multi-frame source appears once for all its frames).
  const referencedInstances = new Map<string, string>();
  for (const slice of identity.slices) referencedInstances.set(slice.sopInstanceUid, slice.sopClassUid);

  const patientStudy = derivedPatientStudy(identity.patientStudy, decimalString);

  const dataset: Record<string, unknown> = {
    // dcmjs writes strings as UTF-8, whatever the source's character set was.
    SpecificCharacterSet: 'ISO_IR 192',
    ImageType: ['DERIVED', 'PRIMARY'],
    InstanceCreationDate: created.date,
    InstanceCreationTime: created.time,
    SOPClassUID: SEGMENTATION_STORAGE_SOP_CLASS_UID,
    SOPInstanceUID: sopInstanceUid,
    ...patientStudy,
    StudyInstanceUID: identity.studyInstanceUid,
    // Segmentation Series and General Series
    Modality: 'SEG',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: SEG_SERIES_NUMBER,
    SeriesDate: created.date,
    SeriesTime: created.time,
    SeriesDescription: description,
    // Frame of Reference: the source's, so that the SEG lies on it
    FrameOfReferenceUID: identity.frameOfReferenceUid,
    PositionReferenceIndicator: '',
    // General and Enhanced General Equipment: the workstation, not the scanner
    Manufacturer: MANUFACTURER,
    ManufacturerModelName: MANUFACTURER,
    DeviceSerialNumber: 'UNSPECIFIED',
    SoftwareVersions: options.softwareVersion ?? DEFAULT_SOFTWARE_VERSION,
    // General Image, Content Identification, Multi-frame Functional Groups
    InstanceNumber: 1,
    ContentDate: created.date,
    ContentTime: created.time,
    ContentLabel: 'SEGMENTATION',
    ContentDescription: description,
    ContentCreatorName: options.contentCreator ?? '',
    // Image Pixel and Segmentation Image
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    NumberOfFrames: frameCount,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    SegmentsOverlap: overlap ? 'YES' : 'NO',
    SegmentSequence: plans.map((plan) => ({
      SegmentNumber: plan.number,
      SegmentLabel: lo(plan.label),
      SegmentedPropertyCategoryCodeSequence: [plan.category],
      SegmentedPropertyTypeCodeSequence: [plan.type],
      SegmentAlgorithmType: typeOf(plan.value),
      ...(algorithm && typeOf(plan.value) !== 'MANUAL'
        ? {
            SegmentAlgorithmName: lo(algorithm.name),
            SegmentationAlgorithmIdentificationSequence: [
              {
                AlgorithmFamilyCodeSequence: [ALGORITHM_FAMILY_AI],
                AlgorithmName: lo(algorithm.name),
                AlgorithmVersion: lo(algorithm.version),
              },
            ],
          }
        : {}),
      RecommendedDisplayCIELabValue: srgbToDicomLab(plan.colorRgb),
    })),
    // Multi-frame Dimension: frames are indexed by segment, then by position (as dcmqi and highdicom do)
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: TAG_REFERENCED_SEGMENT_NUMBER,
        FunctionalGroupPointer: TAG_SEGMENT_IDENTIFICATION_SEQUENCE,
        DimensionDescriptionLabel: 'Segment Number',
      },
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: TAG_IMAGE_POSITION_PATIENT,
        FunctionalGroupPointer: TAG_PLANE_POSITION_SEQUENCE,
        DimensionDescriptionLabel: 'Image Position Patient',
      },
    ],
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [
          { ImageOrientationPatient: [...rowAxis, ...columnAxis].map(decimalString) },
        ],
        PixelMeasuresSequence: [
          {
            // PixelSpacing is "between rows \ between columns": along j, then along i.
            PixelSpacing: [geometry.spacingMm[1], geometry.spacingMm[0]].map(decimalString),
            SliceThickness: decimalString(geometry.spacingMm[2]),
            SpacingBetweenSlices: decimalString(geometry.spacingMm[2]),
          },
        ],
      },
    ],
    // Common Instance Reference: every instance of the source series
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: identity.seriesInstanceUid,
        ReferencedInstanceSequence: [...referencedInstances].map(([sopInstanceUid, sopClassUid]) => ({
          ReferencedSOPClassUID: sopClassUid,
          ReferencedSOPInstanceUID: sopInstanceUid,
        })),
      },
    ],
  };

  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEGMENTATION_STORAGE_SOP_CLASS_UID,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'CAUSALSAM_0_1',
  };
  const { DicomDict, DicomMetaDictionary } = dcmjs().data;
  const dicomDict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dicomDict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  // dcmjs writes the meta header and every element but the two bulky ones, which have the two highest
  // tags, (5200,9230) and (7FE0,0010): appended after dcmjs's output they keep the data set in tag order.
  if (Object.keys(dicomDict.dict).some((tag) => tag.toUpperCase() >= '52009230')) {
    throw new Error('SEG data set has an element after the per-frame functional groups');
  }
  const head = new Uint8Array(dicomDict.write());
  const tail = new ExplicitLittleEndianWriter(DicomMetaDictionary.nameMap);
  tail.dataset({ PerFrameFunctionalGroupsSequence: perFrame });
  // 1-bit pixel data is OB in Explicit VR (PS3.5 8.1.1).
  tail.element(0x7fe0, 0x0010, 'OB', pixelBytes, 'PixelData');
  return tail.concat(head);
}
