// Files or folders dropped anywhere on the window open as a study. `dragging` drives the overlay;
// dragenter/dragleave fire for every child element, so a depth counter tells when the drag left.
import { onScopeDispose, ref } from 'vue';
import { readDroppedFiles, type ReadFile } from '../io';

const carriesFiles = (event: DragEvent) =>
  !!event.dataTransfer && [...event.dataTransfer.types].includes('Files');

export function useFileDrop(onFiles: (files: ReadFile[]) => void, onError: (error: unknown) => void) {
  const dragging = ref(false);
  let depth = 0;

  const onEnter = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    depth++;
    dragging.value = true;
  };
  const onLeave = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) dragging.value = false;
  };
  const onOver = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    // Without this the browser would navigate to the dropped file.
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  };
  const onDrop = (event: DragEvent) => {
    if (!event.dataTransfer || !carriesFiles(event)) return;
    event.preventDefault();
    depth = 0;
    dragging.value = false;
    readDroppedFiles(event.dataTransfer).then((files) => {
      if (files.length) onFiles(files);
      else onError(new Error('Nothing readable was dropped (empty folder or only hidden files).'));
    }, onError);
  };

  window.addEventListener('dragenter', onEnter);
  window.addEventListener('dragleave', onLeave);
  window.addEventListener('dragover', onOver);
  window.addEventListener('drop', onDrop);
  onScopeDispose(() => {
    window.removeEventListener('dragenter', onEnter);
    window.removeEventListener('dragleave', onLeave);
    window.removeEventListener('dragover', onOver);
    window.removeEventListener('drop', onDrop);
  });

  return { dragging };
}
