"""The import graph of ``src/cuflow``: every import, module-level or inside a function, resolved
to the cuflow module it names, and each module's place in the stack of ``DESIGN.md``.

Used by the contract tests and runnable on its own (``python tests/contracts/import_graph.py``)
to print the upward arrows and package cycles.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "cuflow"

# The stack, bottom to top. A module may import modules of its own rank or below; an import of a
# higher rank is an upward arrow. Within one rank, packages may import each other but never in a
# cycle. Keys are the first component under cuflow (a package or a top-level module).
STACK = {
    "base": ["tree", "errors", "_lookup", "registration"],
    "backend": ["backend", "memory"],
    "tensor": ["tensor", "autodiff", "gradient_tape", "random"],
    "ops": ["ops"],
    "objects": ["activations", "initializers", "regularizers", "constraints", "losses",
                "metrics", "optimizers", "mixed_precision", "quantizers", "dtype_policies"],
    "layers": ["layers"],
    "models": ["models", "trainers"],
    "around": ["saving", "callbacks", "distribute", "debug", "preprocessing", "applications",
               "datasets", "utils", "cli", "config", "testing", "keras",
               "__main__", "__init__"],
}
RANK = {unit: i for i, units in enumerate(STACK.values()) for unit in units}


@dataclass(frozen=True)
class Import:
    source: str  # importing module, dotted, e.g. "cuflow.ops.nn"
    target: str  # imported cuflow module (longest existing prefix)
    line: int
    local: bool  # inside a function or method

    @property
    def where(self) -> str:
        return f"{module_path(self.source)}:{self.line}"


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(SRC).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def module_path(name: str) -> str:
    path = modules()[name]
    return str(path.relative_to(SRC.parent))


def unit_of(module: str) -> str:
    """``cuflow.ops.nn`` -> ``ops``; ``cuflow`` itself -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def package_of(module: str, is_package: bool) -> str:
    return module if is_package else module.rpartition(".")[0]


def _resolve(name: str, known: set[str]) -> str | None:
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, package: str, known: set[str]):
        self.module, self.package, self.known = module, package, known
        self.depth = 0
        self.found: list[Import] = []

    def _function(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def _add(self, name: str, line: int):
        target = _resolve(name, self.known)
        if target is not None and target != self.module:
            self.found.append(Import(self.module, target, line, self.depth > 0))

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name.split(".")[0] == "cuflow":
                self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node):
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - node.level + 1]
            stem = ".".join(base + ([node.module] if node.module else []))
        elif node.module and node.module.split(".")[0] == "cuflow":
            stem = node.module
        else:
            return
        for alias in node.names:  # `from . import x` may name a submodule
            full = f"{stem}.{alias.name}"
            self._add(full if full in self.known else stem, node.lineno)

    def visit_Call(self, node):
        # importlib.import_module("cuflow.x") / import_module(".x", __name__)
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "import_module" and node.args and isinstance(node.args[0], ast.Constant):
            arg = node.args[0].value
            if isinstance(arg, str):
                if arg.startswith("."):
                    level = len(arg) - len(arg.lstrip("."))
                    base = self.package.split(".")
                    base = base[: len(base) - level + 1]
                    rest = arg.lstrip(".")
                    self._add(".".join(base + ([rest] if rest else [])), node.lineno)
                elif arg.split(".")[0] == "cuflow":
                    self._add(arg, node.lineno)
        self.generic_visit(node)


def imports() -> list[Import]:
    mods = modules()
    known = set(mods)
    found: list[Import] = []
    for name, path in mods.items():
        package = package_of(name, path.name == "__init__.py")
        collector = _Collector(name, package, known)
        collector.visit(ast.parse(path.read_text(), str(path)))
        found.extend(collector.found)
    return found


def upward(found: list[Import] | None = None) -> list[Import]:
    found = imports() if found is None else found
    return [imp for imp in found
            if RANK[unit_of(imp.target)] > RANK[unit_of(imp.source)]]


def unknown_units() -> set[str]:
    return {unit_of(m) for m in modules()} - set(RANK)


def package_edges(found: list[Import] | None = None) -> dict[str, set[str]]:
    """Edges between top-level units (packages and top-level modules), `__init__` excluded:
    the package root re-exports everything by design."""
    found = imports() if found is None else found
    edges: dict[str, set[str]] = {}
    for imp in found:
        a, b = unit_of(imp.source), unit_of(imp.target)
        if a != b and "__init__" not in (a, b):
            edges.setdefault(a, set()).add(b)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one unit (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main():
    found = imports()
    print(f"{len(found)} imports, {sum(i.local for i in found)} inside functions")
    print("units outside the stack:", sorted(unknown_units()))
    up = [i for i in found if unit_of(i.source) in RANK and unit_of(i.target) in RANK
          and RANK[unit_of(i.target)] > RANK[unit_of(i.source)]]
    print(f"{len(up)} upward:")
    for imp in up:
        print(f"  {imp.where:55s} {imp.source} -> {imp.target}{' (local)' if imp.local else ''}")
    for comp in cycles(package_edges(found)):
        print("cycle:", " ".join(comp))


if __name__ == "__main__":
    main()
