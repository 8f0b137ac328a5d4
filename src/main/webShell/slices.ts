// GET /api/series-slices?seriesId&first&count: the contract's 'series.slices', answered with the raw
// voxel bytes as the body (see shared/sliceRoute.ts); errors are the contract's envelope as JSON.
import type { ServerResponse } from 'node:http';
import type { SliceChunk } from '../../shared/api';
import { sliceRequestOf, sliceResponse } from '../../shared/sliceRoute';
import type { Api } from '../api';

const statusOf: Record<string, number> = { 'bad-request': 400, 'bad-input': 400, 'not-found': 404 };

export async function serveSlices(api: Api, url: URL, res: ServerResponse): Promise<void> {
  const envelope = await api.dispatch('series.slices', sliceRequestOf(url));
  if (!envelope.ok) {
    res
      .writeHead(statusOf[envelope.error.code] ?? 500, { 'Content-Type': 'application/json; charset=utf-8' })
      .end(JSON.stringify(envelope));
    return;
  }
  const { headers, body } = sliceResponse(envelope.result as SliceChunk);
  res.writeHead(200, headers).end(body);
}
