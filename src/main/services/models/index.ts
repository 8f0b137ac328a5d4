import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelManifest } from '../../../shared/modelManifest';
import { ModelRefusedError, verifyModel } from './verifyModel';

export { ModelRefusedError, sha256Checked, sha256OfFile, verifyManifestFiles } from './manifestFiles';
export { kindMismatch, manifestChangelogSchema, modelFolderOfKind } from './manifestFiles';
export type { ManifestFile, ModelKind } from './manifestFiles';
export { verifyModel } from './verifyModel';
export {
  LlmUnavailableError,
  findLlmManifests,
  installedLlmManifest,
  llmManifestSchema,
  verifyLlmManifest,
  type LlmManifest,
  type VerifiedLlm,
} from './llmManifest';
export {
  speechManifestSchema,
  verifySpeechManifest,
  type SpeechManifest,
  type VerifiedSpeechModel,
} from './speechManifest';

export type InstalledModel =
  | { id: string; dir: string; status: 'verified'; manifest: ModelManifest }
  | { id: string; dir: string; status: 'refused'; reason: string };

/** Every model folder under `modelsDirs` (shipped and the user's), each verified or refused with its reason. */
export async function listModels(modelsDirs: string[]): Promise<InstalledModel[]> {
  const found: InstalledModel[] = [];
  for (const root of modelsDirs) {
    let names: string[];
    try {
      names = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      continue; // a user's models folder that does not exist yet holds no models
    }
    // models/llm holds language models, which have manifests of their own (the intervention area's).
    for (const name of names.filter((n) => n !== 'llm').sort()) {
      const dir = join(root, name);
      try {
        found.push({ id: name, dir, status: 'verified', manifest: await verifyModel(dir) });
      } catch (error) {
        if (!(error instanceof ModelRefusedError)) throw error;
        found.push({ id: name, dir, status: 'refused', reason: error.message });
      }
    }
  }
  return found;
}
