"""Bytes on disk: atomic writes, and zip / .npy reading that treats every file as hostile.

Reading checks the zip's central directory (names, sizes, compression ratio, symlinks, duplicates)
before a single member is decompressed, reads members with a hard cap, and parses .npy headers
itself so that a declared shape is checked against the bytes actually present before NumPy
allocates anything. Nothing is ever unpickled, and nothing is written while reading.
"""

from __future__ import annotations

import io
import os
import re
import stat
import tempfile
import zipfile

import numpy as np

from ..errors import UnsafeModelError

# Limits, module attributes so an application with unusual models can raise them on purpose.
MAX_ARCHIVE_BYTES = 64 << 30  # the file on disk
MAX_MEMBER_BYTES = 32 << 30  # one decompressed member
MAX_TOTAL_BYTES = 64 << 30  # all decompressed members together
MAX_MEMBERS = 1 << 16
MAX_RATIO = 200  # decompressed / compressed, checked for members above RATIO_FLOOR
RATIO_FLOOR = 16 << 20
MAX_ARRAY_BYTES = 32 << 30  # one declared array
MAX_NDIM = 32

_SAFE_MEMBER = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")


# ---- writing ------------------------------------------------------------------------------------
def _fsync_dir(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open a directory; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, write, overwrite=True, by_path=False):
    """Write ``path`` via a temp file in the same folder: write, flush, fsync, rename, fsync dir.

    ``write(f)`` gets a binary file object, or with ``by_path=True`` the temp path (for h5py).
    A failure at any point leaves an existing ``path`` untouched and removes the temp file.
    ``overwrite=False`` refuses an existing path, atomically (hard link, not check-then-rename).
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save to {path!r}: folder {folder!r} does not exist")
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(f"{path!r} already exists and overwrite=False")
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        if by_path:
            os.close(fd)
            write(tmp)
            fd = os.open(tmp, os.O_RDWR)
            os.fsync(fd)
            os.close(fd)
        else:
            with os.fdopen(fd, "w+b") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
        # mkstemp makes 0600 files; keep the old file's mode, else the usual 0644
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            mode = 0o644
        os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if path appeared meanwhile: never clobbers
            except FileExistsError:
                raise FileExistsError(f"{path!r} already exists and overwrite=False") from None
            except OSError:  # no hard links on this filesystem: fall back to a checked rename
                if os.path.lexists(path):
                    raise FileExistsError(f"{path!r} already exists and overwrite=False") from None
                os.replace(tmp, path)
            else:
                os.unlink(tmp)
        _fsync_dir(folder)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def npy_bytes(array):
    """One array as .npy bytes (never pickled)."""
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def npz_bytes(arrays):
    """``{key: array}`` as an uncompressed .npz (what ``np.savez`` writes), keys in order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for key, arr in arrays.items():
            zf.writestr(_zinfo(f"{key}.npy"), npy_bytes(arr))
    return buf.getvalue()


def _zinfo(name, compress=zipfile.ZIP_STORED):
    # a fixed timestamp and mode: the same model gives the same bytes (and the same hash)
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info


def write_zip(f, members):
    """``members``: ``[(name, bytes, compress)]`` into the open binary file ``f``."""
    with zipfile.ZipFile(f, "w") as zf:
        for name, data, compress in members:
            zf.writestr(_zinfo(name, compress), data)


# ---- reading ------------------------------------------------------------------------------------
def _corrupt(what, detail):
    return ValueError(f"{what} is not a readable archive ({detail}); the file is truncated, "
                      f"corrupt, or not a model file")


def check_member_name(name, what):
    """Refuse names that could mean a path outside the archive, whatever the caller does later."""
    bad = (not name or "\x00" in name or "\\" in name or name.startswith("/") or
           re.match(r"^[A-Za-z]:", name) is not None or
           any(part in ("", ".", "..") for part in name.split("/")))
    if bad:
        raise UnsafeModelError(f"{what} contains a member with an unsafe path {name!r} "
                               f"(absolute, '..', backslash or empty component)")
    if not _SAFE_MEMBER.match(name):
        raise UnsafeModelError(f"{what} contains a member with unexpected characters in its "
                               f"name {name!r}")


def read_zip(source, what, name_ok):
    """All members of a zip (a path or bytes) as ``{name: bytes}``, in archive order.

    ``name_ok(name)`` says which members may exist; anything else is refused. Sizes, ratios and
    names are checked from the central directory before anything is decompressed.
    """
    if isinstance(source, (bytes, bytearray)):
        size = len(source)
        fp = io.BytesIO(source)
    else:
        try:
            size = os.path.getsize(source)
        except OSError as e:
            raise FileNotFoundError(f"cannot read {what}: {e}") from None
        if not os.path.isfile(source):
            raise ValueError(f"{what} is not a regular file")
        fp = open(source, "rb")  # closed in the finally below
    try:
        if size > MAX_ARCHIVE_BYTES:
            raise UnsafeModelError(f"{what} is {size} bytes, above the limit of "
                                   f"{MAX_ARCHIVE_BYTES} (cuflow.saving.archive.MAX_ARCHIVE_BYTES)")
        if not zipfile.is_zipfile(fp):
            raise _corrupt(what, "no zip directory found")
        fp.seek(0)
        try:
            zf = zipfile.ZipFile(fp)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
                NotImplementedError) as e:
            raise _corrupt(what, str(e)) from None
        with zf:
            return _read_members(zf, what, name_ok)
    finally:
        fp.close()


def _read_members(zf, what, name_ok):
    infos = zf.infolist()
    if infos and min(i.header_offset for i in infos) != 0:
        # a model file's first member starts at byte 0. A file cut short loses its own zip
        # directory, and the directory zipfile then finds is that of an inner .npz member,
        # far into the file: say "truncated", not "crafted"
        raise _corrupt(what, "the zip directory does not cover the start of the file")
    if len(infos) > MAX_MEMBERS:
        raise UnsafeModelError(f"{what} has {len(infos)} members, above the limit {MAX_MEMBERS}")
    seen, total = set(), 0
    for info in infos:
        name = info.filename
        check_member_name(name, what)
        if name in seen:
            raise UnsafeModelError(f"{what} contains the member {name!r} twice; a duplicate "
                                   f"name can hide content from a reader")
        seen.add(name)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UnsafeModelError(f"{what}: member {name!r} is a symbolic link")
        if info.is_dir():
            raise UnsafeModelError(f"{what}: unexpected directory member {name!r}")
        if info.flag_bits & 0x1:
            raise UnsafeModelError(f"{what}: member {name!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeModelError(f"{what}: member {name!r} uses compression method "
                                   f"{info.compress_type}; only stored or deflated are read")
        if not name_ok(name):
            raise UnsafeModelError(f"{what} contains an unexpected member {name!r}")
        if info.file_size > MAX_MEMBER_BYTES:
            raise UnsafeModelError(f"{what}: member {name!r} declares {info.file_size} bytes "
                                   f"uncompressed, above the limit {MAX_MEMBER_BYTES}")
        if info.file_size > RATIO_FLOOR and \
                info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeModelError(f"{what}: member {name!r} expands {info.compress_size} bytes "
                                   f"to {info.file_size} (ratio above {MAX_RATIO}): refusing a "
                                   f"possible zip bomb")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise UnsafeModelError(f"{what} declares more than {MAX_TOTAL_BYTES} bytes "
                                   f"uncompressed in total: refusing a possible zip bomb")
    out = {}
    for info in infos:
        try:
            with zf.open(info) as f:
                data = f.read(info.file_size + 1)  # never more than declared (+1 to notice)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
            raise _corrupt(what, f"member {info.filename!r}: {e}") from None
        if len(data) != info.file_size:
            raise _corrupt(what, f"member {info.filename!r} holds {len(data)} bytes, the "
                                 f"directory says {info.file_size}")
        out[info.filename] = data
    return out


def read_npy(data, key, what):
    """One .npy member as an array, after checking its header against the bytes present."""
    bio = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(bio)
    except ValueError:
        raise UnsafeModelError(f"{what}: {key!r} is not a .npy array (pickled or foreign data "
                               f"is refused)") from None
    try:
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(bio)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(bio)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except (ValueError, TypeError, SyntaxError, OverflowError) as e:
        raise ValueError(f"{what}: {key!r} has an unreadable .npy header ({e})") from None
    if dtype.hasobject:
        raise UnsafeModelError(f"{what}: {key!r} is an object array; object arrays are pickles "
                               f"and are refused")
    if dtype.kind not in "biuf" or dtype.fields is not None:
        raise UnsafeModelError(f"{what}: {key!r} has dtype {dtype}; only bool, integer and "
                               f"float arrays are read")
    if not isinstance(shape, tuple) or len(shape) > MAX_NDIM or \
            any(not isinstance(d, int) or d < 0 for d in shape):
        raise UnsafeModelError(f"{what}: {key!r} declares an invalid shape {shape!r}")
    count = 1
    for d in shape:
        count *= d
    nbytes = count * dtype.itemsize
    if nbytes > MAX_ARRAY_BYTES:
        raise UnsafeModelError(f"{what}: {key!r} declares shape {shape} ({nbytes} bytes), too "
                               f"large to allocate (limit {MAX_ARRAY_BYTES})")
    present = len(data) - bio.tell()
    if nbytes != present:
        raise ValueError(f"{what}: {key!r} declares shape {shape} of {dtype} ({nbytes} bytes) "
                         f"but holds {present} bytes: truncated or corrupt")
    bio.seek(0)
    try:
        return np.load(bio, allow_pickle=False)
    except ValueError as e:  # allow_pickle=False refusing something we did not foresee
        raise UnsafeModelError(f"{what}: {key!r} cannot be read without unpickling: {e}") \
            from None


def read_npz(source, what):
    """A .npz (path or bytes) as ``{key: array}`` in file order, every member checked."""
    members = read_zip(source, what, lambda name: name.endswith(".npy"))
    return {name[:-4]: read_npy(data, name[:-4], what) for name, data in members.items()}
