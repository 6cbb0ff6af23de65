"""Training: ``trainer.Trainer`` (compile / fit / evaluate / predict, mixed into ``Model``), the
loss and metrics of a compile (``compile_utils``), the loops (``epoch_iterator``), the eager and
the captured (CUDA graph) steps (``step``, ``captured_step``), the data adapters, and the
distribution strategy the loop always calls (``distribution``: a do-nothing default).

Nothing is imported here, so ``cuflow.trainers.data_adapters`` (which ``cuflow.utils``
re-exports) loads without the trainer."""
