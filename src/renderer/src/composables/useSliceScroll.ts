// Slice navigation: the mouse wheel over the view, and arrow / Page keys anywhere but in a text
// field (a reader keeps a hand on the keyboard without first clicking into the image).
import { onScopeDispose, watch, type Ref } from 'vue';
import { useViewStore } from '../stores/view';

const keySteps: Record<string, number> = {
  ArrowUp: -1,
  ArrowDown: 1,
  ArrowLeft: -1,
  ArrowRight: 1,
  PageUp: -10,
  PageDown: 10,
};

function isEditable(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))
  );
}

export function useSliceScroll(target: Readonly<Ref<HTMLElement | null>>) {
  const view = useViewStore();
  // A wheel notch moves one slice; trackpads send many small deltas, accumulated to a notch's worth.
  let pending = 0;
  const notch = 40;

  function onWheel(event: WheelEvent) {
    if (!view.hasSlices) return;
    event.preventDefault();
    const pixels = event.deltaMode === WheelEvent.DOM_DELTA_LINE ? event.deltaY * 16 : event.deltaY;
    pending += pixels;
    if (Math.abs(pending) < notch) return;
    view.scrollBy(Math.sign(pending));
    pending = 0;
  }

  function onKey(event: KeyboardEvent) {
    if (!view.hasSlices || isEditable(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'Home') view.setSlice(0);
    else if (event.key === 'End') view.setSlice(view.sliceCount - 1);
    else if (event.key in keySteps) view.scrollBy(keySteps[event.key]);
    else return;
    event.preventDefault();
  }

  watch(
    target,
    (el, _old, onCleanup) => {
      if (!el) return;
      el.addEventListener('wheel', onWheel, { passive: false });
      onCleanup(() => el.removeEventListener('wheel', onWheel));
    },
    { immediate: true },
  );
  window.addEventListener('keydown', onKey);
  onScopeDispose(() => window.removeEventListener('keydown', onKey));
}
