"""LoRA as Keras 3 (``lora_rank``, ``lora_alpha``, ``enable_lora``): the argument checks, the
messages and the config that Dense, EinsumDense, Embedding and the convolutions share. Each layer
adds its own A and B factors and merges ``kernel + lora_alpha / rank * A @ B``."""

from __future__ import annotations


class LoraMixin:
    """Mixed into a Layer subclass with a frozen main weight and LoRA factors."""

    def _set_weight_trainable(self, var, trainable):
        self._own_weights = [(v, trainable if v is var else t) for v, t in self._own_weights]
        var._set_trainable(trainable and self.trainable)

    def _init_lora(self, lora_rank, lora_alpha):
        if lora_rank is not None and (not isinstance(lora_rank, int) or lora_rank <= 0):
            raise ValueError(f"{type(self).__name__}: lora_rank must be a positive int or None; "
                             f"received lora_rank={lora_rank!r}")
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False

    def _check_enable_lora(self, constraint, what, argument):
        if constraint is not None:
            raise ValueError(f"Lora is incompatible with {what} constraints. In order to enable "
                             f"lora on this layer, remove the `{argument}` argument.")
        if not self.built:
            raise ValueError("Cannot enable lora on a layer that isn't yet built.")
        if self.lora_enabled:
            raise ValueError("lora is already enabled. This can only be done once per layer.")

    def _lora_scale(self):
        return self.lora_alpha / self.lora_rank

    def _lora_config(self):
        return {"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha} \
            if self.lora_rank else {}
