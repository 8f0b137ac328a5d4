// The intensity normalisation of a study, computed once per study: a percentile rule (MR) sorts
// the whole volume, which a command or a prompt must not pay for again on every call.
import type { ModelManifest } from '../../../shared/modelManifest';
import type { Volume } from '../../../shared/volume';
import { intensityMap, type IntensityMap } from './preprocess';

/** Studies whose map is kept: the few a reader has open at once. */
const KEPT_STUDIES = 4;

export class NormalisationCache {
  private readonly maps = new Map<string, IntensityMap>();

  constructor(private readonly manifest: ModelManifest) {}

  /** The study's map, computed on first use; the oldest study's map goes when too many are kept. */
  of(volume: Volume, volumeKey: string): IntensityMap {
    let map = this.maps.get(volumeKey);
    if (!map) {
      map = intensityMap(volume, this.manifest);
      this.maps.set(volumeKey, map);
      while (this.maps.size > KEPT_STUDIES) this.maps.delete(this.maps.keys().next().value!);
    }
    return map;
  }

  has(volumeKey: string): boolean {
    return this.maps.has(volumeKey);
  }

  /** Drops a closed study's map (or every map). */
  forget(volumeKey?: string): void {
    if (volumeKey === undefined) this.maps.clear();
    else this.maps.delete(volumeKey);
  }
}
