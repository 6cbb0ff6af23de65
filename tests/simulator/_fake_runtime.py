"""The runtime half of the NumPy-backed CuPy stand-in (``_fake_cupy.py``): device memory, streams,
events, stream capture and graphs, with the checks a CUDA-graph capture needs.

* **Memory.** Every device array lives in a block of a :class:`MemoryPool` (host bytes with red
  zones on both sides, checked after each simulated kernel launch). A block goes back to its
  pool when the last array over it dies, as CuPy's pool does, and is poisoned (0xFF bytes: NaN
  in every float width) so a graph or an array that still reads it shows garbage.
* **Allocators.** ``set_allocator`` / ``using_allocator`` pick the pool as CuPy's do.
* **Capture.** ``Stream.begin_capture`` starts recording: from then on every piece of device
  work (a CuPy-level op of the stand-in, a simulated kernel launch, a GEMM of the fake cuBLAS)
  is appended to the graph as a closure over the same memory, and ``Graph.launch`` replays the
  closures, never the host-side Python that issued them. The work also runs while capturing
  (the stand-in needs its results' shapes), but ``end_capture`` puts back the bytes of every
  block that was live at ``begin_capture`` and poisons every block allocated since, so a
  capture leaves the device as a real one does: untouched.
* **Capture-safety checks.** While a stream captures, each of these raises
  :class:`CaptureViolation` naming what happened: a host synchronisation (``asnumpy``, ``.get()``,
  ``float()``/``int()``/``bool()``/``.item()``, a stream/event/device ``synchronize``), a
  host-to-device copy from pageable memory, an allocation from any allocator but the private
  pool that was current at ``begin_capture``, device work on another stream than the captured
  one, a cuBLAS call through CuPy's own handle (``cupy.matmul`` and friends) or through a handle
  bound to another stream, and a cuBLAS handle created while capturing.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import itertools
import weakref

import numpy as np

REDZONE = 256
ALIGN = 512  # CuPy's pool rounds sizes to 512 bytes
POISON = 0xFF
_FILLS = (0xFF, 0xFD, 0xFB)  # red-zone bytes: NaN, huge negative values


class CaptureViolation(RuntimeError):
    """Something a CUDA-graph capture cannot contain happened while a stream was capturing."""


class OutOfMemoryError(MemoryError):
    pass


# ---- memory ---------------------------------------------------------------------------------

class _Block:
    """Host bytes standing in for one device allocation: red zone, data, red zone."""

    _count = itertools.count()

    def __init__(self, pool, size):
        self.pool, self.size = pool, size
        fill = _FILLS[next(self._count) % len(_FILLS)]
        self.raw = np.full(size + 3 * REDZONE, fill, np.uint8)
        base = self.raw.ctypes.data
        self.offset = REDZONE + (-(base + REDZONE)) % REDZONE
        self.ptr = base + self.offset
        self.fill = fill
        self.live, self.lease = False, None

    def data(self):
        return self.raw[self.offset:self.offset + self.size]

    def zones_intact(self):
        return not ((self.raw[:self.offset] != self.fill).any() or
                    (self.raw[self.offset + self.size:] != self.fill).any())


_starts: list = []  # every block ever made, sorted by address (blocks are never given back)
_blocks: list = []


def _register(block):
    i = bisect.bisect(_starts, block.ptr)
    _starts.insert(i, block.ptr)
    _blocks.insert(i, block)


def block_at(ptr):
    """The block holding address ``ptr`` (live or free), or None."""
    i = bisect.bisect(_starts, ptr) - 1
    if i >= 0 and _blocks[i].ptr <= ptr < _blocks[i].ptr + max(1, _blocks[i].size):
        return _blocks[i]
    return None


class Memory:
    """One lease of a block (CuPy's PooledMemory): freed to its pool when collected."""

    __slots__ = ("block", "ptr", "size", "device_id", "__weakref__")

    def __init__(self, block):
        self.block, self.ptr, self.size, self.device_id = block, block.ptr, block.size, 0
        block.live, block.lease = True, weakref.ref(self)

    def __del__(self):
        with contextlib.suppress(Exception):
            self.block.pool._release(self.block)


class MemoryPointer:
    """CuPy's ``MemoryPointer``: ``mem`` + byte ``offset``."""

    def __init__(self, mem, offset=0):
        self.mem, self.offset = mem, int(offset)
        self.ptr = (mem.ptr if mem is not None else 0) + self.offset
        self.device_id = 0

    def __int__(self):
        return self.ptr

    def __add__(self, n):
        return MemoryPointer(self.mem, self.offset + int(n))

    def copy_from_host_async(self, src, size, stream=None):
        """Pinned host memory -> device, on ``stream`` (captured as a copy node)."""
        src, size, dst = int(getattr(src, "value", src) or 0), int(size), self.ptr
        device_op(lambda: ctypes.memmove(dst, src, size), "copy_from_host_async", stream, [dst])

    def copy_from_host(self, src, size):
        host_sync("MemoryPointer.copy_from_host (a synchronous host-to-device copy)")
        ctypes.memmove(self.ptr, int(getattr(src, "value", src) or 0), int(size))

    def copy_to_host(self, dst, size):
        host_sync("MemoryPointer.copy_to_host")
        ctypes.memmove(int(getattr(dst, "value", dst) or 0), self.ptr, int(size))

    def copy_from_device(self, src, size):
        s, d, n = int(src.ptr), self.ptr, int(size)
        device_op(lambda: ctypes.memmove(d, s, n), "copy_from_device", None, [d, s])

    def memset_async(self, value, size, stream=None):
        d, v, n = self.ptr, int(value), int(size)
        device_op(lambda: ctypes.memset(d, v, n), "memset_async", stream, [d])


class MemoryPool:
    """CuPy's ``MemoryPool``: blocks by rounded size, reused after their arrays die."""

    _names = itertools.count()

    def __init__(self, allocator=None, name=None):
        self.name = name or f"MemoryPool#{next(self._names)}"
        self.free, self.used, self.made = {}, 0, 0
        self.limit = 0

    def __repr__(self):
        return f"<fake {self.name}>"

    def malloc(self, size):
        size = max(ALIGN, -(-int(size) // ALIGN) * ALIGN)
        stack = self.free.get(size)
        if stack:
            block = stack.pop()
        else:
            if self.limit and self.used + size > self.limit:
                raise OutOfMemoryError(f"out of memory allocating {size} bytes (limit "
                                       f"{self.limit})")
            block = _Block(self, size)
            _register(block)
            self.made += size
        self.used += size
        return MemoryPointer(Memory(block), 0)

    def _release(self, block):
        if not block.live:
            return
        block.live = False
        block.data()[...] = POISON
        self.used -= block.size
        self.free.setdefault(block.size, []).append(block)

    def used_bytes(self):
        return self.used

    def total_bytes(self):
        return self.made

    def free_bytes(self):
        return self.made - self.used

    def free_all_blocks(self, stream=None):
        self.free.clear()

    def set_limit(self, size=None, fraction=None):
        self.limit = int(size or 0)

    def get_limit(self):
        return self.limit


_default_pool = MemoryPool(name="the default memory pool")
_allocator = [_default_pool.malloc]  # set_allocator's; using_allocator pushes on top


def get_default_memory_pool():
    return _default_pool


def get_allocator():
    return _allocator[-1]


def set_allocator(allocator=None):
    _allocator[0] = _default_pool.malloc if allocator is None else allocator


@contextlib.contextmanager
def using_allocator(allocator=None):
    _allocator.append(_default_pool.malloc if allocator is None else allocator)
    try:
        yield
    finally:
        _allocator.pop()


def _pool_of(allocator):
    owner = getattr(allocator, "__self__", None)
    return owner if isinstance(owner, MemoryPool) else None


def malloc(nbytes):
    """A device allocation through the current allocator (None for zero bytes, as CuPy)."""
    if nbytes <= 0:
        return None
    allocator = get_allocator()
    cap = _capture.stream
    if cap is not None and (_capture.pool is None or _pool_of(allocator) is not _capture.pool):
        where = _pool_of(allocator) or allocator
        allowed = _capture.pool or "none: no private pool was current at begin_capture"
        raise CaptureViolation(f"allocation of {nbytes} bytes from {where} while {cap} is "
                               f"capturing (only the capture's private pool may allocate: "
                               f"{allowed})")
    return allocator(nbytes)


def check_red_zones(arrays, where):
    """The simulator's after-launch check: no launch wrote outside the arrays it was given."""
    from ._sim import SimError

    for a in arrays:
        mem = getattr(a, "_mem", None)
        if mem is not None and not mem.block.zones_intact():
            raise SimError(f"{where}: a write outside a {mem.block.size}-byte buffer (red zone "
                           f"changed)")


class RedZoneArena:
    """What ``_sim.Simulator`` calls after each launch (its ``arena``)."""

    def check(self, arrays, where):
        check_red_zones(arrays, where)


def alloc_pinned_memory(nbytes):
    """Page-locked host memory: a host buffer (a copy from it may be captured)."""
    return (ctypes.c_char * max(1, int(nbytes)))()


# ---- streams, events, capture, graphs -------------------------------------------------------

class _Capture:
    stream = None  # the capturing stream
    pool = None  # the private pool the capture may allocate from
    ops = None  # recorded device work
    snapshot = None  # {block: bytes} of the blocks live at begin_capture


_capture = _Capture()


def capturing():
    return _capture.stream is not None


def host_sync(what):
    """Raise when ``what`` (a host synchronisation) happens while a stream captures."""
    if _capture.stream is not None:
        raise CaptureViolation(f"host synchronisation while {_capture.stream} is capturing: "
                               f"{what}")


def _uses(arrays):
    """(block, lease) of every device buffer among ``arrays`` (NumPy views or addresses)."""
    out = {}
    stack = list(arrays)
    while stack:
        a = stack.pop()
        if isinstance(a, (list, tuple)):
            stack.extend(a)
        elif isinstance(a, dict):
            stack.extend(a.values())
        else:
            a = getattr(a, "_a", a)  # a device array of the stand-in: its NumPy view
            if isinstance(a, np.ndarray) and a.size:
                ptr = a.__array_interface__["data"][0]
            elif isinstance(a, int) and not isinstance(a, bool):
                ptr = a
            else:
                continue
            block = block_at(ptr)
            if block is not None:
                out[block] = block.lease
    return list(out.items())


def _quiet(fn):
    """A device does not warn on NaN or overflow: neither does the stand-in's NumPy."""
    def run():
        with np.errstate(all="ignore"):
            return fn()

    return run


def device_op(fn, what, stream=None, uses=()):
    """Run one piece of device work ``fn()`` on ``stream`` (default: the current one); while
    capturing, check the stream and record ``fn`` for the graph with the device buffers it
    ``uses`` (NumPy views or addresses; a callable giving them once ``fn`` has run)."""
    stream = get_current_stream() if stream is None else stream
    fn = _quiet(fn)
    if _capture.stream is None:
        return fn()
    if stream is not _capture.stream:
        raise CaptureViolation(f"device work ({what}) on {stream} while {_capture.stream} "
                               f"is capturing: it would run now, outside the graph")
    out = fn()
    _capture.ops.append((what, fn, _uses(uses() if callable(uses) else uses)))
    return out


class Device:
    def __init__(self, device=None):
        self.id = 0 if device is None else int(getattr(device, "id", device))
        if self.id != 0:
            raise RuntimeError(f"fake CuPy: one simulated device (0), asked for {self.id}")
        self.attributes = {"MultiProcessorCount": 1}
        self.compute_capability = "90"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def use(self):
        pass

    def synchronize(self):
        host_sync("Device.synchronize")

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return hash(self.id)


class Event:
    def __init__(self, block=False, disable_timing=False, interprocess=False):
        self.stream = None

    def record(self, stream=None):
        self.stream = get_current_stream() if stream is None else stream

    def synchronize(self):
        host_sync("Event.synchronize")

    @property
    def done(self):
        host_sync("Event.done (cudaEventQuery)")
        return True


class GraphMemoryError(RuntimeError):
    """A graph replay would use a buffer that was freed (and maybe handed out again) after the
    capture: a CUDA graph holds addresses, not references."""


class Graph:
    """A captured graph: the recorded device work, replayed in order. Before a replay, every
    buffer the work uses must still be the allocation it was at capture, unless it belongs to
    the capture's private pool (which only the graphs use)."""

    def __init__(self, ops, stream, pool):
        self.ops, self.stream, self.pool, self.launches = ops, stream, pool, 0

    def launch(self, stream=None):
        stream = get_current_stream() if stream is None else stream
        if _capture.stream is not None:
            raise CaptureViolation("Graph.launch while a stream is capturing")
        for what, _, uses in self.ops:
            for block, lease in uses:
                if block.pool is not self.pool and (not block.live or block.lease is not lease):
                    state = "handed out again" if block.live else "free"
                    raise GraphMemoryError(
                        f"replaying {what}: a {block.size}-byte buffer of {block.pool} it uses "
                        f"was freed after the capture and is now {state} (a CUDA graph does not "
                        "keep its buffers alive: keep a reference while the graph lives)")
        for _, fn, _ in self.ops:
            fn()
        self.launches += 1

    def upload(self, stream=None):
        pass

    def names(self):
        return [what for what, *_ in self.ops]


_stream_ids = itertools.count(0x1000, 0x10)
_current: list = []


class Stream:
    null = None  # set below

    def __init__(self, null=False, non_blocking=False, ptr=None, priority=0):
        self.ptr = 0 if null else next(_stream_ids)
        self.non_blocking = non_blocking
        self.waited = []

    def __repr__(self):
        return "the legacy null stream" if self.ptr == 0 else f"stream {self.ptr:#x}"

    def __enter__(self):
        _current.append(self)
        return self

    def __exit__(self, *exc):
        _current.pop()
        return False

    def use(self):
        _current[:] = [self]
        return self

    def record(self, event=None):
        event = Event() if event is None else event
        event.record(self)
        return event

    def wait_event(self, event):
        self.waited.append(weakref.ref(event))

    def synchronize(self):
        host_sync(f"Stream.synchronize of {self}")

    @property
    def done(self):
        host_sync(f"Stream.done of {self}")
        return True

    def is_capturing(self):
        return _capture.stream is self

    def begin_capture(self, mode=None):
        if _capture.stream is not None:
            raise CaptureViolation(f"begin_capture on {self} while {_capture.stream} captures")
        if self.ptr == 0:
            raise RuntimeError("the legacy null stream cannot be captured")
        _capture.stream, _capture.ops = self, []
        _capture.pool = _pool_of(get_allocator())
        if _capture.pool is _default_pool:
            _capture.pool = None  # the shared pool is no private pool
        _capture.snapshot = {b: b.data().copy() for b in _blocks if b.live}

    def end_capture(self):
        if _capture.stream is not self:
            raise RuntimeError(f"end_capture on {self}, which is not capturing")
        ops, snapshot, pool = _capture.ops, _capture.snapshot, _capture.pool
        _capture.stream = _capture.pool = _capture.ops = _capture.snapshot = None
        # nothing executes while capturing: put the device back as it was
        for b in _blocks:
            if b in snapshot:
                b.data()[...] = snapshot[b]
            elif b.live:
                b.data()[...] = POISON
        return Graph(ops, self, pool)


Stream.null = Stream(null=True)


def get_current_stream(device_id=None):
    return _current[-1] if _current else Stream.null


def reset():
    """Back to no capture, the default allocator and the null stream (between tests)."""
    _capture.stream = _capture.pool = _capture.ops = _capture.snapshot = None
    _allocator[:] = [_default_pool.malloc]
    _current.clear()
