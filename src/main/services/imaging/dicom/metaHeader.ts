// The file meta group (always explicit VR little endian), read without dcmjs: its string elements
// and where the dataset after it starts.
import { LONG_LENGTH_VRS } from './attributeSets';

/** Bytes of the value of each meta element, by element number, and the offset just past the group. */
export function readMetaGroup(bytes: Uint8Array): { values: Map<number, Uint8Array>; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Map<number, Uint8Array>();
  let n = 132;
  while (n + 8 <= bytes.length && view.getUint16(n, true) === 0x0002) {
    const element = view.getUint16(n + 2, true);
    const vr = String.fromCharCode(bytes[n + 4], bytes[n + 5]);
    const long = LONG_LENGTH_VRS.has(vr);
    const length = long ? view.getUint32(n + 8, true) : view.getUint16(n + 6, true);
    const start = n + (long ? 12 : 8);
    values.set(element, bytes.subarray(start, Math.min(start + length, bytes.length)));
    n = start + length;
  }
  return { values, end: n };
}

/** A string element of the meta group, without padding; undefined when absent. */
export function metaString(bytes: Uint8Array, element: number): string | undefined {
  const value = readMetaGroup(bytes).values.get(element);
  if (!value) return undefined;
  return String.fromCharCode(...value)
    .replace(/[\0 ]+$/, '')
    .trim();
}
