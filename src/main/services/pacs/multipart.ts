// multipart/related (RFC 2387) as WADO-RS sends it and STOW-RS expects it. The reader is streaming:
// each part is handed over as soon as its closing delimiter arrives, so a series of hundreds of
// instances never sits in memory whole, and a transfer cut off midway keeps the parts already read.

export function boundaryOf(contentType: string | null): string | undefined {
  const match = contentType?.match(/boundary=(?:"([^"]+)"|([^;\s]+))/i);
  return match?.[1] ?? match?.[2];
}

const CRLF2 = Buffer.from('\r\n\r\n');

export async function* readMultipart(
  body: AsyncIterable<Uint8Array>,
  boundary: string,
): AsyncGenerator<Uint8Array> {
  // A leading CRLF makes the first delimiter look like every other one.
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let buffer: Buffer = Buffer.from('\r\n');
  let pos = 0;
  let state: 'preamble' | 'after-delimiter' | 'body' = 'preamble';
  let scanFrom = 0;
  let finished = false;

  const step = (): Uint8Array | 'more' | 'done' => {
    for (;;) {
      if (state === 'preamble') {
        const at = buffer.indexOf(delimiter, pos);
        if (at < 0) return 'more';
        pos = at + delimiter.length;
        state = 'after-delimiter';
      } else if (state === 'after-delimiter') {
        if (buffer.length - pos < 2) return 'more';
        if (buffer[pos] === 0x2d && buffer[pos + 1] === 0x2d) return 'done';
        const headersEnd = buffer.indexOf(CRLF2, pos);
        if (headersEnd < 0) return 'more';
        pos = headersEnd + CRLF2.length;
        scanFrom = pos;
        state = 'body';
      } else {
        const at = buffer.indexOf(delimiter, scanFrom);
        if (at < 0) {
          // Only the tail could still be the start of a delimiter: do not scan the rest again.
          scanFrom = Math.max(pos, buffer.length - delimiter.length);
          return 'more';
        }
        const part = new Uint8Array(buffer.subarray(pos, at));
        pos = at + delimiter.length;
        state = 'after-delimiter';
        return part;
      }
    }
  };

  for await (const chunk of body) {
    // Drop what was consumed before growing the buffer, keeping offsets relative to it.
    buffer = Buffer.concat([buffer.subarray(pos), chunk]);
    scanFrom -= pos;
    pos = 0;
    for (;;) {
      const result = step();
      if (result === 'more') break;
      if (result === 'done') {
        finished = true;
        break;
      }
      yield result;
    }
    if (finished) return;
  }
  throw new MultipartTruncatedError();
}

export class MultipartTruncatedError extends Error {
  constructor() {
    super('the multipart response ended before its closing delimiter');
    this.name = 'MultipartTruncatedError';
  }
}

/** A STOW-RS request body: one application/dicom part per file. */
export function writeMultipart(parts: Uint8Array[], boundary: string): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
      part,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return chunks;
}
