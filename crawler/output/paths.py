"""Output paths checked before anything starts: a crawl never runs to lose what it was asked to keep.

``crawl`` (``--out``, ``--audit``, ``--state``, ``--images-dir``) and ``run`` (a job's ``state:``,
``outputs:`` and ``images:`` folders) both ask :func:`path_problem` about every path they will write,
before Scrapy starts and before any file or folder is made. Nothing here creates or changes anything.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE, FOLDER = "file", "folder"
STDOUT = "-"
#: Kernel file systems: their files look writable (or are) but never keep what is written to them.
_VIRTUAL = ("/proc", "/sys", "/dev")
_DEVICES_OK = ("/dev/null", "/dev/stdout", "/dev/stderr")


def _virtual(path: Path) -> bool:
    text = str(path)
    return any(text == root or text.startswith(root + "/") for root in _VIRTUAL) and text not in _DEVICES_OK


def path_problem(path: str | os.PathLike[str], kind: str) -> str | None:
    """Why ``path`` cannot be written as a ``kind`` (FILE or FOLDER, made if missing), or None if it can."""
    p = Path(os.path.abspath(os.path.expanduser(str(path))))
    real = Path(os.path.realpath(p))
    if _virtual(real):
        return f"is on a kernel file system (/{real.parts[1]}): nothing written there is kept"
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return _missing(p)
    except NotADirectoryError:
        return _missing(p)
    except OSError as exc:
        return f"cannot look at it ({exc.strerror or exc})"
    if kind == FILE:
        if stat.S_ISDIR(st.st_mode):
            return "is a folder; a file is wanted here (give a file name inside it)"
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
            return "is not a regular file"
        if not os.access(real, os.W_OK):
            return "is not writable (check its permissions)"
        return _writable_fs(real.parent)
    if not stat.S_ISDIR(st.st_mode):
        return "is a file; a folder is wanted here"
    if not os.access(real, os.W_OK | os.X_OK):
        return "is a folder you cannot write in (check its permissions)"
    return _writable_fs(real)


def _missing(p: Path) -> str | None:
    """A path that does not exist yet: the nearest existing folder above it must be a writable folder."""
    for parent in p.parents:
        try:
            st = os.stat(parent)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            return f"cannot look at {parent} ({exc.strerror or exc})"
        if not stat.S_ISDIR(st.st_mode):
            return f"{parent} is a file, so nothing can be made under it"
        if _virtual(Path(os.path.realpath(parent))):
            return f"{parent} is on a kernel file system: nothing can be made there"
        if not os.access(parent, os.W_OK | os.X_OK):
            return f"cannot create it: {parent} is not writable (check its permissions)"
        return _writable_fs(parent)
    return None


def _writable_fs(folder: Path) -> str | None:
    """A read-only mount (root's writes are refused there too)."""
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"{folder} is on a read-only file system"
    except OSError:
        pass
    return None


def check_paths(paths: list[tuple[str, str | os.PathLike[str] | None, str]], stdout_ok: str = "--out") -> list[str]:
    """``[(label, path, kind), ...]`` -> one ``label PATH: why`` line per unusable path (None paths skipped).

    ``-`` (standard output) is accepted for the ``stdout_ok`` label only.
    """
    problems = []
    for label, path, kind in paths:
        if path is None or str(path) == "":
            continue
        if str(path) == STDOUT:
            if label != stdout_ok:
                problems.append(f"{label} -: must be a file (only {stdout_ok} - writes to standard output)")
            continue
        if why := path_problem(path, kind):
            problems.append(f"{label} {path}: {why}")
    return problems
