// Runs after `npm ci`: fetch Electron's runtime where the network allows (its own install script
// is disabled in package.json `allowScripts` so that an offline install still succeeds), then build
// the app so that `npm start` and `npx causal-sam` work at once.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const electronDir = new URL('../node_modules/electron/', import.meta.url);
const version = require('electron/package.json').version;

if (!existsSync(new URL('path.txt', electronDir)) && !process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  const install = spawnSync(process.execPath, ['install.js'], { cwd: electronDir, encoding: 'utf8' });
  if (install.status !== 0 || !existsSync(new URL('path.txt', electronDir))) {
    console.log(
      `Electron ${version} runtime not downloaded (offline?); the web shell works without it. From a local copy: ` +
        `put electron-v${version}-${process.platform}-${process.arch}.zip in a folder and run ` +
        `"electron_config_cache=<folder> npm run install-electron" (or set ELECTRON_MIRROR to your mirror).`,
    );
  }
}

const build = spawnSync('npm', ['run', 'build', '--silent'], {
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
process.exit(build.status ?? 1);
