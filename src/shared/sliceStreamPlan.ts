// Which k-slices of a streaming volume have arrived and which to ask for next: the slice the reader
// looks at first, then runs of slices outwards from it, so that the image under the reader's eyes is
// always the next to arrive — also after scrolling into slices that have not arrived yet. The
// renderer plans its requests with it; the main side plans the decoding of compressed frames.

export interface SliceRun {
  first: number;
  count: number;
}

export class SliceStreamPlan {
  /** 0: not asked for, 1: asked for, 2: arrived. */
  private readonly state: Uint8Array;
  private arrived = 0;

  constructor(readonly total: number) {
    this.state = new Uint8Array(total);
  }

  get loadedCount(): number {
    return this.arrived;
  }

  get complete(): boolean {
    return this.arrived === this.total;
  }

  isLoaded(k: number): boolean {
    return this.state[k] === 2;
  }

  /**
   * The next run to ask for, marked as asked: it starts at the slice nearest `focus` not yet asked
   * for (the higher one on a tie) and grows away from the focus, up to `size` slices, stopping at
   * a slice already asked for. Null when every slice has been asked for.
   */
  next(focus: number, size: number): SliceRun | null {
    const centre = Math.min(this.total - 1, Math.max(0, Math.round(focus)));
    let start = -1;
    for (let d = 0; d < this.total && start < 0; d++) {
      if (centre + d < this.total && this.state[centre + d] === 0) start = centre + d;
      else if (centre - d >= 0 && this.state[centre - d] === 0) start = centre - d;
    }
    if (start < 0) return null;
    // Away from the focus; a run starting on the focus grows to whichever side is still missing.
    const step = start > centre || (start === centre && this.state[start + 1] === 0) ? 1 : -1;
    let end = start;
    while (Math.abs(end + step - start) < size && this.state[end + step] === 0) end += step;
    const run = { first: Math.min(start, end), count: Math.abs(end - start) + 1 };
    this.state.fill(1, run.first, run.first + run.count);
    return run;
  }

  markLoaded(run: SliceRun): void {
    for (let k = run.first; k < run.first + run.count; k++) {
      if (this.state[k] !== 2) this.arrived++;
      this.state[k] = 2;
    }
  }

  /** A run whose request failed goes back to be asked for again. */
  release(run: SliceRun): void {
    for (let k = run.first; k < run.first + run.count; k++) if (this.state[k] === 1) this.state[k] = 0;
  }
}
