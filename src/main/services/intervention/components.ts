// Connected pieces of one structure (26-connected: voxels touching by a face, an edge or a corner
// are one piece), for "the stray blob", "the island", "this fragment". Works on a box around the
// structure, so the cost is the structure's size, not the study's. And the front of a change
// (face-connected): the part of a band reachable from the old boundary, for a boundary that moves
// without jumping.
import type { Vec3 } from '../../../shared/volume';

export interface Components {
  /** Per voxel of the box (i fastest): 0 outside the structure, else its piece's id (1-based). */
  ids: Int32Array;
  /** Voxel count of each piece; sizes[0] is unused. */
  sizes: number[];
  /** The largest piece: the structure's main body. */
  main: number;
}

/** Pieces of a 0/1 mask of `size` voxels, by breadth-first flood fill. */
export function connectedComponents(mask: Uint8Array, size: Vec3): Components {
  const [nx, ny, nz] = size;
  const ids = new Int32Array(mask.length);
  const sizes = [0];
  const queue = new Int32Array(mask.length);
  for (let seed = 0; seed < mask.length; seed++) {
    if (!mask[seed] || ids[seed]) continue;
    const id = sizes.length;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    ids[seed] = id;
    while (head < tail) {
      const n = queue[head++];
      const i = n % nx;
      const j = Math.floor(n / nx) % ny;
      const k = Math.floor(n / (nx * ny));
      for (let dk = -1; dk <= 1; dk++) {
        const kk = k + dk;
        if (kk < 0 || kk >= nz) continue;
        for (let dj = -1; dj <= 1; dj++) {
          const jj = j + dj;
          if (jj < 0 || jj >= ny) continue;
          for (let di = -1; di <= 1; di++) {
            const ii = i + di;
            if (ii < 0 || ii >= nx) continue;
            const m = ii + jj * nx + kk * nx * ny;
            if (mask[m] && !ids[m]) {
              ids[m] = id;
              queue[tail++] = m;
            }
          }
        }
      }
    }
    sizes.push(tail);
  }
  let main = 0;
  for (let id = 1; id < sizes.length; id++) if (main === 0 || sizes[id] > sizes[main]) main = id;
  return { ids, sizes, main };
}

/**
 * Which of the `allowed` voxels of a band (`indices`: flat voxel indices on a grid of `dims`) are
 * reachable from the old boundary through allowed voxels: a voxel is reached when it touches, by a
 * face, a voxel that passes `isStart` (outside the band: the structure for a grow, what lies
 * outside it for a shrink) or a voxel already reached. Per band voxel, 1 where reached.
 */
export function reachableFromBoundary(
  indices: ArrayLike<number>,
  allowed: Uint8Array,
  dims: Vec3,
  isStart: (n: number) => boolean,
): Uint8Array {
  const position = new Map<number, number>();
  for (let c = 0; c < indices.length; c++) if (allowed[c]) position.set(indices[c], c);
  const reached = new Uint8Array(allowed.length);
  const queue: number[] = [];
  const reach = (m: number) => {
    const c = position.get(m);
    if (c !== undefined && !reached[c]) {
      reached[c] = 1;
      queue.push(m);
    }
  };
  for (const [n, c] of position) {
    if (reached[c]) continue;
    let start = false;
    forEachFaceNeighbour(n, dims, (m) => {
      if (!position.has(m) && isStart(m)) start = true;
    });
    if (start) {
      reached[c] = 1;
      queue.push(n);
    }
  }
  while (queue.length) forEachFaceNeighbour(queue.pop()!, dims, reach);
  return reached;
}

/** Calls `visit` with each face neighbour of flat voxel index `n` that lies on the grid `dims`. */
export function forEachFaceNeighbour(n: number, dims: Vec3, visit: (m: number) => void): void {
  const [nx, ny, nz] = dims;
  const plane = nx * ny;
  const i = n % nx;
  const j = Math.floor(n / nx) % ny;
  const k = Math.floor(n / plane);
  if (i > 0) visit(n - 1);
  if (i < nx - 1) visit(n + 1);
  if (j > 0) visit(n - nx);
  if (j < ny - 1) visit(n + nx);
  if (k > 0) visit(n - plane);
  if (k < nz - 1) visit(n + plane);
}
