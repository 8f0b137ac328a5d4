import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecentStudies } from '../../../src/main/services/workspace/recentStudies';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'recent-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('recent studies', () => {
  it('lists a study once however its path was typed, with the absolute path, newest first', async () => {
    const recent = new RecentStudies(dataDir);
    const absolute = resolve('resources/sample/example_ct.nii.gz');
    await recent.remember([relative(process.cwd(), absolute)]);
    await recent.remember(['/data/mr']);
    await recent.remember([absolute]);
    const items = await recent.list();
    expect(items.map((i) => i.paths)).toEqual([[absolute], ['/data/mr']]);
    expect(items[0].label).toBe('example_ct.nii.gz');
  });

  it('keeps the list whole when several opens are remembered at once', async () => {
    const recent = new RecentStudies(dataDir);
    await Promise.all(Array.from({ length: 8 }, (_, n) => recent.remember([`/data/study-${n}`])));
    expect((await recent.list()).length).toBeGreaterThan(0);
    expect((await readdir(dataDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
