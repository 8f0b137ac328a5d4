import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the workstation keeps what it remembers for a user (recent studies, session autosave, logs).
 * CAUSAL_SAM_DATA_DIR overrides it, so tests and kiosk installs get a folder of their own.
 * The Electron shell passes app.getPath('userData') instead.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAUSAL_SAM_DATA_DIR) return env.CAUSAL_SAM_DATA_DIR;
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'causal-sam');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'causal-sam');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'causal-sam');
}
