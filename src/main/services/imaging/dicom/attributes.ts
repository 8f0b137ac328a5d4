// Reading naturalized dcmjs values without trusting their shape: numbers may arrive as strings,
// single values may or may not be wrapped in arrays, sequences are arrays of datasets.
import type { NaturalDataset } from './vendor';

export function items(value: unknown): NaturalDataset[] {
  if (Array.isArray(value)) return value as NaturalDataset[];
  return value && typeof value === 'object' ? [value as NaturalDataset] : [];
}

export function firstItem(value: unknown): NaturalDataset | undefined {
  return items(value)[0];
}

export function numberOf(value: unknown): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function numbersOf(value: unknown, count: number): number[] | undefined {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split('\\') : [value];
  if (list.length < count) return undefined;
  const out = list.slice(0, count).map(Number);
  return out.every(Number.isFinite) ? out : undefined;
}

export function stringOf(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') {
    // Person names naturalize to { Alphabetic, Ideographic, Phonetic }.
    const alphabetic = (v as { Alphabetic?: unknown }).Alphabetic;
    return alphabetic === undefined ? undefined : String(alphabetic).trim() || undefined;
  }
  return String(v).trim() || undefined;
}
