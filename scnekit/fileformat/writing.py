"""Writing a scenario file that others share: under a lock, re-read before the change,
with the file's mode, owner and links kept, and no temporary file left behind."""

from __future__ import annotations

import fcntl
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from scnekit.errors import UsageError

T = TypeVar("T")
# the temporary file of a write: .NAME.scnekit-PID.XXXXXXXX.tmp (mkstemp's random part)
_TEMPORARY = re.compile(r"\..+\.scnekit-(?P<pid>[1-9][0-9]{0,8})\.[a-z0-9_]+\.tmp")
_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` under the write lock; see :func:`update_text` for what is kept."""
    with _write_lock(path) as target:
        _write(target, text)


def update_text(path: str | os.PathLike[str], edit: Callable[[str], tuple[str, T]]) -> T:
    """Rewrite the text file ``path`` as ``edit`` says and return the rest of what ``edit`` returns.

    ``edit`` gets the file's text and returns the new text (it raises to write nothing;
    it runs under the lock, so it must not write into the same folder itself).
    An exclusive ``flock`` on the file's directory is held from the read to the write,
    so writers in several processes take turns and none loses another's change. The
    write is the file's own: a symlink stays a link (its target is written), the mode,
    owner and group are kept, a file that is read-only (by ``os.access`` or, since root
    may write anything, by its permission bits) is refused with a UsageError. The text
    goes to ``.NAME.scnekit-PID.XXXX.tmp`` beside the file, which is then renamed over
    it, so a crash leaves the old file or the new one, never half of one; the temporary
    files of writers that died are removed by the next write. A file with hard links, or
    whose owner this process may not give a new file, is written in place instead
    (:func:`_write_in_place` says why and what that costs).
    """
    with _write_lock(path) as target:
        new, result = edit(target.read_text(encoding="utf-8"))
        _write(target, new)
    return result


@contextmanager
def _write_lock(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the write lock of ``path`` and yield its real path (symlinks resolved).

    The lock is on the real file's directory: unlike one on the file, it survives the
    rename that replaces the file, and it leaves nothing behind. The kernel drops it
    when its holder dies; it is released explicitly so that a forked child holding a
    copy of the descriptor cannot keep it.
    """
    target = Path(os.path.realpath(path))
    folder = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        yield target
    finally:
        fcntl.flock(folder, fcntl.LOCK_UN)
        os.close(folder)


def _write(target: Path, text: str) -> None:
    """Write ``target`` (a real path, write lock held) so that it keeps its links, mode and owner."""
    try:
        old: os.stat_result | None = target.stat()
    except FileNotFoundError:
        old = None
    if old is not None:
        _refuse_read_only(target, old)
    _remove_leftovers(target.parent)
    if old is not None and (old.st_nlink > 1 or not _may_give(old)):
        _write_in_place(target, text)
    else:
        _replace(target, text, old)


def _refuse_read_only(target: Path, old: os.stat_result) -> None:
    if not os.access(target, os.W_OK) or not old.st_mode & _WRITE_BITS:
        raise UsageError(f"{target} is read-only ({stat.filemode(old.st_mode)}), so it was not changed; "
                         "make it writable (chmod u+w) to save into it")


def _may_give(old: os.stat_result) -> bool:
    """Whether a new file of this process may take ``old``'s owner and group (root's always may)."""
    if os.geteuid() == 0:
        return True
    return old.st_uid == os.geteuid() and old.st_gid in {os.getegid(), *os.getgroups()}


def _replace(target: Path, text: str, old: os.stat_result | None) -> None:
    """Write a temporary file beside ``target`` with ``old``'s owner and mode, then rename it over ``target``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.scnekit-{os.getpid()}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            if old is not None:
                os.fchown(fd, old.st_uid, old.st_gid)
                os.fchmod(fd, stat.S_IMODE(old.st_mode))
            os.fsync(fd)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_in_place(target: Path, text: str) -> None:
    """Overwrite ``target``'s own bytes, then fsync.

    Used for a file with hard links (a rename would give this name a new file and leave
    the other names with the old text) and for one whose owner this process cannot give
    a new file. It is not atomic: a crash in the middle can leave a mix of the two texts,
    which the fsync keeps to the moment of the write; writers wait on the lock, readers
    that take no lock may see it half written.
    """
    with target.open("r+", encoding="utf-8") as handle:
        handle.write(text)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


def _remove_leftovers(folder: Path) -> None:
    """Delete the temporary files of writers that died in the middle of a write."""
    with os.scandir(folder) as entries:
        for entry in entries:
            match = _TEMPORARY.fullmatch(entry.name)
            if match and not _alive(int(match["pid"])):
                Path(entry.path).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
