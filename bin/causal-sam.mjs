#!/usr/bin/env node
// `npx causal-sam …`: runs the built command line (npm ci builds it; see scripts/postinstall.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('causal-sam: the app is not built yet; run `npm run build` in the project folder.');
  process.exit(1);
}
await import(cli);
