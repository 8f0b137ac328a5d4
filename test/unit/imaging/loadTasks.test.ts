import { describe, expect, it } from 'vitest';
import { LoadTasks } from '../../../src/main/services/imaging/loadTasks';

/** A load that ends only when its signal aborts, as the worker-backed loads do. */
const untilAborted = (signal: AbortSignal) =>
  new Promise<string>((_resolve, reject) =>
    signal.addEventListener('abort', () => reject(new Error('cancelled')), { once: true }),
  );

describe('LoadTasks', () => {
  it('cancels the load running under a name, and says whether there was one', async () => {
    const tasks = new LoadTasks();
    const load = tasks.run('open-1', untilAborted);
    expect(tasks.cancel('open-2')).toBe(false);
    expect(tasks.cancel('open-1')).toBe(true);
    await expect(load).rejects.toThrow('cancelled');
    expect(tasks.cancel('open-1')).toBe(false);
  });

  it('a second load under the same name cancels the first; a finished one is forgotten', async () => {
    const tasks = new LoadTasks();
    const first = tasks.run('open', untilAborted);
    const second = tasks.run('open', async () => 'loaded');
    await expect(first).rejects.toThrow('cancelled');
    expect(await second).toBe('loaded');
    expect(tasks.cancel('open')).toBe(false);
  });
});
