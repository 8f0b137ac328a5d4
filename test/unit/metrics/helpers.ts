// Shared by the metrics tests: a seeded random source, the Python reference and label-map I/O.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Vec3 } from '../../../src/shared/volume';
import { readNifti } from '../../../src/main/services/imaging/nifti';

/** Only this interpreter sees Debian's python3-numpy, -scipy and -nibabel. */
export const PYTHON = '/usr/bin/python3';
export const REFERENCE_SCRIPT = join(import.meta.dirname, 'reference_metrics.py');
export const SHARED_DATA = join(import.meta.dirname, '../../../../shared/data/totalsegmentator');

/** Runs reference_metrics.py and returns its stdout; its stderr is shown when it fails. */
export function runReference(args: string[]): string {
  const result = spawnSync(PYTHON, [REFERENCE_SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) {
    throw new Error(`reference_metrics.py ${args[0]} failed (${result.status}):\n${result.stderr}`);
  }
  return result.stdout;
}

/** mulberry32: a small seeded generator, so a failing random case can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function writeBytes(path: string, array: Uint8Array | Uint16Array | Float64Array): void {
  writeFileSync(path, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
}

export function readFloat64(path: string): Float64Array {
  const bytes = readFileSync(path);
  // Copy into a fresh buffer: Buffer's pool offset need not be 8-byte aligned.
  return new Float64Array(new Uint8Array(bytes).buffer);
}

export interface LabelMapFile {
  dims: Vec3;
  spacingMm: Vec3;
  labels: Uint8Array;
}

/** A uint8 label map from a NIfTI file, through the imaging service's reader. */
export function readLabelMap(path: string): LabelMapFile {
  const { volume } = readNifti({ path, bytes: new Uint8Array(readFileSync(path)) });
  if (!(volume.voxels instanceof Uint8Array)) throw new Error(`${path} is ${volume.voxelType}, not uint8`);
  return { dims: volume.dims, spacingMm: volume.spacingMm, labels: volume.voxels };
}

/** Ellipsoid blobs of labels 1..count at random places and sizes; later blobs overwrite earlier ones. */
export function randomBlobs(dims: Vec3, count: number, random: () => number): Uint16Array {
  const [nx, ny, nz] = dims;
  const out = new Uint16Array(nx * ny * nz);
  for (let label = 1; label <= count; label++) {
    const centre = dims.map((d) => random() * d);
    const radius = dims.map((d) => 1 + random() * d * 0.3);
    for (let k = 0, idx = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++, idx++) {
          const r2 =
            ((i - centre[0]) / radius[0]) ** 2 +
            ((j - centre[1]) / radius[1]) ** 2 +
            ((k - centre[2]) / radius[2]) ** 2;
          if (r2 <= 1) out[idx] = label;
        }
      }
    }
  }
  return out;
}
