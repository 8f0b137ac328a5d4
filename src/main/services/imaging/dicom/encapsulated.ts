// Encapsulated PixelData found in place: the fragments of a compressed frame as views on the file,
// so that reading the header need not copy every codestream (dcmjs copies each fragment it reads).

/** (7FE0,0010) OB with undefined length, explicit VR little endian, as encapsulated data must be. */
const pixelDataHeader = [0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff];

/**
 * The fragments (Basic Offset Table left out) of the top-level encapsulated PixelData when it is the
 * file's last element: its items, read one after another, must end with the sequence delimiter exactly
 * at the end of the file. Undefined otherwise (an icon's pixel data, a file with elements after the
 * pixels, a malformed item): the caller then reads the file the ordinary way.
 */
export function trailingFragments(bytes: Uint8Array): Uint8Array[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = bytes.indexOf(0xe0, 132); at >= 0; at = bytes.indexOf(0xe0, at + 1)) {
    if (!pixelDataHeader.every((b, n) => bytes[at + n] === b)) continue;
    const fragments = itemsToEnd(bytes, view, at + pixelDataHeader.length);
    if (fragments) return fragments.slice(1);
  }
  return undefined;
}

/** The items from `start` when they run to a sequence delimiter that ends the file. */
function itemsToEnd(bytes: Uint8Array, view: DataView, start: number): Uint8Array[] | undefined {
  const items: Uint8Array[] = [];
  let at = start;
  while (at + 8 <= bytes.length) {
    const group = view.getUint16(at, true);
    const element = view.getUint16(at + 2, true);
    const length = view.getUint32(at + 4, true);
    if (group !== 0xfffe) return undefined;
    if (element === 0xe0dd)
      return length === 0 && at + 8 === bytes.length && items.length > 0 ? items : undefined;
    if (element !== 0xe000 || at + 8 + length > bytes.length) return undefined;
    items.push(bytes.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  return undefined;
}
