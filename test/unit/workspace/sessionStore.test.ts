import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Segmentation } from '../../../src/shared/volume';
import { SessionStore } from '../../../src/main/services/workspace/sessionStore';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'session-store-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function segmentation(): Segmentation {
  const layer0 = new Uint8Array(4 * 3 * 2);
  layer0[5] = 5;
  layer0[6] = 5;
  const layer1 = new Uint16Array(24);
  layer1[23] = 300;
  return {
    dims: [4, 3, 2],
    spacingMm: [0.7, 0.7, 2.5],
    originLps: [-10, 20, 30],
    axesLps: [
      [1, 0, 0],
      [0, 0, -1],
      [0, 1, 0],
    ],
    layers: [layer0, layer1],
    segments: [
      { value: 5, layer: 0, name: 'liver', colorRgb: [221, 130, 101] },
      { value: 300, layer: 1, name: 'lesion', colorRgb: [255, 0, 0] },
    ],
  };
}

describe('session store', () => {
  it('restores exactly what was saved: voxels, layer types, geometry, segments and view', async () => {
    const store = new SessionStore(dataDir);
    const view = { windowWidth: 400, windowLevel: 40, cursor: [1, 2, 1] as [number, number, number] };
    await store.save('1.2.3.4', segmentation(), view, new Date('2026-01-02T03:04:05Z'));
    const restored = (await new SessionStore(dataDir).restore('1.2.3.4'))!;
    expect(restored.savedAt).toBe('2026-01-02T03:04:05.000Z');
    expect(restored.view).toEqual(view);
    const original = segmentation();
    expect(restored.segmentation.layers[0]).toBeInstanceOf(Uint8Array);
    expect(restored.segmentation.layers[1]).toBeInstanceOf(Uint16Array);
    expect([...restored.segmentation.layers[0]]).toEqual([...original.layers[0]]);
    expect([...restored.segmentation.layers[1]]).toEqual([...original.layers[1]]);
    const { layers: _a, ...geometry } = restored.segmentation;
    const { layers: _b, ...expected } = original;
    expect(geometry).toEqual(expected);
  });

  it('keeps one session per study and replaces it on every save, leaving no temporary files', async () => {
    const store = new SessionStore(dataDir);
    const seg = segmentation();
    await store.save('/data/a.nii.gz', seg);
    seg.layers[0][0] = 5;
    await store.save('/data/a.nii.gz', seg);
    await store.save('/data/b.nii.gz', segmentation());
    expect((await readdir(join(dataDir, 'sessions'))).sort()).toHaveLength(2);
    expect((await store.restore('/data/a.nii.gz'))!.segmentation.layers[0][0]).toBe(5);
    expect((await store.restore('/data/b.nii.gz'))!.segmentation.layers[0][0]).toBe(0);
  });

  it('returns null for an unknown study, a damaged file or a file of another key', async () => {
    const store = new SessionStore(dataDir);
    expect(await store.restore('nothing')).toBeNull();
    await store.save('k', segmentation());
    await writeFile(store.fileOf('k'), '{"format":"causal-sam-session","version":1,"key":"k","lay');
    expect(await store.restore('k')).toBeNull();
    await store.save('other', segmentation());
    const { readFile } = await import('node:fs/promises');
    await writeFile(store.fileOf('k'), await readFile(store.fileOf('other')));
    expect(await store.restore('k')).toBeNull();
  });

  it('refuses layers that do not match the grid, and discards sessions', async () => {
    const store = new SessionStore(dataDir);
    const bad = segmentation();
    bad.layers[0] = new Uint8Array(5);
    await expect(store.save('k', bad)).rejects.toThrow(/voxels/);
    await store.save('k', segmentation());
    expect(await store.discard('k')).toBe(true);
    expect(await store.restore('k')).toBeNull();
    expect(await store.discard('k')).toBe(false);
  });

  it('says back what the saved version was, and survives many saves started at once', async () => {
    const store = new SessionStore(dataDir);
    const at = new Date('2026-01-02T03:04:05Z');
    // Same key, same millisecond: temporary names must not collide (a pid + time name did).
    await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        store.save('k', segmentation(), undefined, at, `Brush · liver · +${n} voxels`),
      ),
    );
    const restored = (await store.restore('k'))!;
    expect(restored.label).toMatch(/^Brush · liver · \+\d+ voxels$/);
    expect((await readdir(join(dataDir, 'sessions'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
