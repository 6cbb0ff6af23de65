"""``get_file``: a cached file (and its extracted archive), as ``keras.utils.get_file`` — offline
by default.

The cache is ``cache_dir`` (default ``$CUFLOW_HOME``, else ``~/.cuflow``) / ``cache_subdir``
(default ``datasets``, the folder ``cuflow.datasets`` uses too), laid out as Keras does. A file
already there is returned (checked against ``file_hash`` when given). A missing file is fetched
only when the caller passes ``allow_download=True`` (or sets ``CUFLOW_ALLOW_DOWNLOAD=1``) and
``CUFLOW_OFFLINE`` is not set; otherwise ``FileNotFoundError`` names the URL and the path to put
the file at. Downloads reuse ``cuflow.datasets``' atomic writer (temporary file, fsync, rename).

Archives are extracted only if every member stays inside the target folder: a member with an
absolute path or ``..`` component, a link out of the folder, or a device file makes the whole
archive refused (ValueError) before anything is written. (Keras skips such members with a
warning; cuflow refuses the archive.)
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import urllib.parse
import zipfile
from pathlib import Path

from ..datasets import _cache


class UnsafeArchiveError(ValueError):
    """An archive member would be written outside the extraction folder."""


def _home():
    home = os.environ.get("CUFLOW_HOME")
    return os.path.expanduser(home) if home else os.path.join(os.path.expanduser("~"), ".cuflow")


def _downloads_allowed(allow_download):
    if allow_download is None:
        allow_download = os.environ.get("CUFLOW_ALLOW_DOWNLOAD", "").strip().lower() not in (
            "", "0", "false", "no")
    return bool(allow_download) and not _cache.offline()


def resolve_hasher(algorithm, file_hash=None):
    """``hashlib`` object for "sha256" / "md5" / "auto" (64 hex digits: sha256, else md5)."""
    if algorithm not in ("auto", "sha256", "md5"):
        raise ValueError(f"hash_algorithm must be 'auto', 'sha256' or 'md5'; received "
                         f"{algorithm!r}")
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and
                                 len(file_hash) == 64):
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """The hex digest of a file (``algorithm``: a name as above or a hashlib object)."""
    hasher = resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Whether the file's sha256 / md5 digest is ``file_hash``."""
    hasher = resolve_hasher(algorithm, file_hash)
    return hash_file(fpath, hasher, chunk_size) == str(file_hash).lower()


# ---- safe extraction ---------------------------------------------------------------------------
def _inside(base, name):
    if not name or os.path.isabs(name) or name.startswith(("/", "\\")) or \
            os.path.splitdrive(name)[0]:
        return False
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        return False
    target = os.path.realpath(os.path.join(base, name))
    return os.path.commonpath([base, target]) == base


def _check_tar(archive, base):
    for m in archive.getmembers():
        if not _inside(base, m.name):
            raise UnsafeArchiveError(f"refusing to extract the archive: member {m.name!r} would "
                                     f"be written outside {base}")
        if m.issym() or m.islnk():
            link = m.linkname if m.islnk() else os.path.join(os.path.dirname(m.name),
                                                             m.linkname)
            if os.path.isabs(m.linkname) or not _inside(base, link):
                raise UnsafeArchiveError(f"refusing to extract the archive: link {m.name!r} -> "
                                         f"{m.linkname!r} points outside {base}")
        elif not (m.isfile() or m.isdir()):
            raise UnsafeArchiveError(f"refusing to extract the archive: member {m.name!r} is "
                                     f"not a regular file or folder")


def _check_zip(archive, base):
    for info in archive.infolist():
        if not _inside(base, info.filename):
            raise UnsafeArchiveError(f"refusing to extract the archive: member "
                                     f"{info.filename!r} would be written outside {base}")


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar (.tar, .tar.gz, .tar.bz2, ...) or zip archive into ``path``, refusing
    unsafe members; True if ``file_path`` was an archive of an accepted format."""
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else \
        [archive_format] if isinstance(archive_format, str) else list(archive_format)
    file_path, path = os.fspath(file_path), os.fspath(path)
    for kind in formats:
        if kind not in ("tar", "zip"):
            raise ValueError(f"archive_format must be 'auto', 'tar', 'zip' or None; received "
                             f"{kind!r}")
        is_match = tarfile.is_tarfile if kind == "tar" else zipfile.is_zipfile
        if not is_match(file_path):
            continue
        os.makedirs(path, exist_ok=True)
        base = os.path.realpath(path)
        opener = tarfile.open if kind == "tar" else zipfile.ZipFile
        with opener(file_path) as archive:
            if kind == "tar":
                _check_tar(archive, base)
                kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                archive.extractall(base, **kwargs)
            else:
                _check_zip(archive, base)
                archive.extractall(base)
        return True
    return False


# ---- get_file ----------------------------------------------------------------------------------
def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False, allow_download=None):
    """The local path of ``origin``'s file in the cache (or of its extracted folder).

    Arguments as Keras 3, plus ``allow_download`` (default: the ``CUFLOW_ALLOW_DOWNLOAD``
    environment variable, else False): without it nothing touches the network and a missing
    file raises ``FileNotFoundError`` saying where to put it. With ``extract`` / ``untar`` the
    archive is stored as Keras names it (``<fname>_archive``, or ``fname`` itself when it has
    a suffix) and extracted next to it; the extraction folder is returned.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    resolve_hasher(hash_algorithm, file_hash)  # validates the name early
    base = os.path.expanduser(os.fspath(cache_dir)) if cache_dir is not None else _home()
    datadir = os.path.join(base, os.fspath(cache_subdir))
    provided = fname is not None
    fname = os.fspath(fname) if provided else ""
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. "
                             f"Please specify the `fname` argument.")
    elif os.sep in fname or "/" in fname or fname in (".", ".."):
        raise ValueError(f"Paths are no longer accepted as the `fname` argument. To specify the "
                         f"file's parent directory, use the `cache_dir` argument. Received: "
                         f"fname={fname}")
    extraction_dir = None
    if extract or untar:
        if provided and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, f"{fname}_archive")
    else:
        target = os.path.join(datadir, fname)

    allowed = _downloads_allowed(allow_download)
    download = bool(force_download)
    if not download and os.path.exists(target):
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            received = hash_file(target, resolve_hasher(hash_algorithm, file_hash))
            if not allowed:
                raise ValueError(f"The cached file {target} does not match the expected "
                                 f"{resolve_hasher(hash_algorithm, file_hash).name} hash "
                                 f"{file_hash} (received {received}); replace it with the file "
                                 f"from {origin}, or pass allow_download=True to fetch it again")
            download = True
    elif not download:
        download = True
    if download:
        if not allowed:
            why = "CUFLOW_OFFLINE is set" if _cache.offline() else \
                "downloads are off (pass allow_download=True or set CUFLOW_ALLOW_DOWNLOAD=1)"
            raise FileNotFoundError(f"{fname} is not in the cache and {why}, so no download was "
                                    f"attempted. Download it from {origin} and place it at "
                                    f"{target}" + (f" (expected hash: {file_hash})"
                                                   if file_hash else ""))
        _fetch(origin, target, file_hash, hash_algorithm)
    if extraction_dir is not None:
        if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
            raise ValueError(f"{target} is not a {'tar' if untar else archive_format} archive "
                             f"that can be extracted")
        return extraction_dir
    return target


def _fetch(origin, target, file_hash, hash_algorithm):
    import http.client

    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.",
                               suffix=".dl")
    os.close(fd)
    try:
        try:
            _cache.download(origin, Path(tmp), None)
        except (OSError, EOFError, http.client.HTTPException) as exc:
            raise FileNotFoundError(f"URL fetch failure on {origin}: {exc}; place the file at "
                                    f"{target} by hand") from exc
        if file_hash is not None and not validate_file(tmp, file_hash, hash_algorithm):
            raise ValueError(f"Incomplete or corrupted file detected. The "
                             f"{resolve_hasher(hash_algorithm, file_hash).name} file hash of "
                             f"the download from {origin} does not match the provided value "
                             f"of {file_hash}; the file was discarded.")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


__all__ = ["extract_archive", "get_file", "hash_file", "validate_file"]
