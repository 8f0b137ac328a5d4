// The model panel's two requests on the main side: a user's model folder is verified (schema and
// sha256) before it is installed, and a refusal says why; picking a model refuses a refused one.
import { cp, mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listModels, ModelRefusedError } from '../../../src/main/services/models/index';
import {
  addUserModel,
  modelsDirs,
  pickModel,
  promptSegmentIdentity,
} from '../../../src/main/services/segmentation/models';
import { SegmentationRefusedError } from '../../../src/main/services/segmentation/errors';
import { requireData } from '../requireData';
import { demoDir, demoModel } from './helpers';

describe('model folders', () => {
  it('looks in CAUSAL_SAM_MODELS_DIR (else models/) and then the user data folder', () => {
    expect(modelsDirs('/app', '/data', {})).toEqual(['/app/models', '/data/models']);
    expect(modelsDirs('/app', '/data', { CAUSAL_SAM_MODELS_DIR: '/x/m' })).toEqual(['/x/m', '/data/models']);
  });

  it('names prompted segments from the catalogue, else keeps the words with the lesion value', () => {
    expect(promptSegmentIdentity()).toMatchObject({ name: 'lesion', value: 200 });
    expect(promptSegmentIdentity('tumour')).toMatchObject({ name: 'lesion', value: 200 });
    expect(promptSegmentIdentity('liver')).toMatchObject({ name: 'liver', value: 5 });
    expect(promptSegmentIdentity('vestibular schwannoma')).toMatchObject({
      name: 'vestibular schwannoma',
      value: 200,
    });
  });
});

describe('adding a user model folder', () => {
  requireData(demoModel);
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'causal-sam-models-'));
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('installs a verified copy under <data>/models/<id>', async () => {
    const added = await addUserModel(demoDir, join(work, 'data'));
    expect(added.dir).toBe(join(work, 'data', 'models', added.manifest.id));
    const listed = await listModels([join(work, 'data', 'models')]);
    expect(listed).toMatchObject([{ id: added.manifest.id, status: 'verified' }]);
    expect(pickModel(listed).manifest.id).toBe(added.manifest.id);
    await expect(addUserModel(demoDir, join(work, 'data'))).rejects.toThrow(/already installed/);
  }, 60_000);

  it('refuses a tampered folder with the reason and copies nothing', async () => {
    const tampered = join(work, 'tampered');
    await cp(demoDir, tampered, { recursive: true });
    const handle = await open(join(tampered, 'encoder.onnx'), 'r+');
    await handle.write(Buffer.from([0x42]), 0, 1, 4096);
    await handle.close();
    const data = join(work, 'data2');
    await expect(addUserModel(tampered, data)).rejects.toBeInstanceOf(ModelRefusedError);
    await expect(addUserModel(tampered, data)).rejects.toThrow(
      /encoder\.onnx: sha256 [0-9a-f]{64} does not match/,
    );
    await expect(readdir(data)).rejects.toThrow(/ENOENT/);
    const listed = await listModels([work]);
    const refused = listed.find((m) => m.id === 'tampered')!;
    expect(refused.status).toBe('refused');
    expect(() => pickModel(listed, 'tampered')).toThrow(SegmentationRefusedError);
    expect(() => pickModel(listed, 'tampered')).toThrow(/model "tampered" is refused: .*sha256/);
    expect(() => pickModel(listed, 'nope')).toThrow(/no model "nope" is installed/);
  }, 60_000);
});
