// Mouse interaction in a 2D view, as in most PACS viewers and 3D Slicer:
//   left click            moves the crosshair there (all views follow)
//   left drag             window/level (right widens, down raises the level), or paints with the
//                         brush/eraser when that tool is active
//   shift+left / middle   pan;  right drag (up = in) or ctrl+wheel: zoom;  wheel: slices
//   double click          maximise / restore the view
//   prompt tool (axial)   left drag: a box prompt; click: a point (shift/alt-click: negative)
// The pointer position is turned into a voxel with the same camera numbers vtk.js renders with.
import { watch, type Ref } from 'vue';
import { lpsToVoxel, type Vec3 } from '../../../shared/volume';
import {
  mmPerPixel,
  screenToWorld,
  type CameraState,
  type SliceView,
  type ViewOrientation,
} from '../imaging';
import { useViewStore } from '../stores/view';
import { useSegmentationStore } from '../stores/segmentation';
import { usePromptToolStore } from '../stores/promptTool';

/** Drags shorter than this (CSS px) count as clicks. */
const clickSlop = 3;
/** A drag across the whole view sweeps half the value range. */
const windowGain = 0.5;

export interface SliceInteraction {
  view: SliceView;
  orientation: Readonly<Ref<ViewOrientation | null>>;
  camera: Readonly<Ref<CameraState | null>>;
  /** Called with the voxel under the pointer (continuous index) or null when it leaves. */
  onHover(voxel: Vec3 | null): void;
}

export function useSliceInteraction(target: Readonly<Ref<HTMLElement | null>>, options: SliceInteraction) {
  const view = useViewStore();
  const segmentation = useSegmentationStore();
  const promptTool = usePromptToolStore();

  /** Continuous voxel index under a pointer event, on the view's current slice. */
  function voxelAt(event: { clientX: number; clientY: number }, el: HTMLElement): Vec3 | null {
    const o = options.orientation.value;
    const c = options.camera.value;
    const g = view.geometry;
    if (!o || !c || !g) return null;
    const rect = el.getBoundingClientRect();
    const world = screenToWorld(o, c, rect, event.clientX - rect.left, event.clientY - rect.top);
    const voxel = lpsToVoxel(g, world);
    voxel[o.indexAxis] = view.sliceIndex(options.view);
    return voxel;
  }

  function onPointerDown(event: PointerEvent) {
    if (!view.hasSlices) return;
    const el = event.currentTarget as HTMLElement;
    el.setPointerCapture(event.pointerId);
    view.activeView = options.view;
    const start = { x: event.clientX, y: event.clientY };
    let last = { ...start };
    let moved = false;
    const rect = el.getBoundingClientRect();
    // Prompts are given on axial slices only; shift there means a negative point, not pan.
    const prompting = event.button === 0 && view.tool === 'prompt' && options.view === 'axial';
    const mode = prompting
      ? 'prompt'
      : event.button === 1 || (event.button === 0 && event.shiftKey)
        ? 'pan'
        : event.button === 2
          ? 'zoom'
          : event.button === 0 &&
              (view.tool === 'brush' || view.tool === 'eraser') &&
              segmentation.selectedSegment
            ? 'paint'
            : event.button === 0
              ? 'window-level'
              : null;
    if (!mode) return;
    const erase = view.tool === 'eraser';
    let lastDab: Vec3 | null = null;
    // Dabs every half radius along the pointer's path, so a fast stroke leaves no gaps.
    const paintAt = (e: { clientX: number; clientY: number }) => {
      const voxel = voxelAt(e, el);
      const o = options.orientation.value;
      const g = view.geometry;
      if (!voxel || !o || !g) return;
      const from = lastDab ?? voxel;
      const mm = Math.hypot(...from.map((v, n) => (voxel[n] - v) * g.spacingMm[n]));
      const steps = Math.max(1, Math.ceil(mm / Math.max(0.25, view.brushRadiusMm / 2)));
      for (let n = 1; n <= steps; n++) {
        const t = lastDab ? n / steps : 1;
        const at = from.map((v, c) => v + (voxel[c] - v) * t) as Vec3;
        segmentation.dab(at, view.brushRadiusMm, o.indexAxis, erase);
      }
      lastDab = voxel;
    };
    if (mode === 'paint') paintAt(event);
    const promptStart = mode === 'prompt' ? voxelAt(event, el) : null;
    if (promptStart) promptTool.beginBox(promptStart);

    const onMove = (move: PointerEvent) => {
      const dx = move.clientX - last.x;
      const dy = move.clientY - last.y;
      last = { x: move.clientX, y: move.clientY };
      if (Math.hypot(move.clientX - start.x, move.clientY - start.y) > clickSlop) moved = true;
      options.onHover(voxelAt(move, el));
      if (mode === 'window-level') {
        view.adjustWindowLevel(
          (windowGain * dx) / Math.max(1, rect.width),
          (windowGain * dy) / Math.max(1, rect.height),
        );
      } else if (mode === 'pan') {
        const c = options.camera.value;
        if (c) {
          const s = mmPerPixel(c, rect);
          view.panBy(options.view, dx * s, -dy * s);
        }
      } else if (mode === 'zoom') {
        view.zoomBy(options.view, Math.exp(-dy / 150));
      } else if (mode === 'paint') {
        paintAt(move);
      } else if (mode === 'prompt' && moved) {
        const voxel = voxelAt(move, el);
        if (voxel) promptTool.dragTo(voxel);
      }
    };
    const onUp = (up: PointerEvent) => {
      el.removeEventListener('pointermove', onMove);
      el.removeEventListener('pointerup', onUp);
      el.removeEventListener('pointercancel', onUp);
      if (mode === 'paint') segmentation.endStroke();
      else if (mode === 'prompt') {
        const end = up.type === 'pointerup' ? voxelAt(up, el) : null;
        if (!promptStart || !end) promptTool.cancelBox();
        else if (moved) promptTool.finishBox(promptStart, end);
        else {
          promptTool.cancelBox();
          promptTool.addPoint(promptStart, !(up.shiftKey || up.altKey || event.shiftKey || event.altKey));
        }
      } else if (mode === 'window-level' && !moved && up.type === 'pointerup') {
        const voxel = voxelAt(up, el);
        if (voxel) view.setCursor(voxel);
      }
    };
    el.addEventListener('pointermove', onMove);
    el.addEventListener('pointerup', onUp);
    el.addEventListener('pointercancel', onUp);
    event.preventDefault();
  }

  function onHoverMove(event: PointerEvent) {
    if (event.buttons) return;
    view.activeView = options.view;
    options.onHover(voxelAt(event, event.currentTarget as HTMLElement));
  }

  // A wheel notch moves one slice; trackpads send many small deltas, accumulated to a notch's worth.
  let pending = 0;
  const notch = 40;
  function onWheel(event: WheelEvent) {
    if (!view.hasSlices) return;
    event.preventDefault();
    view.activeView = options.view;
    const pixels = event.deltaMode === WheelEvent.DOM_DELTA_LINE ? event.deltaY * 16 : event.deltaY;
    if (event.ctrlKey) {
      view.zoomBy(options.view, Math.exp(-pixels / 500));
      return;
    }
    pending += pixels;
    if (Math.abs(pending) < notch) return;
    view.scrollBy(Math.sign(pending), options.view);
    pending = 0;
  }

  const onLeave = () => options.onHover(null);
  const onContextMenu = (event: Event) => event.preventDefault();
  const onDoubleClick = () => view.toggleMaximised(options.view);

  watch(
    target,
    (el, _old, onCleanup) => {
      if (!el) return;
      el.addEventListener('pointerdown', onPointerDown);
      el.addEventListener('pointermove', onHoverMove);
      el.addEventListener('pointerleave', onLeave);
      el.addEventListener('wheel', onWheel, { passive: false });
      el.addEventListener('contextmenu', onContextMenu);
      el.addEventListener('dblclick', onDoubleClick);
      onCleanup(() => {
        el.removeEventListener('pointerdown', onPointerDown);
        el.removeEventListener('pointermove', onHoverMove);
        el.removeEventListener('pointerleave', onLeave);
        el.removeEventListener('wheel', onWheel);
        el.removeEventListener('contextmenu', onContextMenu);
        el.removeEventListener('dblclick', onDoubleClick);
      });
    },
    { immediate: true },
  );
}
