"""Convolution layers: Conv, ConvTranspose, DepthwiseConv, SeparableConv (1D/2D/3D)."""
