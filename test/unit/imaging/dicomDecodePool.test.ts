// The decode pool's scheduling, with stand-in workers: vitest cannot build the real worker (the
// `?nodeWorker` import is electron-vite's), so the workers here run a tiny script speaking the same protocol.
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DecodePool } from '../../../src/main/services/imaging/dicom/decodePool';
import type { FrameDecodeRequest } from '../../../src/main/services/imaging/dicom/decodeFrame';

// Each job "decodes" by adding 1 to every byte after a delay given in the first byte; byte 255 fails.
const standIn = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, request }) => {
  const input = request.encoded;
  setTimeout(() => {
    if (input[0] === 255) return parentPort.postMessage({ id, error: 'corrupt frame' });
    const bytes = input.map((v) => v + 1);
    parentPort.postMessage({ id, frame: { bytes, bytesPerSample: 1 } }, [bytes.buffer]);
  }, input[0]);
});
`;

const spawned: Worker[] = [];
vi.mock('../../../src/main/services/imaging/dicom/decode.worker?nodeWorker', () => ({
  default: () => {
    const worker = new Worker(standIn, { eval: true });
    spawned.push(worker);
    return worker;
  },
}));

const request = (bytes: number[]): FrameDecodeRequest => ({
  encoding: 'jpeg-2000',
  encoded: Uint8Array.from(bytes),
  layout: {
    rows: 1,
    columns: bytes.length,
    bitsAllocated: 8,
    bitsStored: 8,
    highBit: 7,
    pixelRepresentation: 0,
    samplesPerPixel: 1,
    planarConfiguration: 0,
    photometricInterpretation: 'MONOCHROME2',
  },
});

let pool: DecodePool | undefined;
afterEach(async () => {
  await pool?.close();
  spawned.length = 0;
});

describe('createDecodePool', () => {
  it('spreads frames over at most `size` workers and returns each result to its caller', async () => {
    const { createDecodePool } = await import('../../../src/main/services/imaging/dicom/decodePool');
    pool = createDecodePool(2);
    const jobs = [30, 5, 20, 1, 10, 2].map((delay, n) => pool!.decodeFrame(request([delay, n])));
    const results = await Promise.all(jobs);
    expect(results.map((r) => Array.from(r.bytes))).toEqual(
      [30, 5, 20, 1, 10, 2].map((delay, n) => [delay + 1, n + 1]),
    );
    expect(spawned).toHaveLength(2);
  });

  it('rejects only the frame that failed', async () => {
    const { createDecodePool } = await import('../../../src/main/services/imaging/dicom/decodePool');
    pool = createDecodePool(1);
    const bad = pool.decodeFrame(request([255]));
    const good = pool.decodeFrame(request([1, 7]));
    await expect(bad).rejects.toThrow('corrupt frame');
    expect(Array.from((await good).bytes)).toEqual([2, 8]);
  });

  it('does not detach the caller’s buffer when sending a frame', async () => {
    const { createDecodePool } = await import('../../../src/main/services/imaging/dicom/decodePool');
    pool = createDecodePool(1);
    const file = new Uint8Array([9, 9, 1, 2, 9]);
    const frame = request([]);
    await pool.decodeFrame({ ...frame, encoded: file.subarray(2, 4) });
    expect(Array.from(file)).toEqual([9, 9, 1, 2, 9]);
  });
});
