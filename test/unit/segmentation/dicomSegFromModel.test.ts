// The path the workstation's "Save as DICOM SEG" takes after "Segment" on a DICOM study: the demo
// model's label map of a real MR DICOM series, written by the writer the contract uses, must
// pass dciodvfy (dicom3tools, which shares no code with us) without errors and read back onto the
// series with exactly the voxels that were written.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The functions 'segmentation.save' and 'segmentation.load' call for DICOM, imported directly (the
// imaging index would start its worker, which vitest cannot host).
import { loadPaths } from '../../../src/main/services/imaging/load';
import { writeDicomSeg } from '../../../src/main/services/imaging/dicom/segWriter';
import { loadSegmentationOnto } from '../../../src/main/services/imaging/dicom/index';
import type { LoadedSeries } from '../../../src/main/services/imaging/types';
import { verifyModel } from '../../../src/main/services/models/index';
import { SegmentationEngine } from '../../../src/main/services/segmentation/engine';
import type { SegmentResult } from '../../../src/main/services/segmentation/index';
import type { Segmentation } from '../../../src/shared/volume';
import { demoDir, sharedData } from './helpers';

const mrSeries = join(sharedData, 'niivue', 'vs_seg_001_t1c_dicom');

/** Voxel indices per segment name: how two segmentations with different value numbering compare. */
function voxelsByName(seg: Segmentation): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const s of seg.segments) {
    const labels = seg.layers[s.layer];
    const indices: number[] = [];
    for (let n = 0; n < labels.length; n++) if (labels[n] === s.value) indices.push(n);
    out.set(s.name, indices);
  }
  return out;
}

describe('DICOM SEG from the model output of a DICOM series', () => {
  let work: string;
  let series: LoadedSeries;
  let result: SegmentResult;
  let file: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'causal-sam-seg-dicom-'));
    const loaded = await loadPaths([mrSeries]);
    expect(loaded.errors).toEqual([]);
    series = loaded.series[0];
    const engine = await SegmentationEngine.create(demoDir, await verifyModel(demoDir), {
      intraOpNumThreads: 1,
    });
    try {
      result = await engine.segmentVolume(series.volume, { volumeKey: 'mr' });
    } finally {
      await engine.release();
    }
    file = join(work, 'model.seg.dcm');
    await writeFile(file, writeDicomSeg(result.segmentation, series));
  }, 120_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('has something to write: the demo model labels voxels on this MR series', () => {
    expect(series.volume.modality).toBe('MR');
    expect(series.dicom?.seriesInstanceUid).toBeTruthy();
    const counts = [...voxelsByName(result.segmentation).values()].map((v) => v.length);
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.every((n) => n > 0)).toBe(true);
  });

  it('passes dciodvfy with no errors', () => {
    const run = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    // dciodvfy exits 0 even with errors: the lines are what count.
    const lines = `${run.stdout}\n${run.stderr}`.split('\n').filter((l) => l.trim() !== '');
    console.log(`dciodvfy ${file}:\n  ${lines.join('\n  ')}`);
    expect(lines.filter((l) => l.startsWith('Error'))).toEqual([]);
  });

  it('reads back onto the series with the same voxels per segment', async () => {
    const back = await loadSegmentationOnto(
      { path: file, bytes: new Uint8Array(await readFile(file)) },
      series,
    );
    expect(back.dims).toEqual(result.segmentation.dims);
    const written = voxelsByName(result.segmentation);
    const read = voxelsByName(back);
    expect([...read.keys()].sort()).toEqual([...written.keys()].sort());
    for (const [name, indices] of written) expect(read.get(name), name).toEqual(indices);
  });
});
