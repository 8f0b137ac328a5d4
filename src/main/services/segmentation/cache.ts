// Encoder embeddings per slice, least recently used first out, bounded by bytes: prompts and
// interventions on a slice seen before re-run only the decoder.

export class EmbeddingCache {
  private readonly entries = new Map<string, Float32Array>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  static key(volumeKey: string, slice: number): string {
    return `${volumeKey}#${slice}`;
  }

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Float32Array | undefined {
    const value = this.entries.get(key);
    if (value) {
      // Map keeps insertion order: re-inserting makes this entry the most recently used.
      this.entries.delete(key);
      this.entries.set(key, value);
      this.hits++;
    } else this.misses++;
    return value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, value: Float32Array): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.used -= old.byteLength;
    }
    if (value.byteLength > this.maxBytes) return; // never holds what it cannot keep
    this.entries.set(key, value);
    this.used += value.byteLength;
    for (const [k, v] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(k);
      this.used -= v.byteLength;
    }
  }

  /** Forgets one volume's slices (its study was closed) or everything. */
  clear(volumeKey?: string): void {
    for (const [k, v] of this.entries) {
      if (volumeKey === undefined || k.startsWith(`${volumeKey}#`)) {
        this.entries.delete(k);
        this.used -= v.byteLength;
      }
    }
  }
}
