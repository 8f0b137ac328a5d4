// "The liver leaks into the stomach" on the sample CT: the liver's label is drawn 6 mm into the
// stomach (and into the right kidney); the command gives most of that back to the neighbour, takes
// little of the real liver, changes nothing but those two, and says where it stopped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadPaths } from '../../../src/main/services/imaging/load';
import { labelMapToSegmentation } from '../../../src/main/services/imaging/labelMaps';
import { verifyModel } from '../../../src/main/services/models/index';
import { SegmentationEngine } from '../../../src/main/services/segmentation/engine';
import { distanceTransform } from '../../../src/main/services/metrics/index';
import { executeIntervention } from '../../../src/main/services/intervention/index';
import type { Segmentation, Volume } from '../../../src/shared/volume';
import { requireData, sharedFile } from '../requireData';
import { demoDir, demoModel } from '../segmentation/helpers';

const sampleCt = join(process.cwd(), 'resources', 'sample', 'example_ct.nii.gz');
const sampleLabels = join(process.cwd(), 'resources', 'sample', 'example_ct_labels.nii.gz');

describe('a leak goes back to the neighbour it leaked into (sample CT, demo model)', () => {
  requireData(sharedFile(sampleCt), sharedFile(sampleLabels), demoModel);
  let engine: SegmentationEngine;
  let volume: Volume;
  let truth: Segmentation;

  beforeAll(async () => {
    engine = await SegmentationEngine.create(demoDir, await verifyModel(demoDir), { intraOpNumThreads: 1 });
    volume = (await loadPaths([sampleCt])).series[0].volume;
    truth = labelMapToSegmentation((await loadPaths([sampleLabels])).series[0].volume);
  }, 120_000);
  afterAll(async () => engine?.release());

  it.each(['stomach', 'kidney_right'])(
    '"the liver leaks into the %s"',
    async (neighbourName) => {
      const value = (name: string) => truth.segments.find((s) => s.name === name)!.value;
      const [liver, neighbour] = [value('liver'), value(neighbourName)];
      // The neighbour's voxels within 6 mm of the liver, drawn as liver.
      const labels = Uint16Array.from(truth.layers[0]);
      const toLiver = distanceTransform(
        Uint8Array.from(labels, (v) => (v === liver ? 1 : 0)),
        truth.dims,
        truth.spacingMm,
      );
      const leaked = new Set<number>();
      labels.forEach((v, n) => {
        if (v === neighbour && toLiver[n] <= 6) {
          labels[n] = liver;
          leaked.add(n);
        }
      });
      const seg: Segmentation = { ...truth, layers: [labels] };
      const decoder = {
        classValues: new Set(truth.segments.map((s) => s.value)),
        decode: (request: Parameters<typeof engine.decodeIntervention>[1]) =>
          engine.decodeIntervention(volume, request, { volumeKey: 'leak' }),
        image: volume.voxels,
      };
      const result = await executeIntervention(
        seg,
        { action: 'shrink', target: 'liver', region: { near: neighbourName } },
        decoder,
      );
      const edit = result.edit!;
      const pairs = new Set(Array.from(edit.before, (b, c) => `${b}→${edit.after[c]}`));
      expect([...pairs]).toEqual([`${liver}→${neighbour}`]);
      const returned = Array.from(edit.indices).filter((n) => leaked.has(n)).length;
      // Most of what it changes was the leak; the real liver keeps almost all of its voxels.
      expect(returned).toBeGreaterThan(0.8 * edit.indices.length);
      expect(returned).toBeGreaterThan(0.1 * leaked.size);
      expect(result.note).toMatch(
        /in the (stomach|right kidney)'s territory .*stopped where the liver's own grey values begin/,
      );
    },
    120_000,
  );
});
