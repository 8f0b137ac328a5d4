// One entry per image frame of an instance, with the geometry and rescale that apply to it, read from the
// classic attributes or from the enhanced multi-frame functional groups (PS3.3 C.7.6.16).
import type { Vec3 } from '../../../../shared/volume';
import { firstItem, items, numberOf, numbersOf, stringOf } from './attributes';
import type { PixelLayout } from './frames';
import type { ParsedInstance } from './parse';
import type { Rescale } from './pixels';
import type { NaturalDataset } from './vendor';

export interface FrameInfo {
  instance: ParsedInstance;
  /** 0-based frame index within the instance. */
  frameIndex: number;
  numberOfFrames: number;
  positionLps?: Vec3;
  /** ImageOrientationPatient: row direction then column direction. */
  orientation?: number[];
  /** DICOM order: [row spacing, column spacing]. */
  pixelSpacing?: number[];
  sliceThickness?: number;
  spacingBetweenSlices?: number;
  rescale: Rescale;
  instanceNumber?: number;
  sopInstanceUid: string;
  sopClassUid: string;
}

export function pixelLayoutOf(dataset: NaturalDataset): PixelLayout {
  const bitsAllocated = numberOf(dataset.BitsAllocated) ?? 16;
  const bitsStored = numberOf(dataset.BitsStored) ?? bitsAllocated;
  return {
    rows: numberOf(dataset.Rows) ?? 0,
    columns: numberOf(dataset.Columns) ?? 0,
    bitsAllocated,
    bitsStored,
    highBit: numberOf(dataset.HighBit) ?? bitsStored - 1,
    pixelRepresentation: numberOf(dataset.PixelRepresentation) === 1 ? 1 : 0,
    samplesPerPixel: numberOf(dataset.SamplesPerPixel) ?? 1,
    planarConfiguration: numberOf(dataset.PlanarConfiguration) === 1 ? 1 : 0,
    photometricInterpretation: stringOf(dataset.PhotometricInterpretation) ?? 'MONOCHROME2',
  };
}

/** The first functional group macro `name` that applies to frame `index` (per-frame wins over shared). */
export function functionalGroup(
  dataset: NaturalDataset,
  index: number,
  name: string,
): NaturalDataset | undefined {
  const perFrame = items(dataset.PerFrameFunctionalGroupsSequence)[index];
  const own = perFrame ? firstItem(perFrame[name]) : undefined;
  return own ?? firstItem(firstItem(dataset.SharedFunctionalGroupsSequence)?.[name]);
}

export function framesOf(instance: ParsedInstance): FrameInfo[] {
  const ds = instance.dataset;
  const numberOfFrames = numberOf(ds.NumberOfFrames) ?? 1;
  const base = {
    instance,
    numberOfFrames,
    instanceNumber: numberOf(ds.InstanceNumber),
    sopInstanceUid: stringOf(ds.SOPInstanceUID) ?? '',
    sopClassUid: stringOf(ds.SOPClassUID) ?? '',
  };
  const classic = {
    positionLps: numbersOf(ds.ImagePositionPatient, 3) as Vec3 | undefined,
    orientation: numbersOf(ds.ImageOrientationPatient, 6),
    pixelSpacing: numbersOf(ds.PixelSpacing, 2) ?? numbersOf(ds.ImagerPixelSpacing, 2),
    sliceThickness: numberOf(ds.SliceThickness),
    spacingBetweenSlices: numberOf(ds.SpacingBetweenSlices),
    rescale: { slope: numberOf(ds.RescaleSlope) ?? 1, intercept: numberOf(ds.RescaleIntercept) ?? 0 },
    gridFrameOffsets: numbersOf(ds.GridFrameOffsetVector, numberOfFrames),
  };
  const enhanced =
    ds.PerFrameFunctionalGroupsSequence !== undefined || ds.SharedFunctionalGroupsSequence !== undefined;
  const frames: FrameInfo[] = [];
  for (let frameIndex = 0; frameIndex < numberOfFrames; frameIndex++) {
    if (!enhanced) {
      frames.push({
        ...base,
        ...classic,
        frameIndex,
        positionLps: classicFramePosition(classic, frameIndex, numberOfFrames),
      });
      continue;
    }
    const position = functionalGroup(ds, frameIndex, 'PlanePositionSequence');
    const orientation = functionalGroup(ds, frameIndex, 'PlaneOrientationSequence');
    const measures = functionalGroup(ds, frameIndex, 'PixelMeasuresSequence');
    const transform = functionalGroup(ds, frameIndex, 'PixelValueTransformationSequence');
    frames.push({
      ...base,
      frameIndex,
      positionLps: (numbersOf(position?.ImagePositionPatient, 3) as Vec3 | undefined) ?? classic.positionLps,
      orientation: numbersOf(orientation?.ImageOrientationPatient, 6) ?? classic.orientation,
      pixelSpacing: numbersOf(measures?.PixelSpacing, 2) ?? classic.pixelSpacing,
      sliceThickness: numberOf(measures?.SliceThickness) ?? classic.sliceThickness,
      spacingBetweenSlices: numberOf(measures?.SpacingBetweenSlices) ?? classic.spacingBetweenSlices,
      rescale: {
        slope: numberOf(transform?.RescaleSlope) ?? classic.rescale.slope,
        intercept: numberOf(transform?.RescaleIntercept) ?? classic.rescale.intercept,
      },
    });
  }
  return frames;
}

/**
 * Classic multi-frame images (e.g. Multi-frame Grayscale Secondary Capture, RT Dose) give one position
 * for the first frame; the others follow along the slice normal at their GridFrameOffsetVector
 * offsets, else SpacingBetweenSlices (else SliceThickness) apart.
 * Without a spacing the frames get no position, and the stack falls back to frame order.
 */
function classicFramePosition(
  classic: {
    positionLps?: Vec3;
    orientation?: number[];
    spacingBetweenSlices?: number;
    sliceThickness?: number;
    gridFrameOffsets?: number[];
  },
  frameIndex: number,
  numberOfFrames: number,
): Vec3 | undefined {
  const { positionLps, orientation, gridFrameOffsets } = classic;
  if (numberOfFrames === 1 || frameIndex === 0) return positionLps;
  // RT Dose (PS3.3 C.8.8.3.2): each frame's offset along the normal, relative to the first frame
  // when the first offset is 0, else absolute (then the first equals the position's own offset).
  const offset = gridFrameOffsets
    ? gridFrameOffsets[frameIndex] - gridFrameOffsets[0]
    : frameIndex * (classic.spacingBetweenSlices || classic.sliceThickness || NaN);
  if (!positionLps || !orientation || !Number.isFinite(offset)) return undefined;
  const [r0, r1, r2, c0, c1, c2] = orientation;
  const normal = [r1 * c2 - r2 * c1, r2 * c0 - r0 * c2, r0 * c1 - r1 * c0];
  const length = Math.hypot(normal[0], normal[1], normal[2]);
  return positionLps.map((v, n) => v + (offset * normal[n]) / length) as Vec3;
}
