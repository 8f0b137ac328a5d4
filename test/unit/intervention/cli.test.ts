// `causal-sam correct` as a user runs it: the built command line on the sample CT and its label map.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from '../runCli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPaths } from '../../../src/main/services/imaging/load';
import { builtFile, requireData } from '../requireData';
import { demoModel, modelsDir } from '../segmentation/helpers';

const ct = join(process.cwd(), 'resources/sample/example_ct.nii.gz');
const labels = join(process.cwd(), 'resources/sample/example_ct_labels.nii.gz');
const PANCREAS = 7;
let work: string;

const run = (args: string[]): Promise<CliRun> =>
  runCli(args, { CAUSAL_SAM_MODELS_DIR: modelsDir, CAUSAL_SAM_DATA_DIR: join(work, 'data') });

const voxels = async (path: string) => (await loadPaths([path])).series[0].volume.voxels as ArrayLike<number>;

describe('causal-sam correct', () => {
  requireData(builtFile('out/main/cli.js'), demoModel);
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'causal-sam-correct-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('applies a typed command, changes only what it names, and reports it', async () => {
    const out = join(work, 'corrected.nii.gz');
    const r = await run([
      'correct',
      ct,
      '--mask',
      labels,
      '--command',
      'remove the pancreas label below slice 90',
      '--out',
      out,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      summary: 'Remove pancreas label · slices 1–89',
      method: 'mask-edit',
      interpretation: { interpreter: 'built-in', intervention: { action: 'remove', target: 'pancreas' } },
    });
    const [before, after] = await Promise.all([voxels(labels), voxels(out)]);
    const nxy = 122 * 101;
    let removed = 0;
    for (let n = 0; n < before.length; n++) {
      const expected = before[n] === PANCREAS && Math.floor(n / nxy) <= 88 ? 0 : before[n];
      if (after[n] !== expected) throw new Error(`voxel ${n}: ${after[n]}, expected ${expected}`);
      if (before[n] !== after[n]) removed++;
    }
    expect(removed).toBeGreaterThan(0);
    expect(report.voxelsChanged).toBe(removed);
    expect(report.changes).toEqual([{ name: 'pancreas', value: PANCREAS, added: 0, removed }]);
    const audit = await readFile(join(work, 'data', 'audit', 'interventions.jsonl'), 'utf8');
    expect(JSON.parse(audit.trim().split('\n').at(-1)!)).toMatchObject({
      event: 'apply',
      command: 'remove the pancreas label below slice 90',
      voxelsChanged: removed,
    });
  }, 60_000);

  it('asks rather than guesses, writes nothing, and exits 3', async () => {
    const out = join(work, 'unclear.nii.gz');
    const r = await run([
      'correct',
      ct,
      '--mask',
      labels,
      '--command',
      'the kidney is too big',
      '--out',
      out,
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^question: .*kidney/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('refuses a mask on another grid and explains usage', async () => {
    const sm = join(process.cwd(), '..', 'shared', 'data', 'totalsegmentator', 'example_ct_sm.nii.gz');
    const wrong = await run([
      'correct',
      sm,
      '--mask',
      labels,
      '--command',
      'shrink the liver',
      '--out',
      join(work, 'x.nii.gz'),
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused: .*example_ct_labels\.nii\.gz: is not on the grid/);
    const usage = await run(['correct', ct, '--mask', labels, '--out', join(work, 'y.nii.gz')]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/needs --command/);
  }, 60_000);
});
