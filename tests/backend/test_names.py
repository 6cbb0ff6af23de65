"""Every kernel-backed activation and loss is listed once, in backend/names.py: the X-macro lists
of ``kernels/cf_activations.cuh`` and ``kernels/cf_losses.cuh`` and the kernels defined in
``kernels/losses.cu`` are read back here and must agree with it, and no other module of the
package keeps its own copy of those lists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cuflow.backend import names

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "kernels"
SRC = ROOT / "src" / "cuflow"


def _x_macro(header, macro):
    """The names of ``#define <macro>(X) X(a) X(b) ...`` in a header, in order."""
    text = (KERNELS / header).read_text()
    m = re.search(rf"#define {macro}\(X\)(.*?)(?<!\\)\n", text, re.S)
    assert m, f"{macro} not found in {header}"
    return tuple(re.findall(r"X\((\w+)\)", m.group(1)))


def test_activation_list_equals_cf_activations_cuh():
    assert _x_macro("cf_activations.cuh", "CF_ACTIVATION_LIST") == names.ACTIVATIONS


def test_elementwise_loss_list_equals_cf_losses_cuh():
    assert _x_macro("cf_losses.cuh", "CF_ELEM_LOSS_LIST") == names.ELEM_LOSS_KERNELS


def test_row_and_sparse_loss_kernels_are_those_defined_in_losses_cu():
    text = (KERNELS / "losses.cu").read_text()
    defined = set(re.findall(r"__global__ void (?:CF_MAX_1024 )?cf_(\w+)_fwd\(", text))
    assert defined == set(names.ROW_LOSS_KERNELS) | set(names.SPARSE_LOSS_KERNELS)


def test_every_loss_has_a_kernel_and_every_kernel_a_loss():
    kernels = names.ELEM_LOSS_KERNELS + names.ROW_LOSS_KERNELS + names.SPARSE_LOSS_KERNELS
    assert len(set(kernels)) == len(kernels)
    assert {k.removesuffix("_logits") for k in kernels} == set(names.LOSSES)
    for listed in (names.ACTIVATIONS, names.LOSSES):
        assert len(set(listed)) == len(listed)


def _string_collections(tree):
    """Every tuple, list or set literal of plain strings in a module, as a set of its strings
    (``__all__`` lists public names, not kernels: left out)."""
    exports = {id(node) for n in ast.walk(tree) if isinstance(n, ast.Assign)
               and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)
               for node in ast.walk(n.value)}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts) \
                and id(node) not in exports:
            yield {e.value for e in node.elts}


def test_no_other_module_keeps_a_copy_of_the_lists():
    copies = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "backend" / "names.py":
            continue
        for found in _string_collections(ast.parse(path.read_text())):
            for listed in (names.ACTIVATIONS, names.LOSSES, names.ELEM_LOSS_KERNELS):
                if len(found & set(listed)) > len(listed) // 2:
                    copies.append(str(path.relative_to(SRC)))
    assert copies == []
