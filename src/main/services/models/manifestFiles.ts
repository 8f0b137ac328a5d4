// One verifier for the files any model manifest names — a segmentation model's ONNX files, a
// command LLM's GGUF, a speech model's encoder/decoder — and one hashing path: each file must lie
// in the manifest's folder and have the size and sha256 the manifest gives, hashed once per process
// while its size and mtime stay the same.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { z } from 'zod';
import { ServiceError } from '../../../shared/serviceError';

/** The model folder (or one of its files) is unusable; the message says which file and why. */
export class ModelRefusedError extends ServiceError {
  declare readonly file: string;
  constructor(file: string, problem: string) {
    super('bad-input', `${file}: ${problem}`, { file });
    this.name = 'ModelRefusedError';
  }
}

/** The kinds of model the app installs, each under its own folder of a models directory. */
export type ModelKind = 'segmentation' | 'llm' | 'speech';
export const modelFolderOfKind: Record<ModelKind, string> = {
  segmentation: 'models/<id>/',
  llm: 'models/llm/<id>/',
  speech: 'models/speech/<id>/',
};

/** A manifest's changelog (every kind has the same): what changed in each version, newest first. */
export const manifestChangelogSchema = z.array(
  z.object({
    version: z.string().min(1),
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
    changes: z.array(z.string().min(1)).min(1),
  }),
);

/**
 * A manifest that names another kind than the folder it was found in is refused with where it
 * belongs (an LLM's manifest copied into models/<id>/, say); one that names none is taken as the
 * folder's kind (manifests written before kinds were named).
 */
export function kindMismatch(json: unknown, expected: ModelKind): string | null {
  const kind = (json as { kind?: unknown } | null)?.kind;
  if (kind === undefined || kind === expected) return null;
  const known = typeof kind === 'string' && kind in modelFolderOfKind;
  return known
    ? `is the manifest of a${kind === 'llm' ? 'n' : ''} ${kind} model, not a${expected === 'llm' ? 'n' : ''} ${expected} model: install it under ${modelFolderOfKind[kind as ModelKind]}`
    : `names an unknown model kind ${JSON.stringify(kind)} (one of: ${Object.keys(modelFolderOfKind).join(', ')})`;
}

/** A file entry of a manifest: relative to the manifest's folder. */
export interface ManifestFile {
  path: string;
  sha256: string;
  bytes: number;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Hashes already taken in this process, keyed by path, size and mtime. */
const hashed = new Map<string, string>();

/**
 * sha256 of a file that has this size and mtime: read once per process, not on every run that
 * checks the model (a segmentation, a prompt and each correction verify the model they use; a 4 GB
 * LLM is not read on every load). A file rewritten in place gets a new mtime and is read again.
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

/** A path from a manifest, resolved inside the manifest's folder; one that escapes it is refused. */
function fileInside(folder: string, relative: string, manifestPath: string): string {
  const full = normalize(join(folder, relative));
  if (isAbsolute(relative) || !full.startsWith(normalize(folder) + sep)) {
    throw new ModelRefusedError(manifestPath, `file path "${relative}" points outside the model folder: it must lie in the manifest's folder`);
  }
  return full;
}

/**
 * Checks every file `files` names (by role) against its size and sha256; answers the full path of
 * each by role. Throws ModelRefusedError naming the first file that does not match and why.
 */
export async function verifyManifestFiles<Role extends string>(
  folder: string,
  files: Partial<Record<Role, ManifestFile>>,
  manifestPath: string,
): Promise<Record<Role, string>> {
  const paths = {} as Record<Role, string>;
  for (const [role, file] of Object.entries(files) as [Role, ManifestFile | undefined][]) {
    if (!file) continue;
    const path = fileInside(folder, file.path, manifestPath);
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
      throw new ModelRefusedError(path, `sha256 ${actual} does not match its manifest (sha256 ${file.sha256})`);
    }
    paths[role] = path;
  }
  return paths;
}
