import { describe, expect, it } from 'vitest';
import { SliceStreamPlan } from './sliceStreamPlan';

describe('SliceStreamPlan', () => {
  it('asks for the focused slice first, then runs growing outwards from it', () => {
    const plan = new SliceStreamPlan(100);
    expect(plan.next(50, 1)).toEqual({ first: 50, count: 1 });
    expect(plan.next(50, 8)).toEqual({ first: 51, count: 8 });
    expect(plan.next(50, 8)).toEqual({ first: 42, count: 8 });
    expect(plan.next(50, 8)).toEqual({ first: 59, count: 8 });
    expect(plan.next(50, 8)).toEqual({ first: 34, count: 8 });
  });

  it('follows the reader: after scrolling far away the slices there come next', () => {
    const plan = new SliceStreamPlan(400);
    plan.next(200, 1);
    plan.next(200, 16);
    expect(plan.next(10, 16)).toEqual({ first: 10, count: 16 });
    // Back near the start of the scroll, the run grows downwards and stops at the volume's edge.
    expect(plan.next(9, 16)).toEqual({ first: 0, count: 10 });
  });

  it('never asks twice for a slice and ends with every slice asked for exactly once', () => {
    const plan = new SliceStreamPlan(37);
    const seen = new Uint8Array(37);
    let run;
    let focus = 18;
    while ((run = plan.next(focus, 5))) {
      for (let k = run.first; k < run.first + run.count; k++) seen[k]++;
      plan.markLoaded(run);
      focus = (focus * 7 + 3) % 37;
    }
    expect([...seen].every((n) => n === 1)).toBe(true);
    expect(plan.complete).toBe(true);
    expect(plan.loadedCount).toBe(37);
  });

  it('asks again for a run whose request failed', () => {
    const plan = new SliceStreamPlan(10);
    const run = plan.next(5, 3)!;
    plan.release(run);
    expect(plan.next(5, 3)).toEqual(run);
    plan.markLoaded(run);
    expect(plan.isLoaded(5)).toBe(true);
    expect(plan.isLoaded(4)).toBe(false);
    expect(plan.complete).toBe(false);
  });
});
