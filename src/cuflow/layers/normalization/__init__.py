"""Normalization layers: Batch-, Layer-, Group-, Unit- and SpectralNormalization."""
