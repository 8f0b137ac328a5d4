"""Reference encoder inputs from training/data/preprocess.py for preprocess.test.ts.

usage: preprocess_reference.py <volume> <modality> <z,z,...> <out.bin>
Writes the [N, S, S] float32 slices (little-endian) that training would feed the encoder, in the
plane the app segments the volume in (a slab's acquisition plane, else axial).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from training.data.io import read_volume  # noqa: E402
from training.data.preprocess import acquisition_plane, volume_to_slices  # noqa: E402

path, modality, zs, out = sys.argv[1:5]
v = read_volume(path, modality)
v.modality = modality
plane = acquisition_plane(v.spacing_mm)
s = volume_to_slices(v, None, {}, [], {}, z_indices=[int(z) for z in zs.split(",")], plane=plane)
s.images.astype("<f4").tofile(out)
