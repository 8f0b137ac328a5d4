// The reading view in headless Chromium on the web shell, for a generated 512×512×400 CT as NIfTI, as
// an uncompressed DICOM series and as lossless JPEG 2000 slices, each in a fresh shell and browser:
// time to the first image and to the whole volume, peak memory of both sides; for the NIfTI also
// frame times while scrolling each 2D view and rotating the 3D view, and memory after closing it.
// Needs `npm run build`, /usr/bin/chromium, and for the series what bench/ctSeries.mjs needs. The
// NIfTI phantom (body, lungs, spine, noise) is generated into bench/tmp/viewer/, the series into
// bench/tmp/load/ (git-ignored), once. VIEWER_SLICES=100 and VIEWER_CASES=nifti,dicom,j2k shrink a
// run while developing; VIEWER_PROFILE=1 adds Chromium's CPU profile and a WebSocket timeline.
/* global window, document, requestAnimationFrame, WheelEvent -- code inside page.evaluate runs in the page */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { prepareCtSeries } from './ctSeries.mjs';
import { writeResults } from './results.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(root, 'bench/tmp/viewer');
// VIEWER_SLICES=100 runs a smaller CT while developing; the committed figures are for 400.
const [ni, nj, nk] = [512, 512, Number(process.env.VIEWER_SLICES ?? 400)];
const ctPath = join(work, `ct-512x512x${nk}.nii`);
// VIEWER_PROFILE=1 records Chromium's CPU profile of the open (CDP) and prints where the time goes.
const profiling = process.env.VIEWER_PROFILE === '1';

function generate() {
  mkdirSync(work, { recursive: true });
  console.log(`generating ${ctPath} …`);
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  [3, ni, nj, nk, 1, 1, 1, 1].forEach((d, n) => header.writeInt16LE(d, 40 + 2 * n));
  header.writeInt16LE(4, 70); // INT16
  header.writeInt16LE(16, 72);
  [1, 0.7, 0.7, 1, 0, 0, 0, 0].forEach((d, n) => header.writeFloatLE(d, 76 + 4 * n));
  header.writeFloatLE(352, 108);
  header.writeFloatLE(1, 112);
  header.writeUInt8(2, 123); // mm
  header.writeInt16LE(1, 254); // sform: scanner
  // RAS rows: i runs right→left and j anterior→posterior (LPS-aligned), k feet→head.
  [-0.7, 0, 0, 179].forEach((v, n) => header.writeFloatLE(v, 280 + 4 * n));
  [0, -0.7, 0, 179].forEach((v, n) => header.writeFloatLE(v, 296 + 4 * n));
  [0, 0, 1, -400].forEach((v, n) => header.writeFloatLE(v, 312 + 4 * n));
  header.write('n+1\0', 344, 'latin1');
  const voxels = new Int16Array(ni * nj * nk);
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 40;
  for (let k = 0; k < nk; k++) {
    const t = k / nk;
    const rx = 200 + 20 * Math.sin(3 * t);
    const lung = 55 + 15 * Math.sin(Math.PI * t);
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++) {
        let hu = -1000;
        if (((i - 256) / rx) ** 2 + ((j - 260) / 150) ** 2 <= 1) hu = 40;
        for (const cx of [180, 332]) if (((i - cx) / lung) ** 2 + ((j - 230) / 80) ** 2 <= 1) hu = -820;
        if ((i - 256) ** 2 + (j - 360) ** 2 <= 22 ** 2) hu = 700;
        voxels[i + ni * (j + nj * k)] = hu + noise();
      }
  }
  writeFileSync(ctPath, Buffer.concat([header, Buffer.from(voxels.buffer)]));
}

/** Resident memory (bytes) of a process and all its descendants, from /proc. */
function treeRss(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    try {
      const status = readFileSync(`/proc/${p}/status`, 'latin1');
      total += Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) * 1024;
    } catch {
      // gone
    }
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

async function startShell() {
  const dataDir = mkdtempSync(join(tmpdir(), 'causal-sam-bench-viewer-'));
  const child = spawn(process.execPath, ['out/main/web.js', '--port', '0', '--no-open'], {
    cwd: root,
    env: { ...process.env, CAUSAL_SAM_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      const m = out.match(/Workstation ready at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`web shell exited (${code})`)));
  });
  return {
    url,
    pid: child.pid,
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Mean and 95th percentile of frame intervals (ms) while `drive` runs, from a rAF loop in the page. */
async function frameTimes(page, drive) {
  await page.evaluate(() => {
    const w = window;
    w.__frames = [];
    w.__framing = true;
    let last = performance.now();
    const tick = (now) => {
      w.__frames.push(now - last);
      last = now;
      if (w.__framing) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await drive();
  const frames = await page.evaluate(() => {
    window.__framing = false;
    return window.__frames.slice(1);
  });
  const sorted = [...frames].sort((a, b) => a - b);
  const mean = frames.reduce((a, b) => a + b, 0) / Math.max(1, frames.length);
  return { mean, p95: sorted[Math.floor(0.95 * (sorted.length - 1))] ?? 0 };
}

/** Mean ms from a wheel event over a 2D view to the end of the frame that shows the new slice. */
async function sliceChangeMs(page, view, changes = 40) {
  return page.evaluate(
    async ({ view, changes }) => {
      const host = document.querySelector(`[data-testid="${view}-view"]`);
      // The view's own WebGL2 context (getContext returns the one vtk.js created): finish() waits
      // until the GPU (SwiftShader here) has really drawn the frame.
      const gl = host.querySelector('canvas').getContext('webgl2');
      const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
      const times = [];
      for (let n = 0; n < changes; n++) {
        await frame();
        const t0 = performance.now();
        const deltaY = n < changes / 2 ? 100 : -100;
        host.dispatchEvent(new WheelEvent('wheel', { deltaY, bubbles: true, cancelable: true }));
        // Our render runs in the next animation frame, before this callback (it was queued first).
        await frame();
        gl.finish();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const mean = times.reduce((a, b) => a + b, 0) / times.length;
      return { mean, p95: times[Math.floor(0.95 * (times.length - 1))] };
    },
    { view, changes },
  );
}

/** The functions with the most self time in a CDP CPU profile, with their script and line. */
function printProfile(profile) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, n) => {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dt[n] ?? 0) / 1000);
  });
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  console.log('renderer main thread, self time (ms):');
  for (const [key, ms] of top) console.log(`  ${ms.toFixed(0).padStart(7)}  ${key}`);
}

/** Logs every WebSocket frame's size and time, so transfer shows apart from work in the page. */
async function logWebSocket(page) {
  await page.addInitScript(() => {
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        const t0 = performance.now();
        const size = (d) => d?.byteLength ?? d?.length ?? 0;
        const send = this.send.bind(this);
        this.send = (data) => {
          console.log(`ws send ${size(data)} B at ${(performance.now() - t0).toFixed(0)} ms`);
          send(data);
        };
        this.addEventListener('message', (e) =>
          console.log(`ws message ${size(e.data)} B at ${(performance.now() - t0).toFixed(0)} ms`),
        );
      }
    };
  });
  page.on('console', (message) => console.log(`  page: ${message.text()}`));
}

const mib = (bytes) => bytes / 1024 ** 2;
const volumeMib = mib(ni * nj * nk * 2);

/**
 * Opens `path` in a fresh web shell and browser page: seconds to the first image and to the whole
 * volume, and the peak memory of both sides meanwhile. `then` runs on the open page afterwards.
 */
async function openStudy(label, path, then) {
  const shell = await startShell();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--no-first-run',
      '--enable-precise-memory-info',
      '--js-flags=--expose-gc',
    ],
  });
  const browserRss = () => treeRss(process.pid) - treeRss(shell.pid);
  let peakBrowser = 0;
  let peakShell = 0;
  const sampler = setInterval(() => {
    peakShell = Math.max(peakShell, treeRss(shell.pid));
    peakBrowser = Math.max(peakBrowser, browserRss());
  }, 50);
  try {
    const page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
    if (profiling) await logWebSocket(page);
    await page.goto(shell.url);
    await page.getByTestId('path-input').fill(path);
    const idle = { shell: treeRss(shell.pid), browser: browserRss() };
    [peakShell, peakBrowser] = [idle.shell, idle.browser];
    const cdp = profiling ? await page.context().newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
      await cdp.send('Profiler.start');
    }
    const t0 = Date.now();
    await page.getByTestId('open-path').click();
    await page.getByTestId('axial-slice-index').waitFor({ timeout: 300_000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const firstImageS = (Date.now() - t0) / 1000;
    console.log(`${label}: first image after ${firstImageS.toFixed(2)} s`);
    // The rest of the volume streams in behind the first image; the bar goes when the last slice is in.
    await page.getByTestId('load-progress').waitFor({ state: 'hidden', timeout: 300_000 });
    const fullVolumeS = (Date.now() - t0) / 1000;
    console.log(`${label}: whole volume after ${fullVolumeS.toFixed(2)} s`);
    if (cdp) printProfile((await cdp.send('Profiler.stop')).profile);
    // The 3D view builds its texture once the volume is whole: part of the peak.
    await page.waitForTimeout(3000);
    const loaded = { peakShell, peakBrowser };
    console.log(
      `${label}: peak memory ${mib(peakBrowser).toFixed(0)} MiB browser, ${mib(peakShell).toFixed(0)} MiB web shell`,
    );
    const extra = then ? await then(page, { shell, browserRss, idle }) : {};
    return {
      firstImageS,
      fullVolumeS,
      peakShell: loaded.peakShell,
      peakBrowser: loaded.peakBrowser,
      idleShell: idle.shell,
      idleBrowser: idle.browser,
      ...extra,
    };
  } finally {
    clearInterval(sampler);
    await browser.close();
    shell.stop();
  }
}

/** Slice changes in each 2D view and 3D rotation frames, then what closing the study gives back. */
async function interact(page, { shell, browserRss, idle }) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const scroll = {};
  for (const view of ['axial', 'coronal', 'sagittal']) {
    scroll[view] = await sliceChangeMs(page, view);
    console.log(`${view}: ${scroll[view].mean.toFixed(1)} ms mean, ${scroll[view].p95.toFixed(1)} ms p95`);
  }
  const box = await page.getByTestId('3d-view').boundingBox();
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const rotate = await frameTimes(page, async () => {
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let n = 0; n < 40; n++) await page.mouse.move(cx + 120 * Math.sin(n / 6), cy + 40 * Math.cos(n / 6));
    await page.mouse.up();
  });
  console.log(`3D rotate: ${rotate.mean.toFixed(1)} ms mean frame, ${rotate.p95.toFixed(1)} ms p95`);
  await page.screenshot({ path: join(work, 'viewer.png') });

  // Closing: opening the small sample study closes the large one on both sides.
  const open = { shell: treeRss(shell.pid), browser: browserRss() };
  await page.getByTestId('open-sample').click();
  await page.getByTestId('dims').getByText('122 × 101 × 112').waitFor({ timeout: 60_000 });
  await page.getByTestId('load-progress').waitFor({ state: 'hidden', timeout: 60_000 });
  await page.waitForTimeout(3000);
  await page.evaluate(() => window.gc?.());
  await page.waitForTimeout(2000);
  const closed = { shell: treeRss(shell.pid), browser: browserRss() };
  console.log(
    `closing: web shell ${mib(open.shell).toFixed(0)} → ${mib(closed.shell).toFixed(0)} MiB, browser ${mib(open.browser).toFixed(0)} → ${mib(closed.browser).toFixed(0)} MiB (idle before opening: ${mib(idle.shell).toFixed(0)}, ${mib(idle.browser).toFixed(0)})`,
  );
  return { scroll, rotate, open, closed, idle };
}

if (!existsSync(ctPath)) generate();
const only = process.env.VIEWER_CASES?.split(',');
const cases = [
  { key: 'nifti', label: `NIfTI 512×512×${nk}`, path: () => ctPath, then: interact },
  { key: 'dicom', label: `DICOM series 512×512×${nk}`, path: async () => (await prepareCtSeries(nk)).rawDir },
  {
    key: 'j2k',
    label: `JPEG 2000 series 512×512×${nk}`,
    path: async () => (await prepareCtSeries(nk)).j2kDir,
  },
].filter((c) => !only || only.includes(c.key));
const results = {};
// The machines are shared: the load average says how much else was running while we measured.
const loadBefore = os.loadavg()[0];
for (const c of cases) results[c.key] = await openStudy(c.label, await c.path(), c.then);
const loadAfter = os.loadavg()[0];

const round = (v, d = 1) => Number(v.toFixed(d));
const figures = {};
const targets = {};
const seconds = { unit: 's', better: 'lower' };
for (const c of cases) {
  const r = results[c.key];
  figures[`${c.label}: time to first image`] = { value: round(r.firstImageS, 2), unit: 's' };
  targets[`${c.label}: time to first image`] = { target: 3, ...seconds };
  figures[`${c.label}: time to the whole volume`] = { value: round(r.fullVolumeS, 2), unit: 's' };
  if (c.key !== 'j2k') targets[`${c.label}: time to the whole volume`] = { target: 5, ...seconds };
  figures[`${c.label}: peak memory, browser (all Chromium processes)`] = {
    value: round(mib(r.peakBrowser), 0),
    unit: 'MiB',
  };
  figures[`${c.label}: peak memory, web shell (main side)`] = {
    value: round(mib(r.peakShell), 0),
    unit: 'MiB',
  };
  // What the study costs: the rise over the page with nothing open (headless Chromium with four
  // WebGL views already holds over a GiB before any voxel arrives; Node and the services ~130 MiB).
  figures[`${c.label}: peak browser memory above the idle page ÷ volume size`] = {
    value: round(mib(r.peakBrowser - r.idleBrowser) / volumeMib, 2),
    unit: '×',
  };
  targets[`${c.label}: peak browser memory above the idle page ÷ volume size`] = {
    target: 3,
    unit: '×',
    better: 'lower',
  };
  figures[`${c.label}: peak web shell memory above idle ÷ volume size`] = {
    value: round(mib(r.peakShell - r.idleShell) / volumeMib, 2),
    unit: '×',
  };
  targets[`${c.label}: peak web shell memory above idle ÷ volume size`] = {
    target: 2,
    unit: '×',
    better: 'lower',
  };
}
const nifti = results.nifti;
if (nifti) {
  const slice = { target: 33, unit: 'ms', better: 'lower' };
  for (const view of ['axial', 'coronal', 'sagittal']) {
    figures[`${view} slice change`] = { value: round(nifti.scroll[view].mean), unit: 'ms' };
    figures[`${view} slice change p95`] = { value: round(nifti.scroll[view].p95), unit: 'ms' };
    targets[`${view} slice change`] = slice;
  }
  figures['3D rotation frame'] = { value: round(nifti.rotate.mean), unit: 'ms' };
  figures['3D rotation frame p95'] = { value: round(nifti.rotate.p95), unit: 'ms' };
  const memory = {
    'web shell memory with the NIfTI CT open': nifti.open.shell,
    'web shell memory after closing it (sample study open)': nifti.closed.shell,
    'browser memory with the NIfTI CT open': nifti.open.browser,
    'browser memory after closing it (sample study open)': nifti.closed.browser,
    'web shell memory before opening anything': nifti.idle.shell,
    'browser memory before opening anything': nifti.idle.browser,
  };
  for (const [name, bytes] of Object.entries(memory))
    figures[name] = { value: round(mib(bytes), 0), unit: 'MiB' };
}
figures['machine load average (1 min) at the start and end of the run'] = {
  value: `${loadBefore.toFixed(1)}, ${loadAfter.toFixed(1)}`,
  unit: 'on 2 cores',
};
writeResults('viewer', figures, targets);
