import { describe, expect, it } from 'vitest';
import { directionLabel, edgeLabels } from './orientationLabels';

describe('orientation labels', () => {
  it('labels the radiological axial view: anterior up, patient right on the left', () => {
    expect(edgeLabels([0, -1, 0], [1, 0, 0])).toEqual({ top: 'A', bottom: 'P', left: 'R', right: 'L' });
  });

  it('names oblique directions strongest component first', () => {
    expect(directionLabel([0.8, -0.6, 0])).toBe('LA');
    expect(directionLabel([0.1, 0, -0.99])).toBe('I');
  });
});
