// Loads run under task names so that the renderer's Cancel can stop the one it started.

export class LoadTasks {
  private readonly tasks = new Map<string, AbortController>();

  /** Runs `load` with a signal that `cancel(task)` aborts; a second load under the same name cancels the first. */
  async run<T>(task: string, load: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.tasks.get(task)?.abort();
    const controller = new AbortController();
    this.tasks.set(task, controller);
    try {
      return await load(controller.signal);
    } finally {
      if (this.tasks.get(task) === controller) this.tasks.delete(task);
    }
  }

  /** True when a load was running under `task` (it stops at once: its worker is terminated). */
  cancel(task: string): boolean {
    const controller = this.tasks.get(task);
    controller?.abort();
    return !!controller;
  }
}
