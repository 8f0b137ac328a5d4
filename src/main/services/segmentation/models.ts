// Model folders for segmentation: where they are looked for, which one a run uses, and a user's
// folder verified and installed (no worker import here, so tests can import it).
import { cp, mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fallbackColor, structureByName } from '../../../shared/anatomy';
import { ModelRefusedError, verifyModel, type InstalledModel } from '../models/index';
import { SegmentationRefusedError } from './errors';
import type { ModelRef } from './jobs';

/** The model the app uses when none is named. */
export const DEFAULT_MODEL_ID = 'causal-sam-demo';

/** Where models are looked for: the shipped folder (or CAUSAL_SAM_MODELS_DIR), then the user's. */
export function modelsDirs(appRoot: string, dataDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    env.CAUSAL_SAM_MODELS_DIR ? resolve(env.CAUSAL_SAM_MODELS_DIR) : join(appRoot, 'models'),
    join(dataDir, 'models'),
  ];
}

/** A listed model with the execution provider this machine would run it on. */
export type ModelEntry = InstalledModel & { provider: string };

/** Picks a verified model by id (default: the demo, else the first verified); refuses with the reason. */
export function pickModel(models: InstalledModel[], id?: string): ModelRef {
  const wanted = id ?? (models.some((m) => m.id === DEFAULT_MODEL_ID) ? DEFAULT_MODEL_ID : undefined);
  const model = wanted ? models.find((m) => m.id === wanted) : models.find((m) => m.status === 'verified');
  if (!model) {
    const known =
      models.map((m) => (m.status === 'refused' ? `${m.id} (refused: ${m.reason})` : m.id)).join(', ') ||
      'none';
    throw new SegmentationRefusedError(
      wanted
        ? `no model "${wanted}" is installed (installed: ${known})`
        : `no verified segmentation model is installed (found: ${known})`,
    );
  }
  if (model.status === 'refused')
    throw new SegmentationRefusedError(`model "${model.id}" is refused: ${model.reason}`);
  return { dir: model.dir, manifest: model.manifest };
}

/**
 * Verifies a user's model folder (schema and sha256) and copies it under `<dataDir>/models/<id>`;
 * a folder that fails is refused with the reason and nothing is copied.
 */
export async function addUserModel(path: string, dataDir: string): Promise<ModelRef> {
  const source = resolve(path);
  const manifest = await verifyModel(source);
  const target = join(dataDir, 'models', manifest.id);
  if (resolve(target) === source) return { dir: target, manifest };
  try {
    await stat(target);
    throw new ModelRefusedError(
      target,
      `a model with id "${manifest.id}" is already installed here; remove it first`,
    );
  } catch (error) {
    if (error instanceof ModelRefusedError) throw error;
  }
  await mkdir(join(dataDir, 'models'), { recursive: true });
  await cp(source, target, { recursive: true });
  try {
    // The copy is what will run: check it too (a full disk truncates silently).
    return { dir: target, manifest: await verifyModel(target) };
  } catch (error) {
    await rm(target, { recursive: true, force: true });
    throw error;
  }
}

/** Catalogue value and colour for a prompted segment's name ('lesion' unless told). */
export function promptSegmentIdentity(name = 'lesion'): {
  name: string;
  value: number;
  colorRgb: [number, number, number];
} {
  const known = structureByName(name);
  if (known) return { name: known.name, value: known.id, colorRgb: [...known.colorRgb] };
  const lesion = structureByName('lesion')!;
  // A name the catalogue lacks keeps the user's words and the lesion's value.
  return { name, value: lesion.id, colorRgb: fallbackColor(lesion.id) };
}
