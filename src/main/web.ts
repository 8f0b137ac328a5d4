// Web shell entry: the same services as the Electron shell, served to a browser on loopback.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createApi, type Api } from './api';
import { appVersion, rendererDir, resourcesDir } from './appPaths';
import { defaultDataDir } from './services/workspace/index';
import { startWebShell } from './webShell/server';

const usage = `usage: node out/main/web.js [--host 127.0.0.1] [--port 8765] [--no-open] [paths to open...]`;

function browserCandidates(): string[] {
  if (process.platform === 'darwin')
    return [
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    ];
  if (process.platform === 'win32')
    return [`${process.env.PROGRAMFILES}\\Google\\Chrome\\Application\\chrome.exe`];
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
  ];
}

function openBrowser(url: string, dataDir: string): void {
  const browser = browserCandidates().find((path) => existsSync(path));
  if (!browser) {
    console.log('No Chromium found: open the URL above in a browser on this machine.');
    return;
  }
  // An app window with a profile of its own, and none of the browser's calls home (air-gapped sites).
  const args = [
    `--app=${url}`,
    `--user-data-dir=${dataDir}/browser-profile`,
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  spawn(browser, args, { stdio: 'ignore', detached: true }).unref();
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8765' },
      'no-open': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(usage);
  if (!existsSync(rendererDir))
    throw new Error(`the renderer is not built (${rendererDir}): run npm run build`);
  const dataDir = defaultDataDir();
  let api: Api | undefined = undefined;
  const start = (port: number) => startWebShell(() => api!, { host: values.host, port, rendererDir });
  const requested = Number(values.port);
  // A busy default port should not stop a radiologist from working: take any free one instead.
  const shell = await start(requested).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE' && values.port === '8765') return start(0);
    throw error;
  });
  api = createApi({
    shell: 'web',
    version: appVersion,
    dataDir,
    resourcesDir,
    startupPaths: positionals,
    emit: (event, payload) => shell.broadcast(event, payload),
  });
  if (values.host !== '127.0.0.1' && values.host !== 'localhost' && values.host !== '::1') {
    console.warn(
      `Warning: listening on ${values.host}, reachable beyond this machine; the token still protects it.`,
    );
  }
  console.log(`Workstation ready at ${shell.url}`);
  if (!values['no-open']) openBrowser(shell.url, dataDir);
  const stop = () => void shell.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: Error) => {
  console.error(`causal-sam web shell: ${error.message}`);
  process.exit(1);
});
