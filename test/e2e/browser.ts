// Debian's Chromium as every end-to-end suite launches it: headless, and with none of the browser's
// own calls home (the workstation must work air-gapped, and this machine refuses them anyway).
import { chromium, type Browser } from 'playwright-core';

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    // No --disable-software-rasterizer: SwiftShader is what gives headless Chromium its WebGL.
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
