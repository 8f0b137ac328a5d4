// Our readers against an independent reference: nibabel for NIfTI, the NRRD specification applied in
// Python for NRRD (Debian ships no NRRD library). Needs /usr/bin/python3 with Debian's python3-nibabel.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { requireData, sharedFile } from '../requireData';
import type { Axes3, Vec3, Volume, VolumeGeometry } from '../../../src/shared/volume';
import { readNifti } from '../../../src/main/services/imaging/nifti';
import { writeNiftiLabelMap, writeNiftiVolume } from '../../../src/main/services/imaging/niftiWriter';
import { readNrrd } from '../../../src/main/services/imaging/nrrd';
import type { LoadedSeries } from '../../../src/main/services/imaging/types';

const here = dirname(fileURLToPath(import.meta.url));
const sharedData = resolve(here, '../../../../shared/data');
const helper = join(here, 'reference_geometry.py');
const TOLERANCE_MM = 1e-3;

interface Reference {
  path: string;
  format: 'nifti' | 'nrrd';
  dims: number[];
  /** 3×4: columns 0-2 are index steps in LPS mm, column 3 the LPS centre of voxel (0,0,0). */
  affineLps: number[][];
  samples: { index: Vec3; value: number | null }[];
}

function walk(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

const isNifti = (path: string) => /\.nii(\.gz)?$/i.test(path);
const isNrrd = (path: string) => /\.(nrrd|nhdr)$/i.test(path);

function load(path: string): LoadedSeries {
  const file = { path, bytes: readFileSync(path) };
  return isNrrd(path)
    ? readNrrd(file, (name) => readFileSync(resolve(dirname(path), name)))
    : readNifti(file);
}

/** Images our writer produced, for nibabel to read back. */
function writeWriterOutputs(folder: string): string[] {
  const oblique: VolumeGeometry = {
    dims: [9, 6, 5],
    spacingMm: [0.7, 1.1, 2.5],
    originLps: [-130.25, 95.5, -40.75],
    axesLps: [
      [0.8, 0.6, 0],
      [0, 0, -1],
      [0.6, -0.8, 0],
    ] as Axes3,
  };
  const labels = Uint16Array.from({ length: 270 }, (_, n) => (n * 37) % 400);
  const volume: Volume = {
    ...oblique,
    axesLps: [
      [-1, 0, 0],
      [0, 0.6, 0.8],
      [0, 0.8, -0.6],
    ] as Axes3,
    voxelType: 'float32',
    voxels: Float32Array.from({ length: 270 }, (_, n) => Math.cos(n) * 500),
    modality: 'MR',
  };
  const files: [string, Uint8Array][] = [
    ['writer_labels_oblique.nii.gz', writeNiftiLabelMap({ ...oblique, labels })],
    ['writer_volume_flipped.nii.gz', writeNiftiVolume(volume)],
  ];
  return files.map(([name, bytes]) => {
    writeFileSync(join(folder, name), bytes);
    return join(folder, name);
  });
}

requireData(sharedFile(sharedData));
const sharedFiles = walk(sharedData).filter((p) => isNifti(p) || isNrrd(p));
const fixtureDir = mkdtempSync(join(tmpdir(), 'geometry-reference-'));
const writerFiles = writeWriterOutputs(fixtureDir);

function runReference(files: string[]): Reference[] {
  try {
    const stdout = execFileSync('/usr/bin/python3', [helper, '--make-fixtures', fixtureDir, ...files], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(stdout);
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    throw new Error(
      `reference_geometry.py failed; it needs /usr/bin/python3 with Debian's python3-nibabel\n${stderr}`,
    );
  }
}

const references = runReference([...sharedFiles, ...writerFiles]);

afterAll(() => rmSync(fixtureDir, { recursive: true, force: true }));

function maxAbsDiff(a: number[], b: number[]): number {
  return Math.max(...a.map((v, n) => Math.abs(v - b[n])));
}

function expectValue(actual: number, expected: number | null, where: string): void {
  if (expected === null) {
    expect(Number.isNaN(actual), where).toBe(true);
  } else if (Number.isInteger(expected) && Number.isInteger(actual)) {
    expect(actual, where).toBe(expected);
  } else {
    expect(Math.abs(actual - expected), where).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected)));
  }
}

describe('the shared sample data', () => {
  it('holds the NIfTI and NRRD files these tests are about', () => {
    expect(sharedFiles.filter(isNifti).length).toBeGreaterThanOrEqual(7);
    expect(sharedFiles.filter(isNrrd).length).toBeGreaterThanOrEqual(2);
    expect(references.length).toBe(sharedFiles.length + writerFiles.length + 6);
  });
});

describe.each(
  references.map((r) => [r.path.replace(sharedData, 'shared/data').replace(fixtureDir, 'fixture'), r]),
)('%s', (_, reference) => {
  const ref = reference as Reference;
  let loaded: Volume | undefined;
  const read = () => (loaded ??= load(ref.path).volume);

  it('has the reference dims', () => {
    expect(read().dims).toEqual(ref.dims);
  });

  it('has the reference origin and axes (to 1e-3 mm)', () => {
    const volume = read();
    const column = (n: number) => ref.affineLps.map((row) => row[n]);
    expect(maxAbsDiff(volume.originLps, column(3))).toBeLessThan(TOLERANCE_MM);
    for (let n = 0; n < 3; n++) {
      const step = volume.axesLps[n].map((v) => v * volume.spacingMm[n]);
      expect(maxAbsDiff(step, column(n)), `axis ${n}`).toBeLessThan(TOLERANCE_MM);
    }
  });

  it('has the reference voxel values at sampled indices', () => {
    const volume = read();
    const [d0, d1] = volume.dims;
    for (const { index, value } of ref.samples) {
      const actual = volume.voxels[index[0] + d0 * (index[1] + d1 * index[2])];
      expectValue(actual, value, `voxel ${index.join(',')}`);
    }
  });
});

describe('fixture specifics', () => {
  const byName = (name: string) => load(join(fixtureDir, name));

  it('keeps integral scaling exact in int16 and fractional scaling in float32', () => {
    expect(byName('qform_oblique_be_scaled.nii').volume.voxelType).toBe('int16');
    const fourD = byName('sform_4d_scaled.nii.gz');
    expect(fourD.volume.voxelType).toBe('float32');
    expect(fourD.warnings.join()).toMatch(/2 volumes; showing the first/);
    expect(byName('nifti2_be_float64.nii.gz').volume.voxelType).toBe('float64');
  });

  it('warns about the components it drops', () => {
    expect(byName('vector_las.nrrd').warnings.join()).toMatch(/showing the first component/);
  });

  it('gets the modality back from what the writer stored', () => {
    expect(byName('writer_volume_flipped.nii.gz').volume.modality).toBe('MR');
  });
});
