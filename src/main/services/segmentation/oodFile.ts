// Reads a model's out-of-distribution statistics (manifest files.ood), which verifyModel has
// already checked against the manifest's sha256. A model without them runs without a score.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelManifest } from '../../../shared/modelManifest';
import { ModelRefusedError } from '../models';
import { parseOodStats, type OodStats } from './ood';

export async function readOodStats(dir: string, manifest: ModelManifest): Promise<OodStats | null> {
  const entry = manifest.files.ood;
  if (!entry) return null;
  const path = join(dir, entry.path);
  try {
    return parseOodStats(JSON.parse(await readFile(path, 'utf8')));
  } catch (error) {
    throw new ModelRefusedError(path, (error as Error).message);
  }
}
