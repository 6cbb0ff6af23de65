"""Image preprocessing: rescaling, normalization, resizing, cropping and random augmentation."""
