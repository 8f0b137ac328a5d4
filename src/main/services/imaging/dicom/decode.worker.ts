// Worker thread of the decode pool: decodes one compressed frame per message, in order.
import { parentPort } from 'node:worker_threads';
import { decodeFrame, type FrameDecodeRequest } from './decodeFrame';

parentPort?.on('message', async ({ id, request }: { id: number; request: FrameDecodeRequest }) => {
  try {
    const frame = await decodeFrame(request);
    parentPort?.postMessage({ id, frame }, [frame.bytes.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
