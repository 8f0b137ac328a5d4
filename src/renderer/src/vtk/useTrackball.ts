// Rotate (left drag), pan (middle or shift+left) and zoom (right drag, wheel) a 3D view with vtk.js's
// trackball interactor, bound to the view's container for as long as the calling scope lives.
import { onScopeDispose, watch, type Ref } from 'vue';
import vtkRenderWindowInteractor from '@kitware/vtk.js/Rendering/Core/RenderWindowInteractor';
import vtkInteractorStyleTrackballCamera from '@kitware/vtk.js/Interaction/Style/InteractorStyleTrackballCamera';
import type { VtkView } from './useVtkView';
import { tracked } from './liveObjects';

export function useTrackball(view: VtkView, container: Readonly<Ref<HTMLElement | null>>) {
  const interactor = tracked(vtkRenderWindowInteractor.newInstance());
  const style = tracked(vtkInteractorStyleTrackballCamera.newInstance());
  interactor.setInteractorStyle(style);
  interactor.setView(view.openGLRenderWindow);
  interactor.initialize();

  watch(
    container,
    (el, _old, onCleanup) => {
      if (!el) return;
      interactor.bindEvents(el);
      onCleanup(() => interactor.unbindEvents());
    },
    { immediate: true, flush: 'post' },
  );

  onScopeDispose(() => {
    interactor.unbindEvents();
    interactor.delete();
    style.delete();
  });
  return interactor;
}
