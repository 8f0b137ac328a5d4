// What the command line says about the DICOM a user actually has, through the built CLI
// (npm run build): a SEG given alone, a folder of two series, a file that does not say whether it is
// CT or MR, a SEG asked of a NIfTI; and `segment` writing a DICOM SEG for a DICOM series. Every
// refusal is one readable line naming the file, and says how to fix the call where there is a way.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDicomFiles } from '../../../src/main/services/imaging/dicom/index';
import { builtFile, requireData } from '../requireData';
import { runCli, type CliRun } from '../runCli';
import { exampleCt, flair, modelsDir } from '../segmentation/helpers';
import { corpusDir, ctDir, expectReadableRefusal, mrDir, readFolder, readInput } from './dicomFixtures';

requireData(builtFile('out/main/cli.js'));

let work: string;
const run = (args: string[]): Promise<CliRun> =>
  runCli(args, { CAUSAL_SAM_MODELS_DIR: modelsDir, CAUSAL_SAM_DATA_DIR: join(work, 'data') });

/** The one refusal line of a run that exited 1, checked for readability. */
function refusal(r: CliRun, file: string): string {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('refused: '));
  expect(lines, r.stderr).toHaveLength(1);
  const line = lines[0].slice('refused: '.length);
  expectReadableRefusal(line, file);
  return line;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'imaging-cli-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('causal-sam refusals for DICOM', () => {
  const liver = join(corpusDir, 'liver_1frame.dcm');
  const segMessage =
    /is a DICOM SEG with 1 segment referencing series [\d.]+; open it together with its source images/;

  it('says what a SEG given alone is and what it needs (info and segment)', async () => {
    const info = await run(['info', liver]);
    expect(info.code).toBe(1);
    expect(info.stderr).toMatch(segMessage);
    expect(refusal(await run(['segment', liver, '--out', join(work, 'x.nii.gz')]), liver)).toMatch(
      segMessage,
    );
  });

  it('names the series of a folder that holds two', async () => {
    const both = join(work, 'two-series');
    mkdirSync(both);
    cpSync(ctDir, join(both, 'ct'), { recursive: true });
    for (const name of readdirSync(mrDir).slice(0, 3)) cpSync(join(mrDir, name), join(both, 'mr', name));
    expect(refusal(await run(['segment', both, '--out', join(work, 'x.nii.gz')]), both)).toMatch(
      /holds 2 image series \(.*\); give the folder or file of one of them/,
    );
  });

  it('asks for --modality where the file does not say CT or MR, and checks its value', async () => {
    const out = join(work, 'never.nii.gz');
    expect(refusal(await run(['segment', flair, '--out', out]), flair)).toMatch(
      /does not say whether it is CT or MR.*; pass --modality CT or --modality MR$/,
    );
    const wrong = await run(['segment', flair, '--out', out, '--modality', 'XR']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--modality takes CT or MR, not "XR"/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a DICOM SEG of a NIfTI, saying what to write instead', async () => {
    const out = join(work, 'never.dcm');
    expect(refusal(await run(['segment', exampleCt, '--out', out]), out)).toMatch(
      /a DICOM SEG must reference DICOM images, and .*example_ct\.nii\.gz is not DICOM; write --out <file>\.nii\.gz/,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe('causal-sam segment to a DICOM SEG', () => {
  it('writes a SEG referencing the input series when --out ends in .dcm', async () => {
    // The demo model is an abdominal one: on this brain MR it finds a few (meaningless) structures,
    // enough to write a SEG; what is checked here is the file, not the segmentation.
    const out = join(work, 'mr-seg.dcm');
    const r = await run(['segment', mrDir, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const labels = (JSON.parse(r.stdout) as { labels: unknown[] }).labels;
    // Read back with its series: one SEG, placed on the series it names, with the segments reported.
    const both = await loadDicomFiles([...readFolder(mrDir), readInput(out)]);
    expect(both.errors).toEqual([]);
    expect(both.segmentations).toHaveLength(1);
    expect(both.segmentations[0].referencedSeriesInstanceUid).toBe(both.series[0].dicom!.seriesInstanceUid);
    expect(labels.length).toBeGreaterThan(0);
    expect(both.segmentations[0].segmentation.segments).toHaveLength(labels.length);
    const sop = execFileSync('/usr/bin/python3', [
      '-c',
      `import pydicom;print(pydicom.dcmread('${out}').SOPClassUID)`,
    ]);
    expect(sop.toString().trim()).toBe('1.2.840.10008.5.1.4.1.1.66.4');
  }, 120_000);
});
