import { randomBytes } from 'node:crypto';

/**
 * A new DICOM UID under the 2.25 root (ISO/IEC 9834-8, PS3.5 B.2): "2.25." followed by the decimal
 * form of a random 128-bit integer. It needs no registered organisation root, and 122+ random bits
 * make collisions negligible. The result is at most 44 characters, well within the 64 a UI allows.
 */
export function newUid(): string {
  const bytes = randomBytes(16);
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return `2.25.${value.toString(10)}`;
}
