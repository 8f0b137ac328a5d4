"""Data: readers, dataset layouts, label mapping, preprocessing, augmentation, shifts."""
