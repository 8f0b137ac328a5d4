import { ServiceError } from '../../../shared/serviceError';

/** The model cannot take this input, or the run would not fit in memory; the message says why. */
export class SegmentationRefusedError extends ServiceError {
  constructor(message: string) {
    super('bad-input', message);
    this.name = 'SegmentationRefusedError';
  }
}

export class SegmentationCancelledError extends ServiceError {
  constructor() {
    super('cancelled', 'segmentation was cancelled; the study and earlier segmentations are unchanged');
    this.name = 'SegmentationCancelledError';
  }
}
