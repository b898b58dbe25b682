"""Output files that never lose or corrupt work: checked before any work starts, written atomically.

* :func:`check_output` is called by every command before it counts, builds or converts: the
  directory must exist and be writable, the path must not be a directory, and it must not be
  one of the command's input files (``--regions-out net.json`` on ``net.json`` would overwrite
  the network). A bad path is one clear :class:`~mip_regions.errors.MipRegionsError` naming
  the option and the path.
* :func:`atomic_write` writes a regular file (or a new path) to a temporary file in the same
  directory and renames it over the target only when the write has finished (``os.replace`` is
  atomic on POSIX), so an interrupted or failed write never leaves half a file, and an existing
  file is replaced only by a whole one. A symlink is followed and its target written so. A FIFO,
  a device or ``/dev/fd/N`` (bash's ``>(...)``) is written directly as a stream, and ``-`` is
  standard output where an option allows it. A write error (a full disk, a closed pipe) is a
  MipRegionsError, never silence. A new file gets the mode the umask gives; an existing file
  keeps its mode.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import MipRegionsError


STDOUT = "-"   # the name of standard output for the options that allow it


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def output_kind(path) -> str:
    """How ``path`` is written: 'stdout' for ``-``; 'stream' for an existing FIFO, character or
    block device, socket or ``/dev/fd/N`` (written directly, in order: a temporary file and a
    rename would replace the node itself); 'file' for a regular file or a new path (written
    through a temporary file beside its real target, symlinks followed)."""
    if str(path) == STDOUT:
        return "stdout"
    try:
        st = os.stat(path)          # follows symlinks
    except OSError:
        return "file"
    special = (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
               or stat.S_ISSOCK(st.st_mode))
    return "stream" if special else "file"     # a directory is refused as a file is checked


def _target(path) -> Path:
    """The file a 'file' output ends up in: a symlink's target (followed to the end)."""
    return Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)


def check_output(path, option: str, inputs=(), allow_stdout: bool = False) -> Path:
    """Raise a one-line error unless ``path`` can be written (module docstring); returns it."""
    p = Path(path)
    where = f"{option} {path}"
    kind = output_kind(path)
    if kind == "stdout":
        if not allow_stdout:
            raise MipRegionsError(f"{where}: standard output ('-') is offered for streamed outputs only")
        return p
    if kind == "stream":
        if not os.access(p, os.W_OK):
            raise MipRegionsError(f"{where}: not writable")
        return p
    if str(path) == "" or p.is_dir():
        raise MipRegionsError(f"{where}: is a directory, not a file")
    real = _target(p)
    parent = real.parent if str(real.parent) else Path(".")
    if not parent.is_dir():
        raise MipRegionsError(f"{where}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise MipRegionsError(f"{where}: the directory {parent} is not writable")
    if real.exists() and not os.access(real, os.W_OK):
        raise MipRegionsError(f"{where}: the file exists and is not writable")
    for inp in inputs:
        try:
            if inp is not None and real.exists() and Path(inp).exists() and real.samefile(inp):
                raise MipRegionsError(f"{where}: is the input file {inp}; writing it would destroy the input")
        except OSError:
            continue
    try:   # /proc and similar: the directory says writable, creating a file does not work
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{real.name}.", suffix=".check")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise MipRegionsError(f"{where}: cannot create a file there ({exc.strerror or exc})") from None
    return p


class _Output:
    """One output opened by its kind (:func:`output_kind`): ``fh`` to write to, ``finish()`` to
    put it in place (rename a temporary file; flush a stream), ``abandon()`` after a failure.
    A new file gets the mode the umask gives, an existing file keeps its mode."""

    def __init__(self, path, mode: str = "w"):
        self.path, self.kind, self.tmp = Path(path), output_kind(path), None
        try:
            if self.kind == "stdout":
                self.fh = sys.stdout.buffer if "b" in mode else sys.stdout
            elif self.kind == "stream":
                self.fh = open(path, mode)
            else:
                self.real = _target(self.path)
                parent = self.real.parent if str(self.real.parent) else Path(".")
                try:
                    keep = stat.S_IMODE(os.stat(self.real).st_mode)
                except OSError:
                    keep = 0o666 & ~_umask()
                fd, self.tmp = tempfile.mkstemp(dir=parent, prefix=f".{self.real.name}.", suffix=".tmp")
                try:
                    os.fchmod(fd, keep)
                    self.fh = os.fdopen(fd, mode)
                except OSError:      # no temporary file or descriptor left behind
                    os.close(fd)
                    _remove(self.tmp)
                    raise
        except OSError as exc:
            raise MipRegionsError(f"{path}: cannot write ({exc.strerror or exc})") from None

    def finish(self) -> None:
        try:
            if self.kind == "stdout":
                self.fh.flush()
            else:
                self.fh.close()
                if self.tmp is not None:
                    os.replace(self.tmp, self.real)
        except OSError as exc:       # ENOSPC, EPIPE, ...: an error, never silence
            self.abandon()
            raise MipRegionsError(f"{self.path}: cannot write ({exc.strerror or exc})") from None

    def abandon(self) -> None:
        if self.kind != "stdout":
            try:
                self.fh.close()
            except OSError:
                pass
        if self.tmp is not None:
            _remove(self.tmp)


@contextmanager
def atomic_write(path, mode: str = "w"):
    """Open ``path`` for writing (module docstring: a regular file through a temporary file
    renamed on success, a stream directly, ``-`` standard output); on any error remove the
    temporary file and re-raise (as a MipRegionsError for OS errors)."""
    out = _Output(path, mode)
    try:
        yield out.fh
    except OSError as exc:
        out.abandon()
        raise MipRegionsError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        out.abandon()
        raise
    out.finish()


class AtomicStream:
    """A text output written line by line while a run goes on and put in place on close (also
    after an interrupted run: it then holds every complete line written so far)."""

    def __init__(self, path):
        self.path = Path(path)
        self.out = _Output(path)
        self.fh = self.out.fh

    def write(self, text: str) -> None:
        self.fh.write(text)

    def close(self) -> None:
        if self.out.kind != "stdout" and self.fh.closed:
            return
        self.out.finish()

    def abandon(self) -> None:
        self.out.abandon()


class RegionWriter:
    """Streams regions as JSON lines (``Region.to_json``, one object per region) while a run goes
    on, into a temporary file renamed into place on close (:class:`AtomicStream`)."""

    def __init__(self, net, path):
        self.net = net
        self.stream = AtomicStream(path)
        self.error: OSError | None = None

    def __call__(self, region) -> None:
        if self.error is not None:
            return
        try:
            self.stream.write(json.dumps(region.to_json(self.net)) + "\n")
        except OSError as exc:     # e.g. the disk is full: keep counting, report it at the end
            self.error = exc

    def close(self) -> None:
        """Rename the file into place; a MipRegionsError (and no file) if any write failed."""
        if self.error is not None:
            self.stream.abandon()
            raise MipRegionsError(f"{self.stream.path}: cannot write ({self.error.strerror or self.error})")
        self.stream.close()


def write_csv_rows(path, rows: list[dict]) -> None:
    """One CSV row per dict (the first one's keys are the columns), written atomically."""
    import csv
    with atomic_write(path) as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _remove(tmp) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass
