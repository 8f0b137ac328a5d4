// A DICOM series opened from disk reads each file's header first and its pixels only when they are
// decoded: the same voxels as files read whole, and the same refusals.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDicomFiles } from '../../../src/main/services/imaging/dicom/index';
import { parseDicom } from '../../../src/main/services/imaging/dicom/parse';
import { loadPaths } from '../../../src/main/services/imaging/load';
import { requireData, sharedFile } from '../requireData';
import { mrDir, readFolder } from './dicomFixtures';

/** Whether two voxel arrays hold the same bytes (a deep equal of millions of elements takes minutes). */
const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

let work: string;
let names: string[];

beforeAll(async () => {
  requireData(sharedFile(mrDir));
  work = await mkdtemp(join(tmpdir(), 'dicom-head-first-'));
  names = (await readdir(mrDir)).filter((n) => n.endsWith('.dcm')).sort();
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('a DICOM file read header first', () => {
  it('is parsed from its first 64 KiB, its pixels left in the file until asked for', async () => {
    const path = join(mrDir, names[0]);
    const whole = new Uint8Array(readFileSync(path));
    const head = whole.slice(0, 64 * 1024);
    const parsed = parseDicom({
      path,
      bytes: head,
      unread: { size: whole.length, read: async (offset, length) => whole.slice(offset, offset + length) },
    });
    expect(parsed.dataset.PixelData).toBeUndefined();
    const pixels = await parsed.pixelsInFile!.read();
    expect(pixels.length).toBe(512 * 512 * 2);
    expect(sameBytes(pixels, whole.subarray(whole.length - pixels.length))).toBe(true);
    expect(parsed.dataset.Rows).toBe(parseDicom({ path, bytes: whole }).dataset.Rows);
  });

  it('gives the voxels of the series read whole', async () => {
    const fromDisk = await loadPaths([mrDir]);
    const inMemory = await loadDicomFiles(readFolder(mrDir));
    expect(fromDisk.errors).toEqual([]);
    expect(fromDisk.series[0].volume.dims).toEqual(inMemory.series[0].volume.dims);
    expect(fromDisk.series[0].volume.voxelType).toBe(inMemory.series[0].volume.voxelType);
    expect(sameBytes(fromDisk.series[0].volume.voxels, inMemory.series[0].volume.voxels)).toBe(true);
  });

  it('is read whole where an element follows its pixels, and refused as before when cut short', async () => {
    const folder = join(work, 'odd');
    await rm(folder, { recursive: true, force: true });
    await mkdir(folder);
    // Implicit VR: (FFFC,FFFC) Data Set Trailing Padding, 4 bytes long, after the pixels.
    const padding = new Uint8Array([0xfc, 0xff, 0xfc, 0xff, 4, 0, 0, 0, 0, 0, 0, 0]);
    const [first, second, third] = names.map((n) => new Uint8Array(readFileSync(join(mrDir, n))));
    await writeFile(join(folder, 'a.dcm'), new Uint8Array([...first, ...padding]));
    await writeFile(join(folder, 'b.dcm'), second);
    await writeFile(join(folder, 'c.dcm'), third.subarray(0, third.length - 1000));
    const { series, errors } = await loadPaths([folder]);
    expect(errors).toHaveLength(1);
    expect(errors[0].file).toBe(join(folder, 'c.dcm'));
    expect(errors[0].message).toMatch(/is truncated: its pixel data has \d+ of 524288 bytes/);
    const reference = await loadDicomFiles(readFolder(mrDir).slice(0, 2));
    expect(sameBytes(series[0].volume.voxels, reference.series[0].volume.voxels)).toBe(true);
  });
});
