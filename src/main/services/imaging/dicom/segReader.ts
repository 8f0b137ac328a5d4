// A DICOM Segmentation instance → segment definitions and one binary mask per frame, with what each frame
// says about where it belongs (plane position, source image).
import { fallbackColor, structureByName, structures } from '../../../../shared/anatomy';
import type { SegmentInfo, Vec3 } from '../../../../shared/volume';
import { BadInputError } from '../errors';
import { firstItem, items, numberOf, numbersOf, stringOf } from './attributes';
import { dicomLabToSrgb } from './cielab';
import { framesOf, functionalGroup, type FrameInfo } from './frameInfo';
import type { FrameSource } from './frameSource';
import type { ParsedInstance } from './parse';

export interface SegFrame {
  segmentNumber: number;
  /** 0/1 per pixel, row by row. */
  mask: Uint8Array;
  positionLps?: Vec3;
  referencedSopInstanceUid?: string;
  referencedFrameNumber?: number;
}

export interface SegDefinition {
  path: string;
  rows: number;
  columns: number;
  /** Segments in SegmentSequence order; `value` is the SegmentNumber, `layer` not yet assigned. */
  segments: SegmentInfo[];
  frames: SegFrame[];
  orientation?: number[];
  pixelSpacing?: number[];
  sliceThickness?: number;
  spacingBetweenSlices?: number;
  referencedSeriesInstanceUid?: string;
  frameOfReferenceUid?: string;
}

export async function readSegmentation(
  instance: ParsedInstance,
  source: FrameSource,
): Promise<SegDefinition> {
  const ds = instance.dataset;
  const { path } = instance;
  const layout = source.layout(instance);
  const type = stringOf(ds.SegmentationType) ?? 'BINARY';
  if (type !== 'BINARY' && type !== 'FRACTIONAL') {
    throw new BadInputError(path, `is a DICOM SEG of type ${type}, which this loader does not read`);
  }
  // A fractional voxel belongs to the segment when it is at least half of the maximum.
  const threshold = type === 'FRACTIONAL' ? (numberOf(ds.MaximumFractionalValue) ?? 255) / 2 : 0.5;

  const segments = items(ds.SegmentSequence).map(segmentInfo);
  if (segments.length === 0)
    throw new BadInputError(path, 'is a DICOM SEG without segments (empty SegmentSequence)');
  const known = new Set(segments.map((s) => s.value));

  const frameInfos: FrameInfo[] = framesOf(instance);
  const frames: SegFrame[] = [];
  for (const info of frameInfos) {
    const segmentNumber = numberOf(
      functionalGroup(ds, info.frameIndex, 'SegmentIdentificationSequence')?.ReferencedSegmentNumber,
    );
    if (segmentNumber === undefined || !known.has(segmentNumber)) {
      throw new BadInputError(
        path,
        `frame ${info.frameIndex + 1} refers to segment ${segmentNumber ?? '(none)'}, which is not defined`,
      );
    }
    let samples;
    try {
      samples = await source.frameSamples(info);
    } catch (error) {
      throw new BadInputError(
        path,
        error instanceof Error ? error.message.replace(`${path}: `, '') : String(error),
      );
    }
    const mask = new Uint8Array(layout.rows * layout.columns);
    for (let n = 0; n < mask.length; n++) mask[n] = samples.bytes[n] >= threshold ? 1 : 0;
    const sourceImage = firstItem(
      firstItem(functionalGroup(ds, info.frameIndex, 'DerivationImageSequence'))?.SourceImageSequence,
    );
    frames.push({
      segmentNumber,
      mask,
      positionLps: info.positionLps,
      referencedSopInstanceUid: stringOf(sourceImage?.ReferencedSOPInstanceUID),
      referencedFrameNumber: numberOf(sourceImage?.ReferencedFrameNumber),
    });
  }
  source.release(instance);
  const first = frameInfos[0];
  return {
    path,
    rows: layout.rows,
    columns: layout.columns,
    segments,
    frames,
    orientation: first?.orientation,
    pixelSpacing: first?.pixelSpacing,
    sliceThickness: first?.sliceThickness,
    spacingBetweenSlices: first?.spacingBetweenSlices,
    referencedSeriesInstanceUid: stringOf(firstItem(ds.ReferencedSeriesSequence)?.SeriesInstanceUID),
    frameOfReferenceUid: stringOf(ds.FrameOfReferenceUID),
  };
}

function segmentInfo(item: Record<string, unknown>): SegmentInfo {
  const value = numberOf(item.SegmentNumber) ?? 0;
  const label = stringOf(item.SegmentLabel);
  const property = firstItem(item.SegmentedPropertyTypeCodeSequence);
  const meaning = stringOf(property?.CodeMeaning);
  const code = stringOf(property?.CodeValue);
  const scheme = stringOf(property?.CodingSchemeDesignator);
  const structure =
    (label ? structureByName(label) : undefined) ??
    (meaning ? structureByName(meaning) : undefined) ??
    (code && (scheme === 'SCT' || scheme === 'SRT')
      ? structures.find((s) => s.snomed?.code === code)
      : undefined);
  const lab = numbersOf(item.RecommendedDisplayCIELabValue, 3);
  return {
    value,
    layer: 0,
    name: structure?.name ?? label ?? meaning ?? `segment ${value}`,
    colorRgb: lab ? dicomLabToSrgb(lab) : (structure?.colorRgb ?? fallbackColor(value)),
  };
}
