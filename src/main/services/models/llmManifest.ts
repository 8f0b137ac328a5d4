// An installed command LLM is data, like a segmentation model: models/llm/<id>/manifest.json names
// its GGUF file with size and sha256, and nothing is loaded unless the file matches.
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ModelRefusedError, kindMismatch, manifestChangelogSchema, verifyManifestFiles } from './manifestFiles';

export const llmManifestSchema = z.object({
  schemaVersion: z.literal(1),
  /** Absent in manifests written before kinds were named. */
  kind: z.literal('llm').optional(),
  changelog: manifestChangelogSchema.optional(),
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  name: z.string().min(1),
  file: z.object({
    /** Relative to the manifest's folder; the file must stay inside it. */
    path: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().positive(),
  }),
  /** SPDX id of the weights' licence. */
  licence: z.string().min(1),
  /** Tokens of context to allocate; the model's training context if absent (capped at 4096). */
  contextSize: z.number().int().positive().optional(),
  description: z.string().optional(),
});
export type LlmManifest = z.infer<typeof llmManifestSchema>;

/** Why no LLM can be used; the message is shown to the user as the fallback reason. */
export class LlmUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LlmUnavailableError';
  }
}

export interface VerifiedLlm {
  manifest: LlmManifest;
  manifestPath: string;
  modelPath: string;
}


/** Reads and checks a manifest and its model file; throws LlmUnavailableError saying what is wrong. */
export async function verifyLlmManifest(manifestPath: string): Promise<VerifiedLlm> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (error) {
    throw new LlmUnavailableError(`cannot read LLM manifest ${manifestPath}: ${(error as Error).message}`);
  }
  const wrongKind = kindMismatch(raw, 'llm');
  if (wrongKind) throw new LlmUnavailableError(`LLM manifest ${manifestPath} ${wrongKind}`);
  const parsed = llmManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LlmUnavailableError(
      `LLM manifest ${manifestPath} is invalid: ${issue.path.join('.')}: ${issue.message}`,
    );
  }
  const manifest = parsed.data;
  let modelPath: string;
  try {
    ({ model: modelPath } = await verifyManifestFiles(
      dirname(resolve(manifestPath)),
      { model: manifest.file },
      manifestPath,
    ));
  } catch (error) {
    if (!(error instanceof ModelRefusedError)) throw error;
    throw new LlmUnavailableError(`LLM ${error.message}; not loading it`);
  }
  return { manifest, manifestPath: resolve(manifestPath), modelPath };
}

/** Manifests under <modelsDir>/llm/<id>/manifest.json, sorted by id; none when the folder is absent. */
export async function findLlmManifests(modelsDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(modelsDir, 'llm'), { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(modelsDir, 'llm', entry.name, 'manifest.json');
    try {
      await stat(path);
      found.push(path);
    } catch {
      // A folder without a manifest is not an installed model.
    }
  }
  return found;
}

/** The LLM the app uses: the first manifest found across the models folders, in their order. */
export async function installedLlmManifest(modelsDirs: string[]): Promise<string | undefined> {
  for (const dir of modelsDirs) {
    const [first] = await findLlmManifests(dir);
    if (first) return first;
  }
  return undefined;
}
