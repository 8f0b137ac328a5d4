// The label overlay of one 2D view: one image slice per label layer, coloured by a lookup table
// built from the segments' colours, visibility and opacity, filled or outlined. Drawn a hair in
// front of the image slice so the two coplanar quads never fight over depth.
import { onScopeDispose, watchEffect, type Ref } from 'vue';
import vtkImageMapper from '@kitware/vtk.js/Rendering/Core/ImageMapper';
import vtkImageSlice from '@kitware/vtk.js/Rendering/Core/ImageSlice';
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction';
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction';
import type vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import type { IndexAxis, LabelLookup } from '../imaging';
import type { Vec3 } from '../../../shared/volume';
import type { VtkView } from './useVtkView';
import { tracked } from './liveObjects';

interface LayerSlice {
  mapper: vtkImageMapper;
  actor: vtkImageSlice;
  colors: vtkColorTransferFunction;
  opacities: vtkPiecewiseFunction;
}

export interface LabelSliceState {
  axis: Readonly<Ref<IndexAxis>>;
  index: Readonly<Ref<number>>;
  /** Per layer. */
  lookups: Readonly<Ref<LabelLookup[]>>;
  visible: Readonly<Ref<boolean>>;
  outline: Readonly<Ref<boolean>>;
  /** Towards the camera, mm. */
  offset: Readonly<Ref<Vec3>>;
  /**
   * The layers' revisions: an edit, undo or redo changes the voxels in place (the images are marked
   * modified), and the view must draw again to show it — at once, not at the next slice change.
   */
  revisions: Readonly<Ref<readonly number[]>>;
}

function makeLayerSlice(): LayerSlice {
  const mapper = tracked(vtkImageMapper.newInstance());
  const actor = tracked(vtkImageSlice.newInstance());
  const colors = tracked(vtkColorTransferFunction.newInstance());
  const opacities = tracked(vtkPiecewiseFunction.newInstance());
  actor.setMapper(mapper);
  const property = actor.getProperty();
  property.setInterpolationTypeToNearest();
  property.setRGBTransferFunction(0, colors);
  property.setPiecewiseFunction(0, opacities);
  property.setUseLookupTableScalarRange(true);
  actor.setForceTranslucent(true);
  return { mapper, actor, colors, opacities };
}

function disposeLayerSlice(view: VtkView, s: LayerSlice) {
  view.renderer.removeActor(s.actor);
  s.actor.delete();
  s.mapper.delete();
  s.colors.delete();
  s.opacities.delete();
}

export function useLabelSlice(view: VtkView, images: Readonly<Ref<vtkImageData[]>>, state: LabelSliceState) {
  let slices: LayerSlice[] = [];
  let shownImages: vtkImageData[] = [];

  // One effect for both the actors and their settings: new layers must get the current settings
  // whichever of the two changed first.
  watchEffect(() => {
    const axis = state.axis.value;
    const index = state.index.value;
    const lookups = state.lookups.value;
    const visible = state.visible.value;
    const outline = state.outline.value;
    const offset = state.offset.value;
    void state.revisions.value;
    const next = images.value;
    if (next !== shownImages) {
      for (const s of slices) disposeLayerSlice(view, s);
      slices = next.map((image) => {
        const s = makeLayerSlice();
        s.mapper.setInputData(image);
        view.renderer.addActor(s.actor);
        return s;
      });
      shownImages = next;
    }
    slices.forEach((s, n) => {
      const lookup = lookups[n];
      s.mapper.setSlicingMode(axis);
      s.mapper.setSlice(index);
      s.actor.setPosition(...offset);
      s.actor.setVisibility(visible && !!lookup);
      if (!lookup) return;
      s.colors.removeAllPoints();
      for (const [v, r, g, b] of lookup.colors) s.colors.addRGBPoint(v, r, g, b);
      s.opacities.removeAllPoints();
      // Outline mode: the fill goes transparent and the outline takes the segment's opacity.
      for (const [v, a] of lookup.opacities) s.opacities.addPoint(v, outline ? 0 : a);
      const property = s.actor.getProperty();
      property.setUseLabelOutline(outline);
      if (outline) {
        property.setLabelOutlineThickness(2);
        const perLabel = new Array<number>(lookup.maxValue).fill(0);
        for (const [v, a] of lookup.opacities) if (v > 0 && v % 1 !== 0) perLabel[Math.round(v) - 1] = a;
        property.setLabelOutlineOpacity(perLabel);
      }
    });
    view.requestRender();
  });

  onScopeDispose(() => {
    for (const s of slices) disposeLayerSlice(view, s);
    slices = [];
  });
}
