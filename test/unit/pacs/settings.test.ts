// PACS settings: nodes in pacs-nodes.json without secrets, secrets in a user-only file (or sealed by
// a cipher, as Electron's safeStorage does), and the contract's validation of node settings.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EncryptedFileSecretStore,
  FileSecretStore,
  PacsSettingsStore,
} from '../../../src/main/services/pacs/index';
import { requestSchemas } from '../../../src/shared/api';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'causal-sam-pacs-settings-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const web = {
  name: 'archive',
  kind: 'dicomweb' as const,
  url: 'http://pacs.local:8042/dicom-web',
  auth: 'basic' as const,
  username: 'reader',
};

describe('PACS settings', () => {
  it('keeps nodes without their secrets, and secrets in a file only the user can read', async () => {
    const secretsPath = join(dir, 'pacs-secrets.json');
    const store = new PacsSettingsStore(dir, new FileSecretStore(secretsPath));
    const listed = await store.save(web, 'hunter2-secret');
    expect(listed.nodes).toEqual([{ ...web, hasSecret: true }]);
    expect(listed.localAet).toBe('CAUSALSAM');
    const nodesFile = await readFile(join(dir, 'pacs-nodes.json'), 'utf8');
    expect(nodesFile).toContain('pacs.local');
    expect(nodesFile).not.toContain('hunter2');
    expect((await stat(secretsPath)).mode & 0o777).toBe(0o600);
    expect((await store.node('archive')).secret).toBe('hunter2-secret');

    // Saving without a secret keeps it; an empty one forgets it.
    await store.save({ ...web, username: 'other' });
    expect((await store.node('archive')).secret).toBe('hunter2-secret');
    expect((await store.save(web, '')).nodes[0].hasSecret).toBe(false);

    await store.save({
      name: 'modality',
      kind: 'dimse',
      aet: 'ORTHANC',
      host: '10.0.0.2',
      port: 104,
      retrieve: 'move',
    });
    await store.setLocal('READING1', 11113);
    const after = await store.remove('archive');
    expect(after.nodes.map((n) => n.name)).toEqual(['modality']);
    expect(after).toMatchObject({ localAet: 'READING1', localPort: 11113 });
    await expect(store.node('archive')).rejects.toThrow(/no PACS node named "archive"/);
  });

  it('seals secrets with the keychain cipher when the shell has one', async () => {
    const path = join(dir, 'sealed.json');
    // A stand-in for safeStorage: any reversible transformation shows the file holds no plain text.
    const cipher = {
      encrypt: (plain: string) => Buffer.from([...Buffer.from(plain)].map((b) => b ^ 0x5a)),
      decrypt: (sealed: Uint8Array) => Buffer.from([...sealed].map((b) => b ^ 0x5a)).toString(),
    };
    const store = new PacsSettingsStore(dir, new EncryptedFileSecretStore(path, cipher));
    await store.save({ ...web, auth: 'bearer' }, 'token-abc');
    expect(await readFile(path, 'utf8')).not.toContain('token-abc');
    expect((await store.node('archive')).secret).toBe('token-abc');
  });

  it('validates nodes before any service sees them', () => {
    const save = requestSchemas['pacs.saveNode'];
    expect(save.safeParse({ node: web }).success).toBe(true);
    expect(save.safeParse({ node: { ...web, url: 'ftp://x' } }).success).toBe(false);
    expect(
      save.safeParse({ node: { name: 'x', kind: 'dimse', aet: 'A\\B', host: 'h', port: 104 } }).success,
    ).toBe(false);
    expect(
      save.safeParse({
        node: { name: 'x', kind: 'dimse', aet: 'WAY-TOO-LONG-AE-TITLE', host: 'h', port: 104 },
      }).success,
    ).toBe(false);
    expect(
      requestSchemas['pacs.retrieve'].safeParse({ node: 'x', studyUid: '../etc', seriesUid: '1.2' }).success,
    ).toBe(false);
  });
});
