"""Preprocessing layers (text, categorical, audio, image): they run through ``cuflow.ops`` or on the
host, and can sit inside a model."""
