"""Files a command writes (``--out``): whole or not at all.

:func:`atomic` writes to a temp file in the target's directory, then renames it over the target
(``os.replace``), so a reader never sees half a file and a failure (a full disk, an interrupt)
leaves any earlier file as it was and no temp file behind. :func:`check_writable` fails early,
before any work, with one clear line. Charts (:func:`costcalc.report.plots.save`) go through
here; so should any new ``--out``-style option.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import CostcalcError


def check_writable(path) -> Path:
    """An existing, writable directory and a path that is not a directory, or one clear error."""
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise CostcalcError(f"cannot write {path}: it is a directory")
    if not folder.is_dir():
        why = "is not a directory" if folder.exists() else "does not exist"
        raise CostcalcError(f"cannot write {path}: {folder} {why}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CostcalcError(f"cannot write {path}: directory {folder} is not writable")
    return path


@contextmanager
def atomic(path) -> Iterator[BinaryIO]:
    """``with atomic(path) as f: f.write(...)``: ``path`` appears complete on success, or not
    at all; an ``OSError`` on the way is one CostcalcError line naming ``path``."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise CostcalcError(f"cannot write {path}: {e.strerror or e}") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; an output is an ordinary file
        with os.fdopen(fd, "wb") as f:
            yield f
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise CostcalcError(f"cannot write {path}: {e.strerror or e}") from None
        raise
