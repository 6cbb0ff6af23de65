"""Hinge losses: hinge, squared hinge and categorical hinge (maximum-margin classifiers)."""

from __future__ import annotations

from .loss import _elementwise, _wrapper_class

hinge = _elementwise("hinge")
squared_hinge = _elementwise("squared_hinge")
categorical_hinge = _elementwise("categorical_hinge")


# ---- classes ------------------------------------------------------------------------------------

Hinge = _wrapper_class("Hinge", hinge, "hinge",
                       "Mean of max(1 - y_true * y_pred, 0); 0/1 labels become -1/1.")
SquaredHinge = _wrapper_class("SquaredHinge", squared_hinge, "squared_hinge",
                              "Mean of max(1 - y_true * y_pred, 0)**2.")
CategoricalHinge = _wrapper_class("CategoricalHinge", categorical_hinge, "categorical_hinge",
                                  "max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0).")


__all__ = [
    "CategoricalHinge", "Hinge", "SquaredHinge", "categorical_hinge", "hinge", "squared_hinge"
]
