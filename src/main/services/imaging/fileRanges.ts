// Reading parts of a file: the readers that need only some of a large file (a NIfTI's slices, a
// DICOM file's header before its pixels) read exactly those bytes.
import { open, type FileHandle } from 'node:fs/promises';
import { BadInputError } from './errors';

/** Fills `target` from the file at `position`; a file that ends early is a BadInputError. */
export async function readFully(
  handle: FileHandle,
  path: string,
  target: Uint8Array,
  position: number,
): Promise<void> {
  for (let done = 0; done < target.length;) {
    const { bytesRead } = await handle.read(target, done, target.length - done, position + done);
    if (bytesRead === 0) throw new BadInputError(path, 'ended while it was being read (was it changed?)');
    done += bytesRead;
  }
}

/** `length` bytes of the file at `path` from `offset`. */
export async function readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const bytes = new Uint8Array(length);
    await readFully(handle, path, bytes, offset);
    return bytes;
  } finally {
    await handle.close();
  }
}
