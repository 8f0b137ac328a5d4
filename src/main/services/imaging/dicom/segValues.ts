// Values as a DICOM SEG writes them: decimal strings within 16 characters, LO text, local DA/TM, and
// the one error a SEG that cannot be written gives.
import { ServiceError } from '../../../../shared/serviceError';

/** The segmentation cannot be written as a DICOM SEG; the message says why and what to do instead. */
export class DicomSegWriteError extends ServiceError {
  constructor(message: string) {
    super('bad-input', message);
    this.name = 'DicomSegWriteError';
  }
}

/**
 * A number as a DICOM DS value (at most 16 characters), keeping as many significant digits as fit.
 * dcmjs would instead String() the number and cut it at 16 characters, which turns 1.2246467991473532e-16
 * (a typical direction cosine) into "1.22464679914735".
 */
export function decimalString(value: number): string {
  if (!Number.isFinite(value)) throw new DicomSegWriteError(`${value} cannot be written as a DICOM decimal`);
  // Plain notation where it fits, else exponential (1.26922940578e-6 keeps more digits than 0.0000012692294).
  for (let digits = 16; digits > 0; digits--) {
    const plain = String(Number(value.toPrecision(digits)));
    if (plain.length <= 16) return plain;
    const exponential = value.toExponential(digits - 1).replace(/\.?0+e/, 'e');
    if (exponential.length <= 16) return exponential;
  }
  return '0';
}

/** LO values: at most 64 characters and no backslash (the value delimiter). */
export function lo(text: string): string {
  return text.replace(/\\/g, '/').slice(0, 64);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** DICOM DA and TM in local time: DICOM dates carry no zone unless TimezoneOffsetFromUTC says so. */
export function dicomDateTime(date: Date): { date: string; time: string } {
  return {
    date: `${date.getFullYear()}${pad2(date.getMonth() + 1)}${pad2(date.getDate())}`,
    time: `${pad2(date.getHours())}${pad2(date.getMinutes())}${pad2(date.getSeconds())}`,
  };
}
