// Window/level by left-drag on the view: right widens the window, up brightens (lowers the level),
// the conventions of most PACS viewers. A drag across the whole view sweeps half the value range:
// fine enough for a CT's soft-tissue window, fast enough to reach a bone window in one stroke.
import { watch, type Ref } from 'vue';
import { useViewStore } from '../stores/view';

const gain = 0.5;

export function useWindowLevelDrag(target: Readonly<Ref<HTMLElement | null>>) {
  const view = useViewStore();

  function onPointerDown(event: PointerEvent) {
    if (event.button !== 0 || !view.hasSlices) return;
    const el = event.currentTarget as HTMLElement;
    el.setPointerCapture(event.pointerId);
    let last = { x: event.clientX, y: event.clientY };
    const { width, height } = el.getBoundingClientRect();

    const onMove = (move: PointerEvent) => {
      const dx = move.clientX - last.x;
      const dy = move.clientY - last.y;
      last = { x: move.clientX, y: move.clientY };
      view.adjustWindowLevel((gain * dx) / Math.max(1, width), (gain * dy) / Math.max(1, height));
    };
    const onUp = () => {
      el.removeEventListener('pointermove', onMove);
      el.removeEventListener('pointerup', onUp);
      el.removeEventListener('pointercancel', onUp);
    };
    el.addEventListener('pointermove', onMove);
    el.addEventListener('pointerup', onUp);
    el.addEventListener('pointercancel', onUp);
    event.preventDefault();
  }

  watch(
    target,
    (el, _old, onCleanup) => {
      if (!el) return;
      el.addEventListener('pointerdown', onPointerDown);
      onCleanup(() => el.removeEventListener('pointerdown', onPointerDown));
    },
    { immediate: true },
  );
}
