"""The images the image preprocessing layer tests run on."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def images():
    return np.random.default_rng(0).uniform(0, 255, (3, 6, 6, 2)).astype(np.float32)
