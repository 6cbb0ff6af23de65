"""Pooling layers: max / average pooling and their global forms (1D/2D/3D)."""
