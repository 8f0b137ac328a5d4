// The shipped demo model verifies; any copy that differs from its manifest is refused with the file
// and the reason, so a damaged or swapped model never runs.
import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listModels, verifyModel } from '../../../src/main/services/models/index';

const shipped = join(process.cwd(), 'models', 'causal-sam-demo');
const temps: string[] = [];

function copyOfShipped(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'model-')), 'causal-sam-demo');
  temps.push(dir);
  cpSync(shipped, dir, { recursive: true });
  return dir;
}

function editManifest(dir: string, edit: (m: Record<string, unknown>) => void): void {
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  edit(manifest);
  writeFileSync(path, JSON.stringify(manifest));
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(join(dir, '..'), { recursive: true, force: true });
});

describe('model verification', () => {
  it('accepts the shipped demo model and reads its classes and intended use', async () => {
    const manifest = await verifyModel(shipped);
    expect(manifest.id).toBe('causal-sam-demo');
    expect(manifest.intendedUse).toMatch(/not for clinical use/i);
    expect(manifest.classes.map((c) => c.name)).toEqual(expect.arrayContaining(['liver', 'spleen']));
  });

  it('refuses a model file whose bytes changed, naming the file', async () => {
    const dir = copyOfShipped();
    const decoder = join(dir, (await verifyModel(shipped)).files.decoder.path);
    const bytes = readFileSync(decoder);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(decoder, bytes);
    await expect(verifyModel(dir)).rejects.toThrow(/decoder\.onnx: sha256 [0-9a-f]{64} does not match/);
  });

  it('still refuses a file changed in place after the copy was verified once (hashes are cached)', async () => {
    const dir = copyOfShipped();
    const manifest = await verifyModel(dir);
    const decoder = join(dir, manifest.files.decoder.path);
    const bytes = readFileSync(decoder);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(decoder, bytes);
    utimesSync(decoder, new Date(), new Date(Date.now() + 5_000));
    await expect(verifyModel(dir)).rejects.toThrow(/decoder\.onnx: sha256 [0-9a-f]{64} does not match/);
  });

  it('refuses a truncated copy by its size before hashing it', async () => {
    const dir = copyOfShipped();
    const encoder = join(dir, (await verifyModel(shipped)).files.encoder.path);
    writeFileSync(encoder, readFileSync(encoder).subarray(0, 1000));
    await expect(verifyModel(dir)).rejects.toThrow(/is 1000 bytes; the manifest says \d+/);
  });

  it('refuses a manifest that breaks the schema or points outside its folder', async () => {
    const dir = copyOfShipped();
    editManifest(dir, (m) => delete m.intendedUse);
    await expect(verifyModel(dir)).rejects.toThrow(/manifest\.json: does not match the model manifest schema/);
    const other = copyOfShipped();
    editManifest(other, (m) => ((m.files as { encoder: { path: string } }).encoder.path = '../../etc/passwd'));
    await expect(verifyModel(other)).rejects.toThrow(/points outside the model folder/);
  });

  it('reads a kind and a changelog, and refuses another kind of manifest saying where it belongs', async () => {
    const dir = copyOfShipped();
    const changelog = [{ version: '0.1.0', date: '2026-11-28', changes: ['first export'] }];
    editManifest(dir, (m) => Object.assign(m, { kind: 'segmentation', changelog }));
    expect(await verifyModel(dir)).toMatchObject({ kind: 'segmentation', changelog });
    editManifest(dir, (m) => (m.kind = 'llm'));
    await expect(verifyModel(dir)).rejects.toThrow(
      /manifest\.json: is the manifest of an llm model, not a segmentation model: install it under models\/llm\/<id>\//,
    );
    editManifest(dir, (m) => (m.kind = 'segmentation'));
    editManifest(dir, (m) => (m.changelog = [{ version: '0.1.0', changes: [] }]));
    await expect(verifyModel(dir)).rejects.toThrow(/does not match the model manifest schema: \/changelog/);
  });

  it('lists a user folder with one good and one broken model, each with its status', async () => {
    const good = copyOfShipped();
    const root = join(good, '..');
    const broken = join(root, 'broken-model');
    cpSync(good, broken, { recursive: true });
    writeFileSync(join(broken, 'manifest.json'), '{ not json');
    const models = await listModels([root, join(root, 'does-not-exist')]);
    expect(models.map((m) => [m.id, m.status])).toEqual([
      ['broken-model', 'refused'],
      ['causal-sam-demo', 'verified'],
    ]);
  });
});
