"""The NumPy backend by kernel family: the CPU implementation and the reference semantics."""
