"""CPU training pace (issue 17): the MLP and the small CNN through ``model.fit``, beside the same
steps written by hand in NumPy and in PyTorch eager, from the same initial weights and batches.

Run: ``python -m benchmarks.pace`` (``--help`` for options). Each (workload, framework) runs in a
fresh process: one warm-up epoch, then three timed epochs; the median epoch is reported, with the
load other processes put on the machine during each epoch and the final training loss.
``python -m benchmarks.pace.profile`` breaks one cuflow epoch down by backend op and by function.
"""
