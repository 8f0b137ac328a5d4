// One registry for long tasks: cancel by name, and a newer task under a running name supersedes it.
import { describe, expect, it } from 'vitest';
import { TaskRegistry } from '../../../src/shared/tasks';

/** Work that ends only when its signal aborts, answering how it ended. */
const untilAborted = (signal: AbortSignal) =>
  new Promise<string>((resolve) => signal.addEventListener('abort', () => resolve('aborted')));

describe('TaskRegistry', () => {
  it('stops a running task by its name, and says when there is none', async () => {
    const tasks = new TaskRegistry();
    const running = tasks.run('segment:a', untilAborted);
    expect(tasks.names()).toEqual(['segment:a']);
    expect(tasks.cancel('segment:a')).toBe(true);
    expect(await running).toBe('aborted');
    expect(tasks.names()).toEqual([]);
    expect(tasks.cancel('segment:a')).toBe(false);
  });

  it('lets a newer task under the same name supersede the earlier one, and leaves others alone', async () => {
    const tasks = new TaskRegistry();
    const first = tasks.run('retrieve', untilAborted);
    const other = tasks.run('segment', untilAborted);
    let secondSignal: AbortSignal | undefined;
    const second = tasks.run('retrieve', async (signal) => {
      secondSignal = signal;
      return 'done';
    });
    expect(await first).toBe('aborted');
    expect(await second).toBe('done');
    expect(secondSignal?.aborted).toBe(false);
    // The first one's ending does not unregister the second, nor touch the other name.
    expect(tasks.names()).toEqual(['segment']);
    tasks.cancel('segment');
    expect(await other).toBe('aborted');
  });

  it("follows the caller's own signal (Ctrl-C on the command line)", async () => {
    const tasks = new TaskRegistry();
    const outer = new AbortController();
    const running = tasks.run('x', untilAborted, outer.signal);
    outer.abort();
    expect(await running).toBe('aborted');
    const already = tasks.run('y', async (signal) => signal.aborted, outer.signal);
    expect(await already).toBe(true);
  });
});
