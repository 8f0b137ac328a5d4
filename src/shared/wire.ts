// Binary framing for the WebSocket bridge: one JSON header plus the raw bytes of every typed array
// in the message, so voxel data never goes through JSON.
//
// Frame: [u32 LE header length][header JSON, UTF-8][pad to 8][part 0][pad to 8][part 1]…
// In the header each typed array is replaced by {"$bin": index, "type": "Int16Array", "length": n};
// parts follow in index order, each starting on an 8-byte boundary so views need no copy.

const typedArrays = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
} as const;
type TypedArrayName = keyof typeof typedArrays;
type AnyTypedArray = InstanceType<(typeof typedArrays)[TypedArrayName]>;

interface BinaryRef {
  $bin: number;
  type: TypedArrayName;
  length: number;
}

function typedArrayName(value: unknown): TypedArrayName | undefined {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return undefined;
  return (Object.keys(typedArrays) as TypedArrayName[]).find((name) => value instanceof typedArrays[name]);
}

function isBinaryRef(value: unknown): value is BinaryRef {
  const v = value as BinaryRef | null;
  return (
    !!v &&
    typeof v === 'object' &&
    typeof v.$bin === 'number' &&
    typeof v.length === 'number' &&
    v.type in typedArrays
  );
}

const align8 = (n: number) => (n + 7) & ~7;

export function encodeFrame(message: unknown): Uint8Array {
  const parts: AnyTypedArray[] = [];
  const header = JSON.stringify(message, (_key, value) => {
    const type = typedArrayName(value);
    if (!type) return value;
    const array = value as AnyTypedArray;
    parts.push(array);
    return { $bin: parts.length - 1, type, length: array.length } satisfies BinaryRef;
  });
  const headerBytes = new TextEncoder().encode(header);
  let size = align8(4 + headerBytes.length);
  const offsets = parts.map((part) => {
    const offset = size;
    size = align8(size + part.byteLength);
    return offset;
  });
  const frame = new Uint8Array(size);
  new DataView(frame.buffer).setUint32(0, headerBytes.length, true);
  frame.set(headerBytes, 4);
  parts.forEach((part, n) =>
    frame.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), offsets[n]),
  );
  return frame;
}

export function decodeFrame(frame: Uint8Array): unknown {
  if (frame.byteLength < 4) throw new Error('frame too short');
  const headerLength = new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0, true);
  if (4 + headerLength > frame.byteLength) throw new Error('frame header is longer than the frame');
  const header = new TextDecoder().decode(frame.subarray(4, 4 + headerLength));
  // Parts are laid out in $bin order, which is the order JSON.parse meets the refs (depth-first,
  // the same walk JSON.stringify made), so offsets can be assigned as refs are revived.
  let offset = align8(4 + headerLength);
  let next = 0;
  return JSON.parse(header, (_key, value) => {
    if (!isBinaryRef(value)) return value;
    if (value.$bin !== next++) throw new Error('frame parts are out of order');
    const ctor = typedArrays[value.type];
    const byteLength = value.length * ctor.BYTES_PER_ELEMENT;
    if (offset + byteLength > frame.byteLength) throw new Error('frame is shorter than its header says');
    // A view into the frame avoids copying hundreds of MB of voxels; parts sit on 8-byte boundaries of
    // the frame, so only a frame that itself starts misaligned (a slice of a pooled buffer) needs a copy.
    const start = frame.byteOffset + offset;
    const array =
      start % ctor.BYTES_PER_ELEMENT === 0
        ? new ctor(frame.buffer as ArrayBuffer, start, value.length)
        : new ctor(frame.slice(offset, offset + byteLength).buffer);
    offset = align8(offset + byteLength);
    return array;
  });
}
