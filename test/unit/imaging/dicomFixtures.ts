// Shared by the DICOM tests: the shared data's series, file reading, the pydicom reference and the
// Debian converters (dcmtk, GDCM) that make test files in other transfer syntaxes.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import type { InputFile } from '../../../src/main/services/imaging/types';

export const dataRoot = resolve(__dirname, '../../../../shared/data');
export const mrDir = join(dataRoot, 'niivue/vs_seg_001_t1c_dicom');
export const ctDir = join(dataRoot, 'highdicom-pydicom/pydicom_CT2');
export const segDir = join(dataRoot, 'highdicom-pydicom');
/** pydicom's own test files, as Debian's python3-pydicom installs them. */
export const corpusDir = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

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

/**
 * A refusal as the user reads it: one line, naming the file, with no stack trace, no JavaScript
 * internals, no `undefined` and no raw bytes (control characters or U+FFFD).
 */
export function expectReadableRefusal(message: string, file?: string): void {
  const problems: string[] = [];
  if (/[\n\r]/.test(message)) problems.push('more than one line');
  if (/\bat \S+ \(|\bat .*:\d+:\d+|^\s+at /m.test(message)) problems.push('a stack trace');
  if (/\bundefined\b|\bnull\b|\bNaN\b|\[object /.test(message)) problems.push('a JavaScript value');
  if (/TypeError|ReferenceError|RangeError|Cannot read propert|is not a function/.test(message))
    problems.push('a JavaScript error');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/.test(message)) problems.push('raw bytes');
  if (file !== undefined && !message.includes(file)) problems.push(`no mention of ${file}`);
  expect(problems, `refusal "${message}"`).toEqual([]);
}
