// Test-Time Causal Intervention on cached embeddings: the decoder re-run on the given slices with
// one class modulated inside the gate — by its learned FiLM direction when the model has one that
// works here, else by shifting that class's logits — and the resulting labels, and each voxel's
// flip strength, on the study's grid. The arithmetic lives in interventionDecode.ts.
import type { Volume } from '../../../shared/volume';
import type { RunHost } from './engineRuns';
import {
  checkSlice,
  emptyTimings,
  type InterventionDecode,
  type InterventionDecodeResult,
  type InterventionInputs,
  type RunOptions,
} from './engineTypes';
import { SegmentationCancelledError, SegmentationRefusedError } from './errors';
import {
  classesAt,
  flipStrengths,
  logitPlane,
  logitShiftSlopes,
  probeInputs,
  readLogits,
  type FilmDirection,
  type LogitPlane,
} from './interventionDecode';
import { gatePlane, modelToPlane, planeLayout } from './preprocess';

export interface InterventionHost extends RunHost {
  readonly manifestId: string;
  readonly C8: number;
  /** The learned direction of a class for a kind, or null (none, or no FiLM inputs). */
  direction(kind: 'grow' | 'shrink', cls: number): FilmDirection | null;
  /** Per "kind:class": whether the learned FiLM direction moved the logits the way asked. */
  readonly directionWorks: Map<string, boolean>;
}

/** Slices per decoder batch: bounds the gate tensor (K planes per slice, twice: neutral and step). */
const CHUNK_SLICES = 12;

export async function decodeIntervention(
  host: InterventionHost,
  volume: Volume,
  request: InterventionDecode,
  options: RunOptions,
): Promise<InterventionDecodeResult> {
  const t0 = performance.now();
  const { frame } = host.plan(volume, options.maxMemoryBytes);
  const cls = Array.prototype.indexOf.call(host.classes.lut, request.classValue) as number;
  if (request.classValue <= 0 || cls <= 0) {
    throw new SegmentationRefusedError(
      `model "${host.manifestId}" has no class with label value ${request.classValue}`,
    );
  }
  const layout = planeLayout(volume.dims, frame.sliceAxis);
  if (request.gate.length !== request.slices.length * layout.size) {
    throw new SegmentationRefusedError(
      `the gate has ${request.gate.length} voxels; ${request.slices.length} slices need ${request.slices.length * layout.size}`,
    );
  }
  for (const k of request.slices) checkSlice(k, frame.slices);
  const timings = emptyTimings(request.slices.length);
  const map = host.normalisation(volume, options.volumeKey);
  const embeddings = await host.embed(volume, frame, map, request.slices, options, timings);
  const { S, K, C8 } = host;
  const pixels = S * S;
  const shape = { K, C8, pixels };
  const pull = modelToPlane(frame, layout);
  const sign = request.direction === 'grow' ? 1 : -1;
  // A learned direction that, over the gate where it is first used, moves the class's logits the
  // wrong way on average is not used for that class and kind: its logits are shifted directly
  // instead (and the answer says so). The verdict is kept, so later commands decide the same way.
  const verdictKey = `${request.direction}:${cls}`;
  const learned = host.direction(request.direction, cls);
  const direction = learned && host.directionWorks.get(verdictKey) !== false ? learned : null;
  const planes = request.slices.map(() => logitPlane(pixels));
  let slopeGate = 0;
  let gateSum = 0;
  for (let start = 0; start < request.slices.length; start += CHUNK_SLICES) {
    if (options.signal?.aborted) throw new SegmentationCancelledError();
    const b = Math.min(CHUNK_SLICES, request.slices.length - start);
    const chunkPlanes = planes.slice(start, start + b);
    chunkPlanes.forEach((p, n) => {
      const gate = request.gate.subarray((start + n) * layout.size, (start + n + 1) * layout.size);
      gatePlane(gate, pull, p.gate);
    });
    const chunk = embeddings.slice(start, start + b);
    // With a direction: each slice twice (neutral, then one unit FiLM step), which gives every
    // pixel's logit at every strength; without one: once, the logits shifted afterwards.
    let inputs: InterventionInputs | undefined;
    if (direction)
      inputs = probeInputs(
        chunkPlanes.map((p) => p.gate),
        direction,
        cls,
        shape,
      );
    const t = performance.now();
    const { classLogits } = await host.decoderOnly(
      direction ? [...chunk, ...chunk] : chunk,
      undefined,
      inputs,
    );
    timings.decoderMs += performance.now() - t;
    chunkPlanes.forEach((p, n) => {
      const sums = readLogits(classLogits, n, direction ? b + n : null, cls, shape, p);
      slopeGate += sign * sums.slopeGate;
      gateSum += sums.gate;
    });
  }
  let useFilm = direction !== null;
  if (direction && gateSum > 0) {
    useFilm = slopeGate > 0;
    host.directionWorks.set(verdictKey, useFilm);
  }
  if (!useFilm) planes.forEach((p) => logitShiftSlopes(p, sign));
  const { labels, flipStrength } = toStudyGrid(planes, cls, request, layout.size, pull.pixelOfVoxel, host);
  return {
    labels,
    flipStrength,
    method: useFilm ? 'film' : 'logits',
    model: host.modelRef,
    timingsMs: {
      encoderMs: Math.round(timings.encoderMs * 10) / 10,
      decoderMs: Math.round(timings.decoderMs * 10) / 10,
      totalMs: Math.round((performance.now() - t0) * 10) / 10,
      encodedSlices: timings.encodedSlices,
    },
  };
}

/** Labels at the requested strength and flip strengths, pulled from the model grid onto the study's planes. */
function toStudyGrid(
  planes: LogitPlane[],
  cls: number,
  request: InterventionDecode,
  planeSize: number,
  pixelOfVoxel: Int32Array,
  host: Pick<RunHost, 'classes'>,
): { labels: Uint16Array; flipStrength: Float32Array } {
  const pixels = planes[0]?.gate.length ?? 0;
  const labels = new Uint16Array(request.gate.length);
  const flipStrength = new Float32Array(request.gate.length);
  const classMap = new Uint8Array(pixels);
  const flips = new Float32Array(pixels);
  planes.forEach((p, n) => {
    classesAt(p, cls, request.strength, classMap);
    flipStrengths(p, cls, request.direction, flips);
    const out = labels.subarray(n * planeSize, (n + 1) * planeSize);
    const flipOut = flipStrength.subarray(n * planeSize, (n + 1) * planeSize);
    for (let v = 0; v < planeSize; v++) {
      const q = pixelOfVoxel[v];
      out[v] = q < 0 ? 0 : host.classes.lut[classMap[q]];
      flipOut[v] = q < 0 ? Infinity : flips[q];
    }
  });
  return { labels, flipStrength };
}
