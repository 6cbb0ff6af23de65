"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, Cropping, UpSampling, ZeroPadding."""
