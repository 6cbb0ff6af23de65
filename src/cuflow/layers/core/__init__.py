"""Core layers: Dense, EinsumDense, Embedding, Lambda, Identity, Masking, Input / InputLayer, the
symbolic ``KerasTensor`` and the ``Wrapper`` base."""
