// The main thread's side of a DICOM series that is still being decoded: which of its k-slices are
// written, waiting for the ones a reader asks for, and telling the decoder where the reader is.
// Pure bookkeeping (no worker, no I/O): the load worker's messages drive it.
import { voxelTypeOf, type VoxelArray } from '../../../shared/volume';
import type { LoadedSeries } from './types';

interface Waiter {
  first: number;
  count: number;
  resolve(): void;
  reject(error: Error): void;
}

export class StreamingSeries {
  private readonly written: Uint8Array;
  private writtenCount = 0;
  private waiters: Waiter[] = [];
  private failure: Error | null = null;
  private exactRange: [number, number] | null = null;
  private readonly whenComplete: Promise<[number, number]>;
  private settleComplete!: { resolve(range: [number, number]): void; reject(error: Error): void };

  /**
   * `declaredRange`: the values the headers allow, the display range until the exact one is known.
   * `decoder.focus` tells the decoder which k-slice a reader waits for; `decoder.stop` that nobody
   * will read this series any more.
   */
  constructor(
    readonly series: LoadedSeries,
    readonly declaredRange: [number, number],
    private readonly decoder: { focus(k: number): void; stop(): void },
  ) {
    this.written = new Uint8Array(series.volume.dims[2]);
    this.whenComplete = new Promise((resolve, reject) => (this.settleComplete = { resolve, reject }));
    // Nobody may wait for completion; a failure must not surface as an unhandled rejection.
    this.whenComplete.catch(() => undefined);
  }

  get complete(): boolean {
    return this.exactRange !== null;
  }

  /** Resolves once every slice is written, with the exact value range; rejects if it never will be. */
  valueRange(): Promise<[number, number]> {
    return this.whenComplete;
  }

  sliceWritten(k: number): void {
    if (this.written[k]) return;
    this.written[k] = 1;
    this.writtenCount++;
    this.waiters = this.waiters.filter((w) => {
      if (!this.allWritten(w.first, w.count)) return true;
      w.resolve();
      return false;
    });
  }

  widened(voxels: VoxelArray): void {
    this.series.volume.voxels = voxels;
    this.series.volume.voxelType = voxelTypeOf(voxels);
  }

  /** Every slice is in; `range` is measured over them. */
  completed(range: [number, number]): void {
    this.exactRange = range;
    this.series.valueRange = range;
    this.settleComplete.resolve(range);
  }

  /** The series will not be completed: whoever waits is told why, and so is whoever asks later. */
  failed(error: Error): void {
    if (this.failure || this.complete) return;
    this.failure = error;
    for (const w of this.waiters) w.reject(error);
    this.waiters = [];
    this.settleComplete.reject(error);
  }

  /** Resolves once k-slices first…first+count-1 are written (at once if they are). */
  async slicesWritten(first: number, count: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.allWritten(first, count)) return;
    // From the middle of the run outwards, the decoder covers the run before straying past either end.
    this.decoder.focus(first + Math.floor(count / 2));
    await new Promise<void>((resolve, reject) => this.waiters.push({ first, count, resolve, reject }));
  }

  /** The series was closed: stop decoding it; whoever waits on it is told so. */
  close(): void {
    this.failed(new Error('the series was closed'));
    this.decoder.stop();
  }

  get progress(): { written: number; total: number } {
    return { written: this.writtenCount, total: this.written.length };
  }

  private allWritten(first: number, count: number): boolean {
    for (let k = first; k < first + count; k++) if (!this.written[k]) return false;
    return true;
  }
}
