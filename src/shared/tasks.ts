// The long tasks a user can stop — a segmentation, a prompt, a PACS retrieve — by the name the UI
// gave them, in one registry per app, stopped by one request ('tasks.cancel'). One rule for all: a
// newer task under a name still running supersedes it, and the earlier one ends as cancelled (a
// re-run, or a second retrieve of the same series, replaces the first; a retrieve resumes from
// what the first one kept).

export class TaskRegistry {
  private readonly running = new Map<string, AbortController>();

  /**
   * Runs `work` under `name` with a signal that `cancel(name)`, a newer task of the same name, or
   * `outer` (the caller's own signal, e.g. Ctrl-C in the CLI) aborts.
   */
  async run<T>(name: string, work: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
    this.running.get(name)?.abort();
    const controller = new AbortController();
    this.running.set(name, controller);
    const onOuterAbort = () => controller.abort();
    if (outer?.aborted) controller.abort();
    outer?.addEventListener('abort', onOuterAbort);
    try {
      return await work(controller.signal);
    } finally {
      outer?.removeEventListener('abort', onOuterAbort);
      if (this.running.get(name) === controller) this.running.delete(name);
    }
  }

  /** Stops the task running under `name`; false when none is. */
  cancel(name: string): boolean {
    const controller = this.running.get(name);
    controller?.abort();
    return controller !== undefined;
  }

  /** The names of the tasks running now. */
  names(): string[] {
    return [...this.running.keys()];
  }
}
