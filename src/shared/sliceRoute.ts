// The web shell's bulk path for one contract method, 'series.slices': an HTTP GET whose body is the
// voxels' raw bytes. Browsers take large HTTP bodies straight into an ArrayBuffer; the same bytes as
// WebSocket messages cost Chromium about five times as long (headless Chromium on our 2-core machine,
// 208 MB in 16 MiB pieces: 4.0 s by fetch, 19.3 s by WebSocket). The request is still validated and
// answered by the contract's dispatch; only the bytes travel differently.
import type { Envelope, SliceChunk } from './api';
import { voxelArrayConstructors, voxelTypeOf, type VoxelType } from './volume';

export const sliceRoutePrefix = '/api/series-slices';
const typeHeader = 'x-voxel-type';

export function sliceUrl(request: { seriesId: string; first: number; count: number }): string {
  const query = new URLSearchParams({
    seriesId: request.seriesId,
    first: String(request.first),
    count: String(request.count),
  });
  return `${sliceRoutePrefix}?${query}`;
}

/** The request a slice URL carries, as the contract's validator expects it (numbers where numbers are due). */
export function sliceRequestOf(url: URL): { seriesId: string | null; first: number; count: number } {
  const number = (name: string) => {
    const text = url.searchParams.get(name);
    return text !== null && /^\d+$/.test(text) ? Number(text) : NaN;
  };
  return { seriesId: url.searchParams.get('seriesId'), first: number('first'), count: number('count') };
}

/** Headers and body of a successful answer: the body is a view on the voxels, not a copy. */
export function sliceResponse(chunk: SliceChunk): { headers: Record<string, string>; body: Uint8Array } {
  const { voxels } = chunk;
  return {
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(voxels.byteLength),
      [typeHeader]: voxelTypeOf(voxels),
    },
    body: new Uint8Array(voxels.buffer, voxels.byteOffset, voxels.byteLength),
  };
}

/** The slice of fetch's Response the client needs (no DOM types in the shared code). */
export interface FetchResponseLike {
  ok: boolean;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}
export type FetchLike = (url: string) => Promise<FetchResponseLike>;

/** The envelope for a fetched answer: voxels as a typed array over the body (no copy), or the error. */
export async function sliceEnvelope(
  request: { seriesId: string; first: number; count: number },
  response: FetchResponseLike,
): Promise<Envelope> {
  if (!response.ok) {
    const text = await response.text();
    try {
      return JSON.parse(text) as Envelope;
    } catch {
      return { ok: false, error: { code: 'internal', message: 'the workstation refused the request' } };
    }
  }
  const type = response.headers.get(typeHeader) as VoxelType | null;
  if (!type || !(type in voxelArrayConstructors))
    return {
      ok: false,
      error: { code: 'internal', message: 'the workstation sent slices of no known type' },
    };
  const voxels = new voxelArrayConstructors[type](await response.arrayBuffer());
  return { ok: true, result: { ...request, voxels } satisfies SliceChunk };
}
