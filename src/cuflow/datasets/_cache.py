"""Local cache folder and verified downloads for the dataset loaders.

Layout: ``$CUFLOW_HOME/datasets/<dataset>/<official file name>`` (``CUFLOW_HOME``
defaults to ``~/.cuflow``).  A file is downloaded only when it is missing and
``CUFLOW_OFFLINE`` is not set; downloads are hashed while they stream, written to a
temporary file in the destination folder, fsync'ed, and moved into place with
``os.replace`` so a crash or a bad download never leaves a half-written file under
the final name.

Files already in the cache are *not* re-hashed on every load (CIFAR-10 is 170 MB):
whatever we wrote there was verified on arrival, and the parsers check structure.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

# Network reads time out rather than hang a training script forever.
DOWNLOAD_TIMEOUT_S = 60.0
_CHUNK = 1 << 20


class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is not in the cache and could not be downloaded."""


def cache_dir() -> Path:
    """The root dataset folder: ``$CUFLOW_HOME/datasets`` or ``~/.cuflow/datasets``."""
    home = os.environ.get("CUFLOW_HOME")
    root = Path(home).expanduser() if home else Path.home() / ".cuflow"
    return root / "datasets"


def offline() -> bool:
    """True when ``CUFLOW_OFFLINE`` asks us never to touch the network."""
    return os.environ.get("CUFLOW_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def _urlopen(url: str, timeout: float):
    # Imported lazily: urllib.request is slow to import and rarely needed.
    # Tests replace this function to serve bytes without a network.
    import urllib.request

    return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 (fixed https/http URLs)


def _fsync_dir(folder: Path) -> None:
    # Persist the rename itself; not possible (nor needed) on every platform.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def download(url: str, dest: Path, sha256: str | None) -> None:
    """Fetch ``url`` into ``dest`` atomically, checking ``sha256`` when it is known.

    Raises ``ValueError`` on a digest mismatch (nothing is left behind) and lets
    network/OS errors propagate for the caller to wrap.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, _urlopen(url, DOWNLOAD_TIMEOUT_S) as response:
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        received = digest.hexdigest()
        if sha256 is not None and received != sha256.lower():
            raise ValueError(
                f"SHA-256 mismatch for {dest.name} downloaded from {url}: "
                f"expected {sha256.lower()}, received {received}; the file was discarded"
            )
        os.replace(tmp, dest)
        _fsync_dir(dest.parent)
    finally:
        # On success tmp has been renamed away; on any failure it must not linger.
        tmp.unlink(missing_ok=True)


def fetch(
    dataset: str, fname: str, url: str, sha256: str | None, folder: str | os.PathLike | None = None
) -> Path:
    """Return the path of ``fname`` for ``dataset``, downloading it if needed.

    With an explicit ``folder`` the file must already be there (no download).
    """
    explicit = folder is not None
    where = Path(folder).expanduser() if explicit else cache_dir() / dataset
    path = where / fname
    if path.is_file():
        return path
    hint = (
        f"Download it from {url} and place it in {where} "
        f"(expected SHA-256: {sha256 or 'not recorded'})."
    )
    if explicit:
        raise DatasetNotFoundError(f"{dataset}: {fname} not found in {where}. {hint}")
    if offline():
        raise DatasetNotFoundError(
            f"{dataset}: {fname} not found in {where} and CUFLOW_OFFLINE is set, "
            f"so no download was attempted. {hint}"
        )
    import http.client  # lazily, like urllib: only needed when downloading

    try:
        download(url, path, sha256)
    # URLError, HTTPError and timeouts are OSErrors; a cut connection can surface as
    # IncompleteRead. A digest mismatch (ValueError) deliberately propagates as is.
    except (OSError, EOFError, http.client.HTTPException) as exc:
        raise DatasetNotFoundError(
            f"{dataset}: {fname} not found in {where} and the download failed ({exc}). {hint}"
        ) from exc
    return path
