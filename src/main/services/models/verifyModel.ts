// A model is data the app must not trust blindly: its manifest must match the schema shared with
// training/export.py, and every file it names must have the size and sha256 the manifest gives.
import { ServiceError } from '../../../shared/serviceError';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import schema from '../../../../models/manifest.schema.json';
import type { ModelManifest } from '../../../shared/modelManifest';

/** The model folder (or one of its files) is unusable; the message says which file and why. */
export class ModelRefusedError extends ServiceError {
  declare readonly file: string;
  constructor(file: string, problem: string) {
    super('bad-input', `${file}: ${problem}`, { file });
    this.name = 'ModelRefusedError';
  }
}

const validate = new Ajv2020({ allErrors: true, strict: false }).compile<ModelManifest>(schema);

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Hashes already taken in this process, keyed by path, size and mtime. */
const hashed = new Map<string, string>();

/**
 * sha256 of a file that has this size and mtime: read once per process, not on every run that
 * checks the model (a segmentation, a prompt and each correction verify the model they use).
 * A file rewritten in place gets a new mtime and is read again.
 */
export async function sha256Checked(path: string, info: { size: number; mtimeMs: number }): Promise<string> {
  const key = `${path}:${info.size}:${info.mtimeMs}`;
  let digest = hashed.get(key);
  if (!digest) {
    digest = await sha256OfFile(path);
    hashed.set(key, digest);
  }
  return digest;
}

/** A path from a manifest, resolved inside the model's folder; one that escapes it is refused. */
function fileInside(dir: string, relative: string, manifestPath: string): string {
  const full = normalize(join(dir, relative));
  if (isAbsolute(relative) || !full.startsWith(normalize(dir) + sep)) {
    throw new ModelRefusedError(manifestPath, `file path "${relative}" points outside the model folder`);
  }
  return full;
}

/** Reads and validates `<dir>/manifest.json`, then checks each model file's size and sha256. */
export async function verifyModel(dir: string): Promise<ModelManifest> {
  const manifestPath = join(dir, 'manifest.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (error as Error).message;
    throw new ModelRefusedError(manifestPath, `cannot be read as JSON (${reason})`);
  }
  if (!validate(json)) {
    const first = validate.errors?.[0];
    throw new ModelRefusedError(
      manifestPath,
      `does not match the model manifest schema: ${first?.instancePath || '(root)'} ${first?.message ?? ''}`.trim(),
    );
  }
  const manifest = json;
  for (const [role, file] of Object.entries(manifest.files)) {
    const path = fileInside(dir, file.path, manifestPath);
    let info: { size: number; mtimeMs: number };
    try {
      info = await stat(path);
    } catch {
      throw new ModelRefusedError(path, `the ${role} file named by the manifest is missing`);
    }
    if (info.size !== file.bytes) {
      throw new ModelRefusedError(path, `is ${info.size} bytes; the manifest says ${file.bytes} (incomplete copy?)`);
    }
    const actual = await sha256Checked(path, info);
    if (actual !== file.sha256) {
      throw new ModelRefusedError(path, `sha256 ${actual} does not match the manifest's ${file.sha256}`);
    }
  }
  return manifest;
}
