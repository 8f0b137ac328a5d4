// Electron's IPC copies a typed array by the structured-clone rules, which take the whole buffer a
// view lies in: one 16 MiB run of slices, a view into a 200 MB volume, would cross as 200 MB. Views
// are compacted to their own bytes before a reply is handed to IPC (the web shell writes only the
// viewed bytes anyway).

/** `value` with every typed-array view narrower than its buffer replaced by a copy of just its bytes. */
export function compactViews<T>(value: T): T {
  if (ArrayBuffer.isView(value)) {
    // Shared memory (a volume the load worker filled) cannot cross IPC at all: it is copied too.
    const shared = value.buffer instanceof SharedArrayBuffer;
    if (value instanceof DataView || (value.byteLength === value.buffer.byteLength && !shared)) return value;
    return (value as unknown as { slice(): T }).slice();
  }
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = compactViews(item);
      changed ||= next !== item;
      return next;
    });
    return (changed ? out : value) as T;
  }
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = compactViews(item);
      changed ||= out[key] !== item;
    }
    return (changed ? out : value) as T;
  }
  return value;
}
