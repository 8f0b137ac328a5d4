// A model is data the app must not trust blindly: its manifest must match the schema shared with
// training/export.py, and every file it names must have the size and sha256 the manifest gives.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import schema from '../../../../models/manifest.schema.json';
import type { ModelManifest } from '../../../shared/modelManifest';
import { ModelRefusedError, kindMismatch, verifyManifestFiles } from './manifestFiles';

export { ModelRefusedError, sha256Checked, sha256OfFile } from './manifestFiles';

const validate = new Ajv2020({ allErrors: true, strict: false }).compile<ModelManifest>(schema);

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
  const wrongKind = kindMismatch(json, 'segmentation');
  if (wrongKind) throw new ModelRefusedError(manifestPath, wrongKind);
  if (!validate(json)) {
    const first = validate.errors?.[0];
    throw new ModelRefusedError(
      manifestPath,
      `does not match the model manifest schema: ${first?.instancePath || '(root)'} ${first?.message ?? ''}`.trim(),
    );
  }
  await verifyManifestFiles(dir, json.files, manifestPath);
  return json;
}
