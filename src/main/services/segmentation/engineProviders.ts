// Which ONNX Runtime execution provider the engine asks for: a forced one, else the best
// accelerator this onnxruntime-node build carries with its libraries, else the CPU.
import * as ort from 'onnxruntime-node';

/** Accelerated providers in order of preference; onnxruntime-node lists what this build carries. */
const PREFERRED = ['cuda', 'dml', 'coreml'];

export function listedProviders(): { name: string; bundled: boolean }[] {
  const list = (ort as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] })
    .listSupportedBackends;
  return list ? list() : [{ name: 'cpu', bundled: true }];
}

export function chooseProvider(forced?: string): string {
  if (forced) return forced;
  // 'bundled: false' means the provider needs libraries this install lacks (CUDA on Linux).
  const listed = listedProviders();
  return PREFERRED.find((p) => listed.some((b) => b.name === p && b.bundled)) ?? 'cpu';
}
