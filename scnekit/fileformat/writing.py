"""Writing a scenario file that others share: under a lock, re-read before the change,
with the file's mode, owner, extended attributes (ACLs among them) and links kept, and no
temporary file left behind. Every failure is a UsageError naming the file and the reason."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from scnekit.errors import InputError, Problem, UsageError

T = TypeVar("T")
# the temporary file of a write: .NAME.scnekit-PID.XXXXXXXX.tmp (mkstemp's random part)
_TEMPORARY = re.compile(r"\..+\.scnekit-(?P<pid>[1-9][0-9]{0,8})\.[a-z0-9_]+\.tmp")
_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` under the write lock; see :func:`update_text` for what is kept.

    Raises UsageError naming the file and the system's reason when it cannot be written."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` as :func:`write_text_atomic` writes text (a workbook, say)."""
    with _reporting(path), _write_lock(path) as target:
        _write(target, data)


def update_bytes(path: str | os.PathLike[str], edit: Callable[[bytes], tuple[bytes, T]]) -> T:
    """:func:`update_text` for a file that is not text (a workbook): ``edit`` gets its bytes."""
    with _reporting(path), _write_lock(path) as target:
        new, result = edit(target.read_bytes())
        _write(target, new)
    return result


def update_text(path: str | os.PathLike[str], edit: Callable[[str], tuple[str, T]]) -> T:
    """Rewrite the text file ``path`` as ``edit`` says and return the rest of what ``edit`` returns.

    ``edit`` gets the file's text and returns the new text (it raises to write nothing;
    it runs under the lock, so it must not write into the same folder itself).
    An exclusive ``flock`` on the file's directory is held from the read to the write,
    so writers in several processes take turns and none loses another's change. The
    write is the file's own: a symlink stays a link (its target is written), the mode,
    owner, group and every extended attribute (POSIX ACLs are the xattr
    ``system.posix_acl_access``) are kept, a file that is read-only (by ``os.access`` or,
    since root may write anything, by its permission bits) is refused with a UsageError.
    The text goes to ``.NAME.scnekit-PID.XXXX.tmp`` beside the file, which takes on the
    file's owner, xattrs and mode and is then renamed over it, so a crash leaves the old
    file or the new one, never half of one; the temporary files of writers that died are
    removed by the next write. The file is written in place instead (which keeps all of
    it; :func:`_write_in_place` says what that costs) when it has hard links, when this
    process may not give a new file its owner (or the system refuses the ``fchown``, as
    it does root without CAP_CHOWN), when an xattr cannot be copied onto the new file,
    and when no new file may be made in its folder.

    A missing file, a symlink whose target is missing and every error of the system
    (a full disk, say) are a UsageError naming the file and the reason; a file that is
    not UTF-8 text is an InputError.
    """
    with _reporting(path), _write_lock(path) as target:
        new, result = edit(_read(path, target))
        _write(target, new.encode("utf-8"))
    return result


@contextmanager
def _reporting(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn an ``OSError`` of a save into a UsageError naming the file and the system's reason."""
    try:
        yield
    except FileNotFoundError as err:
        if _dangling(path):
            raise UsageError(_missing(path)) from None
        raise UsageError(_failed(path, err)) from err
    except OSError as err:
        raise UsageError(_failed(path, err)) from err


def _read(path: str | os.PathLike[str], target: Path) -> str:
    """The text of the file to update (``target`` is ``path`` with links resolved)."""
    try:
        return target.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(_missing(path)) from None
    except UnicodeDecodeError:
        raise InputError([Problem("", "not a UTF-8 text file, so it was not changed", os.fspath(path))]) from None


def _dangling(path: str | os.PathLike[str]) -> bool:
    return os.path.islink(path) and not os.path.exists(path)


def _missing(path: str | os.PathLike[str]) -> str:
    if _dangling(path):
        return (f"{os.fspath(path)} is a symbolic link to {os.path.realpath(path)}, which does not exist, "
                "so there is no scenario file to save into; point the link at the file or open the file itself")
    return f"{os.fspath(path)} does not exist, so there is no scenario file to save into"


def _failed(path: str | os.PathLike[str], err: OSError) -> str:
    reason = err.strerror or str(err) or type(err).__name__
    about = os.fspath(err.filename) if isinstance(err.filename, (str, os.PathLike)) else None
    where = f" ({about})" if about and about not in {os.fspath(path), os.path.realpath(path)} else ""
    return f"{os.fspath(path)} could not be saved: {reason}{where}"


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


def _write(target: Path, data: bytes) -> None:
    """Write ``target`` (a real path, write lock held) so that it keeps its links, mode and owner."""
    try:
        old: os.stat_result | None = target.stat()
    except FileNotFoundError:
        old = None
    if old is not None:
        _refuse_read_only(target, old)
    _remove_leftovers(target.parent)
    # written in place when a new file could not be given what the old one has: its other
    # names, its owner (_may_give) or, found out on the way (_replace), its xattrs or a folder to be in
    in_place = old is not None and (old.st_nlink > 1 or not _may_give(old))
    if in_place or not _replace(target, data, old):
        _write_in_place(target, data)


def _refuse_read_only(target: Path, old: os.stat_result) -> None:
    if not os.access(target, os.W_OK) or not old.st_mode & _WRITE_BITS:
        raise UsageError(f"{target} is read-only ({stat.filemode(old.st_mode)}), so it was not changed; "
                         "make it writable (chmod u+w) to save into it")


def _may_give(old: os.stat_result) -> bool:
    """Whether a new file of this process may take ``old``'s owner and group (root's always may)."""
    if os.geteuid() == 0:
        return True
    return old.st_uid == os.geteuid() and old.st_gid in {os.getegid(), *os.getgroups()}


def _replace(target: Path, data: bytes, old: os.stat_result | None) -> bool:
    """Write a temporary file beside ``target`` with ``old``'s owner, xattrs and mode, then rename it over ``target``.

    Returns False, having changed nothing, when ``target`` exists and the new file cannot
    be made (a folder this process may not write into) or cannot take on all of ``old``
    (:func:`_take_on`): the caller then writes ``target`` in place.
    """
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.scnekit-{os.getpid()}.", suffix=".tmp", dir=target.parent)
    except PermissionError:
        if old is None:  # a new file can only be made in the folder
            raise
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if old is None:  # a new file: the mode any new file of this process gets (mkstemp's is 0600)
                os.fchmod(fd, 0o666 & ~_umask())
            kept = old is None or _take_on(fd, target, old)
            if kept:
                os.fsync(fd)
        if kept:
            os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if not kept:
        Path(tmp).unlink(missing_ok=True)
    return kept


def _umask() -> int:
    """This process's umask, read without changing it (``os.umask`` would, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:  # no /proc: the usual umask
        return 0o022
    return 0o022


def _take_on(fd: int, target: Path, old: os.stat_result) -> bool:
    """Give the new file ``fd`` the owner, group, extended attributes and mode of ``target``
    (whose ``stat`` is ``old``); False when the system refuses one of them.

    The mode comes last: ``fchown`` clears set-id bits, and setting an ACL rewrites the
    permission bits (the ACL's mask becomes the group bits, which ``old``'s mode holds too).
    """
    try:
        os.fchown(fd, old.st_uid, old.st_gid)
    except PermissionError:  # _may_give said yes, the system says no (root without CAP_CHOWN)
        return False
    if not _copy_xattrs(target, fd):
        return False
    os.fchmod(fd, stat.S_IMODE(old.st_mode))
    return True


def _copy_xattrs(source: Path, fd: int) -> bool:
    """Give the file ``fd`` exactly the extended attributes of ``source`` (those this process
    can read); False when one cannot be copied or an inherited one (a folder's default
    ACL) cannot be removed."""
    if not hasattr(os, "listxattr"):  # not Linux: the system keeps no xattrs that Python could copy
        return True
    try:
        names = os.listxattr(source)
    except OSError as err:
        return err.errno in {errno.ENOTSUP, errno.EOPNOTSUPP}  # a filesystem without xattrs has none to keep
    try:
        inherited = set(os.listxattr(fd)) - set(names)
        for name in names:
            os.setxattr(fd, name, os.getxattr(source, name))
        for name in inherited:
            os.removexattr(fd, name)
    except OSError:
        return False
    return True


def _write_in_place(target: Path, data: bytes) -> None:
    """Overwrite ``target``'s own bytes, then fsync.

    Used for a file with hard links (a rename would give this name a new file and leave
    the other names with the old text), for one whose owner this process cannot give a
    new file, for one with an extended attribute (an ACL, say) that cannot be copied onto
    a new file, and for one in a folder where this process may not make a new file: the
    file stays the same file, so its links, owner, mode and every xattr are kept. It is
    not atomic: a crash in the middle can leave a mix of the two texts,
    which the fsync keeps to the moment of the write; writers wait on the lock, readers
    that take no lock may see it half written.
    """
    with target.open("r+b") as handle:
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


def _remove_leftovers(folder: Path) -> None:
    """Delete the temporary files of writers that died in the middle of a write (as far as
    this process may: a folder it cannot write into keeps them)."""
    with contextlib.suppress(PermissionError), os.scandir(folder) as entries:
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
