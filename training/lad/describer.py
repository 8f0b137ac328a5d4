"""Style describer: a text description of an image's confounding style (not its anatomy).

Built from what is known: DICOM acquisition fields where present, measured image statistics
(noise, contrast, intensity range, bias field, resolution/sharpness) and the style augmentations
applied. A local vision-language model can be plugged in with :class:`CallableDescriber`.
"""

from typing import Callable, Dict, List, Mapping, Optional, Protocol, Sequence

import numpy as np
from scipy import ndimage

ACQ_FIELDS = (
    ("Modality", "modality"),
    ("Manufacturer", "manufacturer"),
    ("ManufacturerModelName", "scanner model"),
    ("MagneticFieldStrength", "field strength tesla"),
    ("SequenceName", "sequence"),
    ("SeriesDescription", "series"),
    ("ConvolutionKernel", "kernel"),
    ("KVP", "kvp"),
    ("SliceThickness", "slice thickness mm"),
)


class Describer(Protocol):
    def describe(
        self, image: np.ndarray, meta: Mapping[str, str], augmentations: Sequence[Mapping]
    ) -> str:
        ...


def _level(x: float, edges: Sequence[float], words: Sequence[str]) -> str:
    for e, w in zip(edges, words):
        if x < e:
            return w
    return words[-1]


def image_statistics(image: np.ndarray) -> Dict[str, float]:
    """Statistics of a 2D image [H, W] in [0, 1].

    noise: robust sigma of the Laplacian residual (MAD); contrast: p95 - p5 of the foreground;
    mean: foreground mean; bias: relative spread of a heavily smoothed image over the
    foreground; sharpness: mean gradient magnitude / contrast.
    """
    img = image.astype(np.float32)
    fg = img > (img.min() + 0.02)
    if fg.sum() < 16:
        fg = np.ones_like(img, dtype=bool)
    lap = ndimage.laplace(img)
    noise = float(1.4826 * np.median(np.abs(lap[fg] - np.median(lap[fg]))) / np.sqrt(20))
    p5, p95 = np.percentile(img[fg], [5, 95])
    contrast = float(p95 - p5)
    smooth = ndimage.gaussian_filter(img, 12)
    bias = float(np.std(smooth[fg]) / (np.mean(smooth[fg]) + 1e-6))
    gy, gx = np.gradient(img)
    sharp = float(np.mean(np.hypot(gx, gy)[fg]) / (contrast + 1e-6))
    return {
        "noise": noise,
        "contrast": contrast,
        "mean": float(img[fg].mean()),
        "bias": bias,
        "sharpness": sharp,
    }


def describe_augmentation(rec: Mapping) -> str:
    name = str(rec.get("name"))
    if name == "gamma":
        g = float(rec["gamma"])  # type: ignore[arg-type]
        return "gamma " + ("brightened" if g < 1 else "darkened") + " intensities"
    if name == "random_conv":
        return f"random convolution texture kernel {rec.get('kernel')}"
    if name == "inversion":
        return "inverted contrast"
    if name == "bias_field":
        strong = float(rec["strength"]) > 0.6  # type: ignore[arg-type]
        return "strong bias field" if strong else "mild bias field"
    if name == "resolution":
        return "reduced resolution blurred"
    if name == "noise":
        return "added noise"
    if name == "intensity_remap":
        return "remapped intensity curve"
    return name.replace("_", " ")


class StyleDescriber:
    """Built-in describer: acquisition fields + measured statistics + augmentations -> text."""

    def describe(
        self,
        image: np.ndarray,
        meta: Mapping[str, str],
        augmentations: Sequence[Mapping] = (),
    ) -> str:
        parts: List[str] = []
        acq = [f"{label} {meta[k]}" for k, label in ACQ_FIELDS if meta.get(k)]
        if not meta.get("Modality") and meta.get("modality"):
            acq.insert(0, f"modality {meta['modality']}")
        parts.append(", ".join(acq) if acq else "acquisition unknown")
        if meta.get("spacing_mm"):
            parts.append(f"voxel spacing {meta['spacing_mm']} mm")
        s = image_statistics(image)
        parts.append(
            ", ".join(
                [
                    _level(
                        s["noise"],
                        (0.004, 0.012, 0.03),
                        ("clean", "low noise", "noisy", "very noisy"),
                    ),
                    _level(
                        s["contrast"],
                        (0.25, 0.5, 0.75),
                        ("flat", "low contrast", "medium contrast", "high contrast"),
                    ),
                    _level(
                        s["mean"], (0.3, 0.5, 0.7), ("dark", "mid dark", "mid bright", "bright")
                    ),
                    _level(
                        s["bias"],
                        (0.15, 0.3, 0.5),
                        ("uniform", "slight shading", "shading", "strong shading"),
                    ),
                    _level(
                        s["sharpness"], (0.1, 0.2, 0.4), ("blurry", "soft", "sharp", "very sharp")
                    ),
                ]
            )
        )
        if augmentations:
            parts.append("style: " + ", ".join(describe_augmentation(a) for a in augmentations))
        else:
            parts.append("style: original")
        return "; ".join(parts)


class CallableDescriber:
    """Wrap a user's vision-language model: ``fn(image, meta) -> str``, appended to the built-in.

    Example: ``CallableDescriber(lambda im, m: my_vlm.caption(im, prompt="Describe the scanner
    style, not the anatomy"))``.
    """

    def __init__(
        self, fn: Callable[[np.ndarray, Mapping[str, str]], str], keep_builtin: bool = True
    ):
        self.fn = fn
        self.builtin: Optional[StyleDescriber] = StyleDescriber() if keep_builtin else None

    def describe(
        self, image: np.ndarray, meta: Mapping[str, str], augmentations: Sequence[Mapping] = ()
    ) -> str:
        text = self.fn(image, meta)
        if self.builtin is not None:
            text = self.builtin.describe(image, meta, augmentations) + "; " + text
        return text
