import { describe, expect, it } from 'vitest';
import { savedAtLabel } from './savedAt';

describe('savedAtLabel', () => {
  const now = new Date(2026, 10, 28, 15, 0, 0);
  it('gives the time alone for today', () => {
    const label = savedAtLabel(new Date(2026, 10, 28, 10, 15, 49).toISOString(), now);
    expect(label).toMatch(/^at \d\d?[:.]15[:.]49/);
    expect(label).not.toMatch(/T|Z/);
  });
  it('adds the date for another day', () => {
    expect(savedAtLabel(new Date(2025, 0, 3, 8, 0, 0).toISOString(), now)).toMatch(/^on .*2025.* at /);
  });
  it('shows what it cannot read as it is', () => {
    expect(savedAtLabel('soon', now)).toBe('soon');
  });
});
