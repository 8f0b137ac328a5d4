// What a derived object (a DICOM SEG) must copy from, and reference in, the series it was made from.
import type { DicomSeriesIdentity } from '../types';
import { stringOf } from './attributes';
import { patientStudyOf } from './attributeSets';
import type { FrameInfo } from './frameInfo';

/** Identity of a stack whose slices, in volume order, are `frames`. */
export function seriesIdentity(frames: FrameInfo[]): DicomSeriesIdentity {
  const ds = frames[0].instance.dataset;
  return {
    studyInstanceUid: stringOf(ds.StudyInstanceUID) ?? '',
    seriesInstanceUid: stringOf(ds.SeriesInstanceUID) ?? '',
    frameOfReferenceUid: stringOf(ds.FrameOfReferenceUID),
    slices: frames.map((f) => ({
      sopClassUid: f.sopClassUid,
      sopInstanceUid: f.sopInstanceUid,
      ...(f.positionLps ? { positionLps: f.positionLps } : {}),
      ...(f.numberOfFrames > 1 ? { frameNumber: f.frameIndex + 1 } : {}),
    })),
    patientStudy: patientStudyOf(ds),
  };
}
