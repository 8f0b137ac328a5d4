// DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits segment per
// byte plane, most significant byte first. We rebuild little-endian samples, sample planes one after another.

export function decodeRle(
  encoded: Uint8Array,
  rows: number,
  columns: number,
  bitsAllocated: number,
  samplesPerPixel: number,
): Uint8Array {
  if (encoded.length < 64) throw new Error('RLE frame is shorter than its 64-byte header');
  const header = new DataView(encoded.buffer, encoded.byteOffset, 64);
  const segmentCount = header.getUint32(0, true);
  const bytesPerSample = bitsAllocated / 8;
  if (segmentCount !== bytesPerSample * samplesPerPixel) {
    throw new Error(
      `RLE frame has ${segmentCount} segments, expected ${bytesPerSample * samplesPerPixel} for ${bitsAllocated}-bit samples`,
    );
  }
  const pixels = rows * columns;
  const out = new Uint8Array(pixels * bytesPerSample * samplesPerPixel);
  for (let segment = 0; segment < segmentCount; segment++) {
    const start = header.getUint32(4 + 4 * segment, true);
    const end = segment + 1 < segmentCount ? header.getUint32(8 + 4 * segment, true) : encoded.length;
    const sample = Math.floor(segment / bytesPerSample);
    // Segment 0 of a sample holds its most significant byte; little-endian output puts that last.
    const byteInSample = bytesPerSample - 1 - (segment % bytesPerSample);
    let target = sample * pixels * bytesPerSample + byteInSample;
    const targetEnd = (sample + 1) * pixels * bytesPerSample;
    let n = start;
    while (n < end && target < targetEnd) {
      const control = (encoded[n++] << 24) >> 24;
      if (control >= 0) {
        for (let k = 0; k <= control && target < targetEnd; k++, target += bytesPerSample)
          out[target] = encoded[n++];
      } else if (control !== -128) {
        const value = encoded[n++];
        for (let k = 0; k <= -control && target < targetEnd; k++, target += bytesPerSample)
          out[target] = value;
      }
    }
    if (target < targetEnd) throw new Error(`RLE segment ${segment + 1} ends early`);
  }
  return out;
}
