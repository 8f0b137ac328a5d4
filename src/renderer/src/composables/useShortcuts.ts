// Keyboard shortcuts of the reading view, active anywhere but in a text field (a reader keeps a hand
// on the keyboard without first clicking into the image). The table doubles as the help panel's.
import { onScopeDispose } from 'vue';
import { useViewStore } from '../stores/view';
import { useSegmentationStore } from '../stores/segmentation';
import { windowPresets } from '../imaging';

export interface Shortcut {
  keys: string;
  action: string;
}

export const shortcuts: readonly Shortcut[] = [
  { keys: '↑ ↓ ← →', action: 'Previous / next slice in the active view' },
  { keys: 'PageUp PageDown', action: '10 slices back / forward' },
  { keys: 'Home End', action: 'First / last slice' },
  ...windowPresets.map((p) => ({ keys: p.key, action: `Window/level: ${p.label}` })),
  { keys: 'O', action: 'Show / hide the segmentation overlay' },
  { keys: 'F', action: 'Overlay as fill / outline' },
  { keys: 'W B E P', action: 'Tool: window/level, brush, eraser, prompt (axial view)' },
  { keys: '[ ]', action: 'Brush radius smaller / larger' },
  {
    keys: 'Ctrl+Z  Ctrl+Y (Ctrl+Shift+Z)',
    action:
      'Undo / redo a version (brush stroke, model result, correction, loaded labels, restored autosave)',
  },
  { keys: 'M', action: 'Maximise / restore the active view' },
  { keys: 'V (hold)', action: 'Push to talk: say a correction, let go to transcribe it' },
  { keys: 'R', action: 'Reset zoom and pan of the active view' },
  { keys: '?', action: 'This help' },
  { keys: 'Mouse', action: 'Click: crosshair · drag: W/L or brush · shift/middle drag: pan' },
  { keys: 'Mouse', action: 'Right drag or Ctrl+wheel: zoom · wheel: slices · double click: maximise' },
  { keys: 'Mouse', action: 'Prompt tool: drag a box · click a point · shift/alt-click a negative point' },
];

const slideSteps: Record<string, number> = {
  ArrowUp: -1,
  ArrowDown: 1,
  ArrowLeft: -1,
  ArrowRight: 1,
  PageUp: -10,
  PageDown: 10,
};

/** Text fields, menus and sliders keep their keys; a focused checkbox or button does not. */
export function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement)
    return !['checkbox', 'radio', 'button', 'submit'].includes(target.type);
  return target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName);
}

export function useShortcuts(toggleHelp: () => void) {
  const view = useViewStore();
  const segmentation = useSegmentationStore();

  function onKey(event: KeyboardEvent) {
    if (isEditable(event.target) || event.altKey) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (event.ctrlKey || event.metaKey) {
      if (key === 'z' && !event.shiftKey) segmentation.undo();
      else if (key === 'y' || (key === 'z' && event.shiftKey)) segmentation.redo();
      else return;
      event.preventDefault();
      return;
    }
    const preset = windowPresets.find((p) => p.key === key);
    if (key === 'Home') view.setSlice(0);
    else if (key === 'End') view.setSlice(view.sliceCount(view.activeView) - 1);
    else if (key in slideSteps) view.scrollBy(slideSteps[key]);
    else if (preset && view.presetAvailable(preset.id)) view.applyPreset(preset.id);
    else if (key === 'o') segmentation.toggleOverlay();
    else if (key === 'f') segmentation.mode = segmentation.mode === 'fill' ? 'outline' : 'fill';
    else if (key === 'w') view.tool = 'window-level';
    else if (key === 'b') view.tool = 'brush';
    else if (key === 'e') view.tool = 'eraser';
    else if (key === 'p') view.tool = 'prompt';
    else if (key === '[') view.brushRadiusMm = Math.max(0.5, view.brushRadiusMm - 1);
    else if (key === ']') view.brushRadiusMm = Math.min(50, view.brushRadiusMm + 1);
    else if (key === 'm') view.toggleMaximised(view.activeView);
    else if (key === 'r') view.resetCamera(view.activeView);
    else if (key === '?') toggleHelp();
    else return;
    event.preventDefault();
  }

  window.addEventListener('keydown', onKey);
  onScopeDispose(() => window.removeEventListener('keydown', onKey));
}
