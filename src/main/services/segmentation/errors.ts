/** The model cannot take this input, or the run would not fit in memory; the message says why. */
export class SegmentationRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SegmentationRefusedError';
  }
}

export class SegmentationCancelledError extends Error {
  constructor() {
    super('segmentation was cancelled; the study and earlier segmentations are unchanged');
    this.name = 'SegmentationCancelledError';
  }
}
