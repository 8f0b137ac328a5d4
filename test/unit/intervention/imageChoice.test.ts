// What a reader notices of an unnamed "shrink the spleen" / "grow the gallbladder" on the model's
// own errors: on the sample CT's held-out slices (z 86–99, never trained on) the demo model draws
// the spleen too big and the gallbladder too small; the command, with the image choosing how far
// to go, brings each nearer the reference, touches no other structure, and says how far it went.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadPaths } from '../../../src/main/services/imaging/load';
import { verifyModel } from '../../../src/main/services/models/index';
import { SegmentationEngine } from '../../../src/main/services/segmentation/engine';
import { compareMasks } from '../../../src/main/services/metrics/index';
import { executeIntervention } from '../../../src/main/services/intervention/index';
import type { Intervention } from '../../../src/shared/intervention';
import type { Segmentation, Volume } from '../../../src/shared/volume';
import { requireData, sharedFile } from '../requireData';
import { demoDir, demoModel } from '../segmentation/helpers';

const sampleCt = join(process.cwd(), 'resources', 'sample', 'example_ct.nii.gz');
const sampleLabels = join(process.cwd(), 'resources', 'sample', 'example_ct_labels.nii.gz');
const HELD_OUT = [86, 99] as const;

/** Slices k0..k1 of a volume (axial at k on the sample CT), origin moved with them. */
function slab(volume: Volume, [k0, k1]: readonly [number, number]): Volume {
  const plane = volume.dims[0] * volume.dims[1];
  const originLps = volume.originLps.map(
    (o, c) => o + k0 * volume.spacingMm[2] * volume.axesLps[2][c],
  ) as Volume['originLps'];
  return {
    ...volume,
    dims: [volume.dims[0], volume.dims[1], k1 - k0 + 1],
    originLps,
    voxels: volume.voxels.slice(k0 * plane, (k1 + 1) * plane),
  };
}

describe('unnamed grow and shrink on the model’s own errors (sample CT, held-out slices)', () => {
  requireData(sharedFile(sampleCt), sharedFile(sampleLabels), demoModel);
  let engine: SegmentationEngine;
  let volume: Volume;
  let reference: ArrayLike<number>;
  let segmentation: Segmentation;

  beforeAll(async () => {
    engine = await SegmentationEngine.create(demoDir, await verifyModel(demoDir), { intraOpNumThreads: 1 });
    volume = slab((await loadPaths([sampleCt])).series[0].volume, HELD_OUT);
    reference = slab((await loadPaths([sampleLabels])).series[0].volume, HELD_OUT).voxels;
    segmentation = (await engine.segmentVolume(volume, { volumeKey: 'held-out' })).segmentation;
  }, 120_000);
  afterAll(async () => engine?.release());

  const decoder = () => ({
    classValues: new Set(segmentation.segments.map((s) => s.value)),
    decode: (request: Parameters<typeof engine.decodeIntervention>[1]) =>
      engine.decodeIntervention(volume, request, { volumeKey: 'held-out' }),
    image: volume.voxels,
  });
  const dice = (labels: ArrayLike<number>, value: number) =>
    compareMasks(
      Uint8Array.from(labels, (v) => (v === value ? 1 : 0)),
      Uint8Array.from(reference, (v) => (v === value ? 1 : 0)),
      segmentation,
    ).dice;

  it.each([
    ['shrink', 'spleen', /^shrank up to \d+ mm .*chosen by the image/],
    ['grow', 'gallbladder', /^grew up to \d+ mm .*chosen by the image/],
  ] as const)(
    '"%s the %s" brings it nearer the reference',
    async (action, target, note) => {
      const value = segmentation.segments.find((s) => s.name === target)!.value;
      const labels = segmentation.layers[0];
      const intervention: Intervention = { action, target, region: {} };
      const result = await executeIntervention(segmentation, intervention, decoder());
      const after = labels.slice();
      result.edit!.indices.forEach((n, c) => (after[n] = result.edit!.after[c]));
      expect(dice(after, value)).toBeGreaterThan(dice(labels, value) + 0.02);
      expect(result.note).toMatch(note);
      // Only the target and background change hands.
      const pairs = new Set(Array.from(result.edit!.before, (b, c) => `${b}→${result.edit!.after[c]}`));
      expect([...pairs]).toEqual([action === 'grow' ? `0→${value}` : `${value}→0`]);
    },
    120_000,
  );
});
