// Shared by the DICOM tests: the shared data's series, file reading, the pydicom reference and the
// Debian converters (dcmtk, GDCM) that make test files in other transfer syntaxes.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { InputFile } from '../../../src/main/services/imaging/types';

export const dataRoot = resolve(__dirname, '../../../../shared/data');
export const mrDir = join(dataRoot, 'niivue/vs_seg_001_t1c_dicom');
export const ctDir = join(dataRoot, 'highdicom-pydicom/pydicom_CT2');
export const segDir = join(dataRoot, 'highdicom-pydicom');

export function readInput(path: string): InputFile {
  return { path, bytes: new Uint8Array(readFileSync(path)) };
}

export function readFolder(folder: string): InputFile[] {
  return readdirSync(folder)
    .filter((name) => !name.startsWith('.'))
    .sort()
    .map((name) => readInput(join(folder, name)));
}

/** Runs reference_dicom.py with Debian's python3, the interpreter that has python3-pydicom. */
export function pydicomReference<T>(...args: string[]): T {
  const script = resolve(__dirname, 'reference_dicom.py');
  const out = execFileSync('/usr/bin/python3', [script, ...args], { maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(out.toString()) as T;
}

/** Runs a converter (dcmtk, GDCM); a failure fails the test with the converter's stderr. */
export function convert(tool: string, args: string[]): void {
  execFileSync(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The converters come from scripts/install-system-packages.sh: a missing one fails loudly, never skips. */
export function requireTools(tools: string[]): void {
  const missing = tools.filter((tool) => {
    try {
      execFileSync('which', [tool], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(`missing ${missing.join(', ')}: run scripts/install-system-packages.sh`);
  }
}
