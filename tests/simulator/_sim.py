"""The simulated device: ``kernels/*.cu`` compiled by the host C++ compiler with ``cuda_sim.h``
and launched by the REAL wrappers of ``backend/cuda/*.py``.

* :func:`compile_library` compiles one source with every name expression its family module
  declares (``NAME_EXPRESSIONS``) into a shared library with one launch entry per expression and
  the C++ parameter list of each as the compiler instantiated it (``__PRETTY_FUNCTION__``; the
  NVRTC build's own lists are checked by ``tests/backend/cuda``).
* :class:`Simulator` stands in for ``compile.get_kernel``: a launch is first checked as the launch
  checker checks it (grid/block limits, argument count and exact types against the parameter
  list, float4 alignment, launch bounds), then runs every thread of every block on the CPU.
* :func:`sim_arrays` makes CuPy allocate host memory with red zones (0xFF bytes, NaN in every
  float width, or huge negative values) before and after each buffer; a launch that writes
  outside the buffers it was given fails.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import fcntl
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

from ..backend.cuda import _fake_device as fd

HERE = Path(__file__).resolve().parent
HEADER = HERE / "cuda_sim.h"
CXX = shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")
CXXFLAGS = ("-std=c++17", "-O1", "-fPIC", "-ffp-contract=off", "-fno-strict-aliasing",
            "-fsanitize=alignment,bounds", "-DCF_SIM")
REDZONE = 256

_CTYPES = {"long long": ctypes.c_longlong, "int": ctypes.c_int, "double": ctypes.c_double,
           "float": ctypes.c_float, "unsigned long long": ctypes.c_ulonglong}


def available():
    """None when the simulator can run here, else the reason it cannot."""
    if CXX is None:
        return "no C++ compiler (g++/c++/clang++) on PATH"
    try:
        import cupy  # noqa: F401
    except Exception:
        return "needs CuPy (its ndarray over host memory stands in for device arrays)"
    return None


def generated_source(source, exprs, text=None):
    """C++ text: the kernel source, then per name expression a launch body calling the kernel
    with its arguments read at their parameter types, and the parameter list as the compiler
    sees it; ``cfsim_launch(which, grid, block, args)`` and ``cfsim_signature(which)``."""
    lines = [text if text is not None else f'#include "{source}"', "#include <utility>",
             "namespace {",
             "template <class... P, size_t... I>",
             "void call(void (*f)(P...), void** a, std::index_sequence<I...>) {",
             "  (void)a;", "  f(*(P*)a[I]...);", "}",
             "template <class... P> void call(void (*f)(P...), void** a) {",
             "  call(f, a, std::index_sequence_for<P...>{});", "}",
             "template <class... P> const char* sig(void (*)(P...)) {",
             "  return __PRETTY_FUNCTION__;", "}"]
    for i, expr in enumerate(exprs):
        lines.append(f"void k{i}(void** a) {{ call(&{expr}, a); }}")
    lines += ["}",
              'extern "C" int cfsim_launch(int which, unsigned gx, unsigned gy, unsigned gz,',
              "                            unsigned bx, unsigned by, unsigned bz, void** a) {",
              "  static void (*const table[])(void**) = {",
              *[f"    k{i}," for i in range(len(exprs))],
              "  };",
              "  return cf_sim::launch(gx, gy, gz, bx, by, bz, table[which], a);",
              "}",
              'extern "C" void cfsim_set_reverse(int r) { cf_sim::sim.reverse = r != 0; }',
              'extern "C" const char* cfsim_signature(int which) {',
              "  static const char* const sigs[] = {",
              *[f"    sig(&{e})," for e in exprs],
              "  };",
              "  return sigs[which];",
              "}"]
    return "\n".join(lines) + "\n"


_GCC_NAMES = {"long long int": "long long", "long long unsigned int": "unsigned long long",
              "long int": "long long", "unsigned int": "unsigned int"}


def parse_signature(pretty):
    """GCC's ``... [with P = {const float*, float*, long long int}]`` -> the c++filt spelling
    the launch checker knows: ``['float const*', 'float*', 'long long']``."""
    inner = pretty[pretty.index("{", pretty.index("[with")) + 1:pretty.rindex("}")]
    out = []
    for t in fd._split_params(inner):
        const, ptr = "const" in t.split(), t.endswith("*")
        words = t.replace("*", " ").split()
        base = " ".join(w for w in words if w not in ("const", "__restrict__"))
        base = _GCC_NAMES.get(base, base)
        out.append(f"{base} const*" if const and ptr else f"{base}*" if ptr else base)
    return out


def compile_library(code, out_dir, name, include_dirs=()):
    """Compile generated C++ ``code`` into ``out_dir/name.so`` (reused when the text, the header
    and the flags are unchanged; a file lock serialises pytest-xdist workers)."""
    from cuflow.backend.cuda import compile as kernels

    includes = [str(kernels.kernels_dir()), *map(str, include_dirs)]
    key = hashlib.sha256("\0".join([code, HEADER.read_text(), *CXXFLAGS, *includes]).encode())
    for inc in sorted(kernels.kernels_dir().iterdir()):
        key.update(inc.read_bytes())
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    so = out_dir / f"{name}-{key.hexdigest()[:16]}.so"
    with open(out_dir / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not so.exists():
            cpp = so.with_suffix(".cpp")
            cpp.write_text(code)
            obj = so.with_suffix(".o")
            cmd = [CXX, *CXXFLAGS, "-include", str(HEADER), *(f"-I{i}" for i in includes),
                   "-c", str(cpp), "-o", str(obj)]
            res = subprocess.run(cmd, capture_output=True, text=True)
            if res.returncode:
                raise RuntimeError(f"host compile of {name} failed:\n{res.stderr[-6000:]}")
            tmp = so.with_suffix(".tmp")
            subprocess.run([CXX, "-shared", str(obj), "-o", str(tmp)], check=True)
            tmp.rename(so)
    lib = ctypes.CDLL(str(so))
    lib.cfsim_launch.argtypes = [ctypes.c_int, *[ctypes.c_uint] * 6, ctypes.c_void_p]
    lib.cfsim_launch.restype = ctypes.c_int
    lib.cfsim_error.restype = ctypes.c_char_p
    lib.cfsim_signature.restype = ctypes.c_char_p
    lib.cfsim_set_reverse.argtypes = [ctypes.c_int]
    return lib


class SimError(fd.LaunchError):
    """A kernel misbehaved in the simulator (barrier, shuffle, alignment, bounds, red zone)."""


def pack_args(args, params):
    """``void*[]`` pointing at each argument as its C++ parameter type (kept alive by ``keep``)."""
    keep = []
    for a, p in zip(args, params):
        if "*" in p:
            keep.append(ctypes.c_void_p(0 if type(a) is np.uint64 else int(a.data.ptr)))
        else:
            keep.append(_CTYPES[fd._base_type(p)](a.item() if hasattr(a, "item") else a))
    arr = (ctypes.c_void_p * max(1, len(keep)))(*[ctypes.addressof(k) for k in keep])
    return arr, keep


class SimKernel(fd.FakeKernel):
    def __init__(self, sim, source, expr, params, lib, index):
        super().__init__(sim, source, expr, params)
        self.lib, self.index = lib, index

    def __call__(self, grid, block, args, shared_mem=0, stream=None):
        # the launch checker's checks, then the run
        where = f"{self.source}:{self.expr}"
        real = self.source not in self.checker.extra
        fd.check_dims(where, grid, block,
                      needs_warps=real and any(r in self.expr for r in fd._BLOCK_REDUCERS))
        args = tuple(args)
        if len(args) != len(self.params):
            raise fd.LaunchError(f"{where}: {len(args)} arguments for {len(self.params)} "
                                 f"parameters {self.params}")
        for i, (a, p) in enumerate(zip(args, self.params)):
            fd.check_arg(f"{where} argument {i} ({p})", a, p)
        name = self.expr.split("<")[0]
        threads = int(np.prod(tuple(block)))
        if threads > fd.UNBOUNDED_MAX_THREADS and \
                not any(r.match(name) for r in self.checker.bounded(self.source)):
            raise fd.LaunchError(f"{where}: {threads} threads per block, but {name} has no "
                                 f"__launch_bounds__(1024) (CF_MAX_1024)")
        self.checker.launches.append((self.source, self.expr, tuple(grid), tuple(block), args))
        g = tuple(grid) + (1,) * (3 - len(grid))
        b = tuple(block) + (1,) * (3 - len(block))
        arr, _keep = pack_args(args, self.params)
        self.lib.cfsim_set_reverse(int(self.checker.reverse))
        if self.lib.cfsim_launch(self.index, *map(int, g), *map(int, b), arr):
            raise SimError(f"{self.source}:{self.expr}: {self.lib.cfsim_error().decode()}")
        self.checker.after_launch(f"{self.source}:{self.expr}", args)


class Simulator(fd.LaunchChecker):
    """``compile.get_kernel`` for the simulated device (one library per source, built lazily)."""

    def __init__(self, build_dir, arena=None):
        super().__init__()
        self.build_dir, self.arena, self.libs, self.extra = Path(build_dir), arena, {}, {}
        self.reverse = False  # the reversed schedule (cuda_sim.h): blocks and threads backwards

    def add_source(self, name, text, exprs):
        """A kernel source given as text (the simulator's own tests), launched by name."""
        self.extra[name] = (text, tuple(exprs))

    def bounded(self, source):
        """Regexes of the kernels of ``source`` that may run more than 256 threads a block."""
        if source not in self.extra:
            return fd.bounded_to_1024(source)
        found = re.findall(r"__global__\s+void\s+(?:CF_MAX_1024|__launch_bounds__\(1024\))\s+"
                           r"(\w+)\s*\(", self.extra[source][0])
        return tuple(re.compile(f"{n}$") for n in found)

    def library(self, source):
        """(library, {name expression: (index, C++ parameter list)}) of ``source``."""
        if source not in self.libs:
            from cuflow.backend.cuda import compile as kernels

            if source in self.extra:
                text, exprs = self.extra[source]
                code = generated_source(source, exprs, text)
            else:
                exprs = kernels.name_expressions(source)
                code = generated_source(source, exprs)
            lib = compile_library(code, self.build_dir, source.split(".")[0])
            self.libs[source] = (lib, {e: (i, parse_signature(lib.cfsim_signature(i).decode()))
                                       for i, e in enumerate(exprs)})
        return self.libs[source]

    def get_kernel(self, source, expr):
        lib, table = self.library(source)
        if expr not in table:
            raise fd.LaunchError(f"{source}: {expr} is not among its name expressions")
        index, params = table[expr]
        return SimKernel(self, source, expr, params, lib, index)

    def after_launch(self, where, args):
        import cupy

        if self.arena is not None:
            self.arena.check([a for a in args if isinstance(a, cupy.ndarray)], where)


class Arena:
    """Host allocations with red zones on both sides, checked after each launch. Consecutive
    allocations use different fill bytes (0xFF: NaN in every float width; 0xFD, 0xFB: huge
    negative values), so an element copied from one buffer's red zone into the next one's
    still shows as a change."""

    FILLS = (0xFF, 0xFD, 0xFB)

    def __init__(self):
        self.starts, self.blocks, self.count = [], [], 0

    def alloc(self, size):
        from cupy.cuda import memory

        size = int(size)
        fill = self.FILLS[self.count % len(self.FILLS)]
        self.count += 1
        buf = np.full(size + 3 * REDZONE, fill, np.uint8)
        base = buf.ctypes.data
        p = base + REDZONE + (-(base + REDZONE)) % REDZONE
        buf[p - base:p - base + size] = 0
        i = bisect.bisect(self.starts, p)
        self.starts.insert(i, p)
        self.blocks.insert(i, (p, size, buf))
        return memory.MemoryPointer(memory.UnownedMemory(p, size, buf, 0), 0)

    def check(self, arrays, where):
        for a in arrays:
            i = bisect.bisect(self.starts, a.data.ptr) - 1
            if i < 0:
                continue
            p, size, buf = self.blocks[i]
            off, fill = p - buf.ctypes.data, buf[0]
            if (buf[:off] != fill).any() or (buf[off + size:] != fill).any():
                before = np.flatnonzero(buf[:off] != fill)
                after = np.flatnonzero(buf[off + size:] != fill)
                what = (f"{off - before[0]} bytes before" if before.size else
                        f"at byte {after[0]} past the end of")
                raise SimError(f"{where}: a write {what} a {size}-byte buffer")


@contextlib.contextmanager
def sim_arrays():
    """CuPy allocations come from an :class:`Arena` while inside; yields it."""
    import cupy

    arena = Arena()
    old = cupy.cuda.get_allocator()
    cupy.cuda.set_allocator(arena.alloc)
    try:
        yield arena
    finally:
        cupy.cuda.set_allocator(old)
