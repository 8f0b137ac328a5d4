// The decoder half of an intervention on the demo model: outside the gate the labels are the
// neutral decoder's, inside it they move the way asked, and more strength moves them further.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadPaths } from '../../../src/main/services/imaging/load';
import { verifyModel } from '../../../src/main/services/models/index';
import { SegmentationEngine } from '../../../src/main/services/segmentation/engine';
import { executeIntervention } from '../../../src/main/services/intervention/index';
import type { Intervention } from '../../../src/shared/intervention';
import type { Volume } from '../../../src/shared/volume';
import { requireData, sharedFile } from '../requireData';
import { demoDir, demoModel, exampleCtData, sharedData } from '../segmentation/helpers';

const small = join(sharedData, 'totalsegmentator', 'example_ct_sm.nii.gz');
const LIVER = 5;

describe('decoder re-run with an intervention (demo model)', () => {
  requireData(exampleCtData, sharedFile(small), demoModel);
  let engine: SegmentationEngine;
  let volume: Volume;
  let plane: number;
  const slices = [12, 13, 14, 15];

  beforeAll(async () => {
    engine = await SegmentationEngine.create(demoDir, await verifyModel(demoDir), { intraOpNumThreads: 1 });
    volume = (await loadPaths([small])).series[0].volume;
    plane = volume.dims[0] * volume.dims[1];
  }, 60_000);
  afterAll(async () => engine?.release());

  const decode = (direction: 'grow' | 'shrink', strength: number, gate: Uint8Array) =>
    engine.decodeIntervention(
      volume,
      { slices, classValue: LIVER, direction, strength, gate },
      { volumeKey: 'sm' },
    );
  const count = (labels: Uint16Array, where: (n: number) => boolean) => {
    let c = 0;
    for (let n = 0; n < labels.length; n++) if (labels[n] === LIVER && where(n)) c++;
    return c;
  };

  it('leaves the segmentation as the model made it where the gate is closed', async () => {
    const neutral = await engine.segmentVolume(volume, { volumeKey: 'sm' });
    const closed = await decode('grow', 4, new Uint8Array(slices.length * plane));
    const expected = Uint16Array.from({ length: slices.length * plane }, (_, n) => {
      const k = slices[Math.floor(n / plane)];
      return neutral.segmentation.layers[0][k * plane + (n % plane)];
    });
    expect(closed.labels).toEqual(expected);
    expect(closed.timingsMs.encodedSlices).toBe(0); // cached by the run above
    expect(count(closed.labels, () => true)).toBeGreaterThan(0);
  }, 120_000);

  it('grows and shrinks the class inside the gate, further with more strength', async () => {
    // The gate: the left half of each plane (i < 61), where the liver lies (patient right).
    const gate = Uint8Array.from({ length: slices.length * plane }, (_, n) =>
      (n % plane) % volume.dims[0] < 61 ? 1 : 0,
    );
    const inGate = (n: number) => gate[n] === 1;
    const outGate = (n: number) => gate[n] === 0;
    const base = await decode('grow', 0, gate);
    const grown = await decode('grow', 1, gate);
    const grownMore = await decode('grow', 4, gate);
    const shrunk = await decode('shrink', 4, gate);
    const b = count(base.labels, inGate);
    expect(count(grown.labels, inGate)).toBeGreaterThan(b);
    expect(count(grownMore.labels, inGate)).toBeGreaterThanOrEqual(count(grown.labels, inGate));
    expect(count(shrunk.labels, inGate)).toBeLessThan(b);
    // The decoder's output spills at most a few pixels past the gate (pooling); far from it, nothing moves.
    const far = (n: number) => outGate(n) && (n % plane) % volume.dims[0] >= 70;
    expect(count(grownMore.labels, far)).toBe(count(base.labels, far));
    expect(count(shrunk.labels, far)).toBe(count(base.labels, far));
    expect(['film', 'logits']).toContain(shrunk.method);
  }, 120_000);

  it('lets the image choose how far an unnamed grow goes, within the ceiling the words set', async () => {
    const { segmentation } = await engine.segmentVolume(volume, { volumeKey: 'sm' });
    const decoder = {
      classValues: new Set([LIVER]),
      decode: (request: Parameters<typeof engine.decodeIntervention>[1]) =>
        engine.decodeIntervention(volume, request, { volumeKey: 'sm' }),
      image: volume.voxels,
    };
    const grow = (magnitude?: Intervention['magnitude']): Intervention => ({
      action: 'grow',
      target: 'liver',
      region: { slices: { from: 10, to: 19 } },
      ...(magnitude ? { magnitude } : {}),
    });
    const slight = await executeIntervention(
      segmentation,
      grow({ unit: 'qualitative', level: 'slight' }),
      decoder,
    );
    const plain = await executeIntervention(segmentation, grow(), decoder);
    const marked = await executeIntervention(
      segmentation,
      grow({ unit: 'qualitative', level: 'marked' }),
      decoder,
    );
    // A higher ceiling never changes fewer voxels; every answer says how far and why it stopped.
    expect(plain.voxelsChanged).toBeGreaterThanOrEqual(slight.voxelsChanged);
    expect(marked.voxelsChanged).toBeGreaterThanOrEqual(plain.voxelsChanged);
    for (const r of [slight, plain, marked]) {
      expect(r.note).toMatch(/chosen by the image|^nothing changed/);
      expect(Array.from(r.edit?.after ?? []).every((v) => v === LIVER)).toBe(true);
    }
    // A named size is obeyed exactly, without the model.
    const sized = await executeIntervention(segmentation, grow({ unit: 'mm', value: 3 }), decoder);
    expect(sized.method).toBe('geometric');
    expect(sized.note).toMatch(/obeyed exactly: the boundary moved 3 mm/);
  }, 120_000);
});
