// PACS node settings: <dataDir>/pacs-nodes.json holds everything but secrets; passwords and bearer
// tokens go to a SecretStore (the OS keychain via safeStorage in Electron, a user-only file in the
// web shell). Secrets are never written to logs or returned to the renderer.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { pacsNodeSchema, type PacsNode, type PacsSettings } from '../../../shared/pacs';
import { PacsError } from './errors';

/** Where a shell keeps PACS secrets, by key ("node:<name>"). */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

const DEFAULT_LOCAL_AET = 'CAUSALSAM';
/** 11112 is the IANA-registered DICOM port; the archive must be configured with it for C-MOVE. */
const DEFAULT_LOCAL_PORT = 11112;

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, text, { mode });
  // writeFile's mode only applies to a new file: make sure a leftover tmp is narrowed too.
  await chmod(tmp, mode);
  await rename(tmp, path);
}

/**
 * Secrets in a JSON file readable only by the user (0600), for the web shell and the command line.
 * On a single-user workstation this is what ~/.netrc or ~/.pgpass do; the Electron shell uses the
 * OS keychain instead.
 */
export class FileSecretStore implements SecretStore {
  constructor(private readonly path: string) {}

  private async read(): Promise<Record<string, string>> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as Record<string, string>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.read())[key];
  }

  async set(key: string, value: string): Promise<void> {
    const all = await this.read();
    all[key] = value;
    await writeAtomic(this.path, JSON.stringify(all, null, 2), 0o600);
  }

  async delete(key: string): Promise<void> {
    const all = await this.read();
    if (!(key in all)) return;
    delete all[key];
    await writeAtomic(this.path, JSON.stringify(all, null, 2), 0o600);
  }
}

const settingsFileSchema = z.object({
  localAet: z.string().default(DEFAULT_LOCAL_AET),
  localPort: z.number().int().default(DEFAULT_LOCAL_PORT),
  nodes: z.array(pacsNodeSchema).default([]),
});
type SettingsFile = z.output<typeof settingsFileSchema>;

const secretKey = (name: string) => `node:${name}`;

export class PacsSettingsStore {
  readonly path: string;

  constructor(
    dataDir: string,
    readonly secrets: SecretStore,
  ) {
    this.path = join(dataDir, 'pacs-nodes.json');
  }

  private async read(): Promise<SettingsFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return settingsFileSchema.parse({});
      throw error;
    }
    const parsed = settingsFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new PacsError('protocol', `${this.path}: not valid PACS settings`);
    return parsed.data;
  }

  private write(settings: SettingsFile): Promise<void> {
    return writeAtomic(this.path, JSON.stringify(settings, null, 2) + '\n', 0o644);
  }

  async list(): Promise<PacsSettings> {
    const settings = await this.read();
    const nodes = await Promise.all(
      settings.nodes.map(async (node) => ({
        ...node,
        hasSecret: (await this.secrets.get(secretKey(node.name))) !== undefined,
      })),
    );
    return { localAet: settings.localAet, localPort: settings.localPort, nodes };
  }

  async node(
    name: string,
  ): Promise<{ node: PacsNode; secret?: string; localAet: string; localPort: number }> {
    const settings = await this.read();
    const node = settings.nodes.find((n) => n.name === name);
    if (!node) throw new PacsError('not-found', `no PACS node named "${name}" in the settings`);
    return {
      node,
      secret: await this.secrets.get(secretKey(name)),
      localAet: settings.localAet,
      localPort: settings.localPort,
    };
  }

  /** secret: undefined keeps the stored one, '' forgets it. */
  async save(node: PacsNode, secret?: string): Promise<PacsSettings> {
    const settings = await this.read();
    const index = settings.nodes.findIndex((n) => n.name === node.name);
    if (index >= 0) settings.nodes[index] = node;
    else settings.nodes.push(node);
    await this.write(settings);
    if (secret === '') await this.secrets.delete(secretKey(node.name));
    else if (secret !== undefined) await this.secrets.set(secretKey(node.name), secret);
    return this.list();
  }

  async remove(name: string): Promise<PacsSettings> {
    const settings = await this.read();
    settings.nodes = settings.nodes.filter((n) => n.name !== name);
    await this.write(settings);
    await this.secrets.delete(secretKey(name));
    return this.list();
  }

  async setLocal(localAet: string, localPort: number): Promise<PacsSettings> {
    const settings = await this.read();
    await this.write({ ...settings, localAet, localPort });
    return this.list();
  }
}

/** Encryption by the OS keychain (Electron's safeStorage), passed in by the shell that has it. */
export interface SecretCipher {
  encrypt(plain: string): Uint8Array;
  decrypt(sealed: Uint8Array): string;
}

/**
 * Secrets sealed by the OS keychain: the file (also 0600) holds only ciphertext, which only this
 * user's login session can open (Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux).
 */
export class EncryptedFileSecretStore implements SecretStore {
  private readonly file: FileSecretStore;

  constructor(
    path: string,
    private readonly cipher: SecretCipher,
  ) {
    this.file = new FileSecretStore(path);
  }

  async get(key: string): Promise<string | undefined> {
    const sealed = await this.file.get(key);
    return sealed === undefined ? undefined : this.cipher.decrypt(Buffer.from(sealed, 'base64'));
  }

  set(key: string, value: string): Promise<void> {
    return this.file.set(key, Buffer.from(this.cipher.encrypt(value)).toString('base64'));
  }

  delete(key: string): Promise<void> {
    return this.file.delete(key);
  }
}
