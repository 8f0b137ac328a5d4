// A vtk.js render window bound to a container element for as long as the calling Vue scope lives.
// Everything created here is deleted on scope dispose, including the WebGL context (browsers cap
// live contexts at ~16, so a leaked view eventually blanks the others).
import { onScopeDispose, ref, watch, type Ref } from 'vue';
import '@kitware/vtk.js/Rendering/OpenGL/Profiles/Geometry';
import '@kitware/vtk.js/Rendering/OpenGL/Profiles/Volume';
import vtkRenderWindow from '@kitware/vtk.js/Rendering/Core/RenderWindow';
import vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer';
import vtkOpenGLRenderWindow from '@kitware/vtk.js/Rendering/OpenGL/RenderWindow';
import { tracked } from './liveObjects';

export interface VtkView {
  renderWindow: vtkRenderWindow;
  renderer: vtkRenderer;
  openGLRenderWindow: vtkOpenGLRenderWindow;
  /** Size of the drawing buffer in device pixels, [0, 0] until the container is laid out. */
  size: Readonly<Ref<[number, number]>>;
  /** Coalesces any number of changes into one render on the next animation frame. */
  requestRender(): void;
}

export function useVtkView(
  container: Readonly<Ref<HTMLElement | null>>,
  background: [number, number, number] = [0, 0, 0],
): VtkView {
  const renderWindow = tracked(vtkRenderWindow.newInstance());
  const renderer = tracked(vtkRenderer.newInstance({ background }));
  renderWindow.addRenderer(renderer);
  // WebGL2, created directly: importing the class is what registers it with vtk.js, and WebGL2 is
  // what every target provides (Electron's Chromium, headless Chromium through SwiftShader).
  const openGLRenderWindow = tracked(vtkOpenGLRenderWindow.newInstance());
  renderWindow.addView(openGLRenderWindow);

  const size = ref<[number, number]>([0, 0]);
  let frame = 0;

  function requestRender() {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      if (size.value[0] > 0 && size.value[1] > 0) renderWindow.render();
    });
  }

  function resize() {
    const el = container.value;
    if (!el) return;
    const { width, height } = el.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const next: [number, number] = [Math.floor(width * ratio), Math.floor(height * ratio)];
    if (next[0] === size.value[0] && next[1] === size.value[1]) return;
    openGLRenderWindow.setSize(Math.max(1, next[0]), Math.max(1, next[1]));
    size.value = next;
    requestRender();
  }

  const observer = new ResizeObserver(resize);
  watch(
    container,
    (el, _old, onCleanup) => {
      if (!el) return;
      openGLRenderWindow.setContainer(el);
      observer.observe(el);
      resize();
      onCleanup(() => {
        observer.unobserve(el);
        openGLRenderWindow.setContainer(null);
      });
    },
    { immediate: true, flush: 'post' },
  );

  onScopeDispose(() => {
    cancelAnimationFrame(frame);
    observer.disconnect();
    renderWindow.removeRenderer(renderer);
    renderWindow.removeView(openGLRenderWindow);
    // Deleting the OpenGL view detaches its canvas and releases the WebGL context.
    openGLRenderWindow.delete();
    renderer.delete();
    renderWindow.delete();
  });

  return { renderWindow, renderer, openGLRenderWindow, size, requestRender };
}
