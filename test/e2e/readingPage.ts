/// <reference lib="dom" />
// What the end-to-end suites read from the reading view: its read-only debug hooks
// (window.__readingDebug, see ReadingLayout.vue) and the segment list as the reader sees it.
import type { Page } from 'playwright-core';

/** Calls one of the reading view's debug hooks in the page. */
export function readingDebug(page: Page) {
  return <T>(fn: string, ...args: unknown[]) =>
    page.evaluate(
      ({ fn, args }) =>
        (window as unknown as Record<string, Record<string, (...a: unknown[]) => T>>).__readingDebug[fn](
          ...args,
        ),
      { fn, args },
    ) as Promise<T>;
}

/** Segment rows as the list shows them: value, name, voxels, mL. */
export function segmentRows(
  page: Page,
): Promise<{ value: number; name: string; voxels: number; ml: number }[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('[data-testid^="segment-"][data-testid$="-name"]')).map((el) => {
      const value = Number(/segment-(\d+)-name/.exec(el.getAttribute('data-testid')!)![1]);
      const cell = (what: string) =>
        document.querySelector(`[data-testid="segment-${value}-${what}"]`)?.textContent ?? '';
      return { value, name: el.textContent!.trim(), voxels: Number(cell('voxels')), ml: Number(cell('ml')) };
    }),
  );
}
