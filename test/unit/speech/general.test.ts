import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GeneralSpeechEngine,
  PocketSphinxEngine,
  SpeechUnavailableError,
  chooseEngine,
  pcmToWav,
} from '../../../src/main/services/speech/index';

const dir = mkdtempSync(join(tmpdir(), 'speech-general-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const installed = () => '/opt/node_modules/sherpa-onnx-node/index.js';
const absent = (name: string): string => {
  throw new Error(`Cannot find module '${name}'`);
};

/**
 * A model folder whose files are placeholders; `corrupt` changes one after hashing. `kinds` is how
 * the manifest names what it is: as every model does (kind "speech", family), as manifests did before
 * kinds were named (the family in `kind`), or wrongly (an LLM's kind).
 */
function modelFolder(
  root: string,
  id: string,
  corrupt = false,
  kinds: Record<string, string> = { kind: 'speech', family: 'transducer' },
) {
  const folder = join(root, 'speech', id);
  mkdirSync(folder, { recursive: true });
  const files: Record<string, { path: string; sha256: string; bytes: number }> = {};
  for (const role of ['encoder', 'decoder', 'joiner', 'tokens']) {
    const bytes = Buffer.from(`${role} weights`);
    writeFileSync(join(folder, `${role}.bin`), bytes);
    files[role] = {
      path: `${role}.bin`,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
    };
  }
  if (corrupt) writeFileSync(join(folder, 'decoder.bin'), Buffer.from('decoder weightz'));
  const manifest = {
    schemaVersion: 1,
    id,
    name: id,
    engine: 'sherpa-onnx',
    ...kinds,
    files,
    language: 'en',
    licence: 'Apache-2.0',
  };
  writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest));
}

describe('the general engine (sherpa-onnx-node, not shipped)', () => {
  it('says what to install when the package is missing, naming the user models folder', async () => {
    const engine = new GeneralSpeechEngine({
      modelsDirs: [join(dir, 'app'), join(dir, 'user')],
      resolvePackage: absent,
    });
    const availability = await engine.available();
    expect(availability.ok).toBe(false);
    if (availability.ok) return;
    expect(availability.install).toContain('npm install sherpa-onnx-node');
    expect(availability.install).toContain(join(dir, 'user', 'speech', '<id>'));
    expect(availability.install).toContain('sha256');
    await expect(engine.transcribe(pcmToWav(new Int16Array(1600)))).rejects.toBeInstanceOf(
      SpeechUnavailableError,
    );
  });

  it('is really not installed in this checkout (the default lookup)', async () => {
    const availability = await new GeneralSpeechEngine({ modelsDirs: [dir] }).available();
    expect(availability.ok).toBe(false);
  });

  it('with the package but no model, asks for a model', async () => {
    const engine = new GeneralSpeechEngine({ modelsDirs: [join(dir, 'empty')], resolvePackage: installed });
    const availability = await engine.available();
    expect(availability).toMatchObject({
      ok: false,
      install: expect.stringContaining('needs a speech model'),
    });
  });

  it('refuses a model whose file does not match its manifest, and accepts one that does', async () => {
    const bad = join(dir, 'bad');
    modelFolder(bad, 'zipformer-en', true);
    const refused = await new GeneralSpeechEngine({
      modelsDirs: [bad],
      resolvePackage: installed,
    }).available();
    expect(refused).toMatchObject({
      ok: false,
      install: expect.stringMatching(/decoder\.bin.*does not match its manifest/),
    });
    const good = join(dir, 'good');
    modelFolder(good, 'zipformer-en');
    expect(
      await new GeneralSpeechEngine({ modelsDirs: [good], resolvePackage: installed }).available(),
    ).toEqual({ ok: true });
  });

  it('reads a manifest that says its family in `kind` (written before kinds), refuses another kind', async () => {
    const legacy = join(dir, 'legacy');
    modelFolder(legacy, 'whisper-en', false, { kind: 'whisper' });
    expect(
      await new GeneralSpeechEngine({ modelsDirs: [legacy], resolvePackage: installed }).available(),
    ).toEqual({ ok: true });
    const wrong = join(dir, 'wrong');
    modelFolder(wrong, 'qwen', false, { kind: 'llm', family: 'whisper' });
    expect(
      await new GeneralSpeechEngine({ modelsDirs: [wrong], resolvePackage: installed }).available(),
    ).toMatchObject({ ok: false, install: expect.stringContaining('install it under models/llm/<id>/') });
  });

  it('chooseEngine names every engine and what to install when none can run', async () => {
    const engines = [
      new PocketSphinxEngine({ binary: 'no-such-pocketsphinx' }),
      new GeneralSpeechEngine({ modelsDirs: [dir], resolvePackage: absent }),
    ];
    await expect(chooseEngine(engines)).rejects.toThrow(
      /pocketsphinx: PocketSphinx is not installed.*apt-get install pocketsphinx pocketsphinx-en-us[\s\S]*sherpa-onnx: General speech recognition/,
    );
    await expect(chooseEngine(engines, 'whisper')).rejects.toThrow(/no speech engine "whisper"/);
  });
});
