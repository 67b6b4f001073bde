"""Reading an intake batch's files ahead, in other processes (the machine's other cores).

Reading a submission (safety scan, calamine, the cell map, the checksum) needs no database, only
the catalogue, so while the main process judges, validates and writes file *i* in its own
transaction, reading processes already read the files after it. The main process still takes
the files strictly in order and does everything that reads or writes the database, so the
register and the findings are exactly those of reading each file in turn (a test compares them).
y3: while the reading processes are ahead of the main process (at least half the files read ahead
are read already), each also validates the next file it is given as a new township-period
(``district.file_check``); the main process uses those findings only when they are exactly its own
(``Workspace.write_intake``), so the work is balanced between the sides without changing any result.

Robust by construction: a file that cannot be read comes back as its refusal (the same reasons
the main process would give); a file that kills its reading process is read once more alone in a
fresh pool and, when it kills that one too, is refused (拒收) while the batch goes on with a new
pool. Processes that fail before reading any file (they cannot start here) leave the batch to
read in the main process. Only a few files are read ahead, so cancelling between files waits for at most those.
Processes are started with ``spawn`` everywhere (Windows' only method; under PyInstaller
``main.py`` calls ``multiprocessing.freeze_support()``).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from export.errors import ImportRefused

if TYPE_CHECKING:
    from export.submission_file import SubmissionFile
    from forms.catalogue import FormCatalogue
    from forms.findings import Finding

__all__ = ["PreRead", "ReadAhead", "read_one", "file_sha256", "data_sha256", "refusal", "READ_ERRORS", "PARALLEL_FROM",
           "reading_processes", "CRASHED_REASON"]

# Fewer files than this: starting a reading process costs more than it saves (about 0.3 s each).
PARALLEL_FROM = 48
_AHEAD_PER_PROCESS = 4
CRASHED_REASON = "读取文件时读取进程异常终止（文件可能已损坏或含有恶意内容），未接收"


class ReadRefused(Exception):
    """A file refused while it was read in another process: the reasons it gave there."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("；".join(reasons))
        self.reasons = reasons


# What a bad file may raise while being read or judged: refused, never stopping the batch.
READ_ERRORS = (ImportRefused, OSError, MemoryError, RecursionError, UnicodeError, ValueError, KeyError, IndexError,
               TypeError, ReadRefused)


def refusal(exc: BaseException) -> list[str]:
    """The register's reasons for a file refused with ``exc`` (one of ``READ_ERRORS``)."""
    if isinstance(exc, ReadRefused):
        return list(exc.reasons)
    if isinstance(exc, ImportRefused):
        return [str(exc)]
    if isinstance(exc, OSError):
        return [f"无法读取文件：{exc.strerror or exc}"]
    return [f"文件内容格式有误，无法读取（{type(exc).__name__}）"]  # a hostile or broken file


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def data_sha256(read: SubmissionFile) -> str:
    """The values alone (no township, no period, no 说明): equal for a copied file."""
    return _values_sha256([(f.key, {cell: v for cell, v in f.values.items() if v is not None}) for f in read.forms])


def _values_sha256(forms: list[tuple[str, dict[tuple[str, str, str], Any]]]) -> str:
    """``data_sha256`` of (form key, its values without a blank) pairs: the SHA-256 of the text of
    the sorted list of (form, table, row, column, ``repr(value)``) tuples. Each form's cells sorted
    on their own and the forms in their keys' order (the same list when no key is repeated, as in
    every file read: the form is the tuples' first field); the list's text made as ``repr`` makes
    it, each tuple's text up to its value kept from earlier files (``_cell_texts``)."""
    keys = [key for key, _ in forms]
    if len(set(keys)) != len(keys):  # never in a file read (one entry per form); the definition itself
        items = sorted((key, *cell, repr(v)) for key, values in forms for cell, v in values.items())
        return hashlib.sha256(repr(items).encode("utf-8")).hexdigest() if items else ""
    parts: list[str] = []
    for key, values in sorted(forms, key=itemgetter(0)):
        if values:
            cells = sorted(values)
            parts += map(str.__add__, _cell_texts(key, cells), map(repr, map(repr, map(values.__getitem__, cells))))
    if not parts:
        return ""
    return hashlib.sha256(("[" + "), ".join(parts) + ")]").encode("utf-8")).hexdigest()


# y8 (issue 11): form key → cell → the text ``repr`` gives its (form, table, row, column, …) tuple up
# to the value — "('form', 'table', 'row', 'column', " —: the townships' files name the same cells, and
# ``repr`` of these four texts was half of ``data_sha256`` (≈ 1 ms a file in the reading process)
_CELL_TEXTS: dict[str, dict[tuple[str, str, str], str]] = {}
_CELL_TEXTS_KEPT = 100_000


def _cell_texts(key: str, cells: list[tuple[str, str, str]]) -> list[str]:
    """Each cell's tuple text up to its value (``_CELL_TEXTS``), as ``repr`` of the tuple writes it.
    Kept only for keys that are all ``str`` (equal keys of other types may print differently: 1, 1.0, True)."""
    if type(key) is not str or set(map(len, cells)) != {3} \
            or set(map(type, chain.from_iterable(cells))) != {str}:
        return [f"({key!r}, {', '.join(map(repr, cell))}, " for cell in cells]
    if sum(map(len, _CELL_TEXTS.values())) > _CELL_TEXTS_KEPT:  # (all the forms' together: ≈ 20 MB at most)
        _CELL_TEXTS.clear()
    known = _CELL_TEXTS.setdefault(key, {})
    head = f"({key!r}, "
    missing = set(cells).difference(known)
    if missing:
        known.update({cell: f"{head}{cell[0]!r}, {cell[1]!r}, {cell[2]!r}, " for cell in missing})
    return list(map(known.__getitem__, cells))


@dataclass
class PreRead:
    """One file as read ahead: its SHA-256 and what ``read_submission`` made of it — or why it
    was refused, or that it is sealed (opened by the main process, which holds the district key)."""

    sha256: str = ""
    read: SubmissionFile | None = None
    reasons: list[str] | None = None
    sealed: bool = False
    data_sha256: str | None = None  # s4: ``data_sha256(read)``, worked out in the reading process
    # y3: form key → the findings of the file's forms as a new township-period (``district.file_check``),
    # made when the reading processes have time to spare; None: not made (the main process validates)
    findings: dict[str, list[Finding]] | None = None

    def raise_refusal(self) -> None:
        if self.reasons is not None:
            raise ReadRefused(self.reasons)


def read_one(path: Path, catalogue: FormCatalogue) -> PreRead:
    """Hash and read one file, exactly as the main process would (refusals as reasons)."""
    from export.submission_file import read_submission
    from security.sealed import is_sealed

    pre = PreRead()
    try:
        pre.sha256 = file_sha256(path)
        if is_sealed(path):
            pre.sealed = True
        else:
            pre.read = read_submission(path, catalogue)
    except READ_ERRORS as exc:
        pre.reasons = refusal(exc)
    return pre


def reading_processes(files: int, asked: int | None = None) -> int:
    """How many reading processes a batch of ``files`` uses: ``asked`` when given (0: none),
    else one per core but the one the main process uses, from ``PARALLEL_FROM`` files on — on
    Windows none unless asked: there it is not yet verified (under Wine a reading process once never
    started reading; a real Windows machine, and the frozen program, are still to be tried)."""
    if asked is not None:
        return max(0, asked)
    cores = os.cpu_count() or 1
    if sys.platform == "win32" or files < PARALLEL_FROM or cores < 2:
        return 0
    return min(4, cores - 1)


# -- in the reading process ----------------------------------------------------------------------------
_catalogue: FormCatalogue | None = None


def _start(catalogue_file: str) -> None:
    """Take the batch's catalogue from the file ``ReadAhead`` wrote it to (never through the start-up pipe:
    see ``ReadAhead._catalogue_file``)."""
    import pickle

    global _catalogue
    with open(catalogue_file, "rb") as fh:
        _catalogue = pickle.load(fh)


def _work(path: Path, validate: bool = False) -> PreRead:
    """Read one file for the main process; ``validate``: its 审核 too, when it can be made here (y3)."""
    assert _catalogue is not None
    pre = read_one(path, _catalogue)
    if pre.read is not None and validate:
        from district.file_check import file_findings

        pre.findings = file_findings(pre.read, _catalogue)
    if pre.read is not None:  # the forms travel back by key (a FormSpec is many times the file's values)
        for item in pre.read.forms:
            item.form = item.form.key  # type: ignore[assignment]
        _travelling(pre.read)  # u4 (v2): only what the main process uses
        # s4: off the main process (it validates and writes); the values left travelling are the non-blank ones
        pre.data_sha256 = _values_sha256([(item.form, item.values) for item in pre.read.forms])  # type: ignore[misc]
    return pre


def _travelling(read: SubmissionFile) -> None:
    """Leave out of a file read ahead what the main process never uses (u4): each form's cell
    addresses and the file's own computed cells serve the import preview and the messages made while
    reading (its refusals travel as text), and a blank cell is blank whether it is there as None or
    not there (``district.intake._file_write`` writes every input cell; ``data_sha256`` skips None):
    together two thirds of what would be pickled back."""
    for item in read.forms:
        item.addresses, item.file_computed = {}, {}
        item.values = {cell: value for cell, value in item.values.items() if value is not None}


# -- in the main process -------------------------------------------------------------------------------
class ReadAhead:
    """The files of a batch read ahead by ``processes`` reading processes; ``take(i)`` in order."""

    def __init__(self, files: Sequence[Path], catalogue: FormCatalogue, processes: int) -> None:
        self._files, self._catalogue, self._processes = list(files), catalogue, processes
        self._pool: ProcessPoolExecutor | None = None
        self._pending: dict[int, Future[PreRead]] = {}
        self._next = 0
        self._worked = self._broken = False
        self._catalogue_path: str | None = None

    def _catalogue_file(self) -> str:
        """The catalogue, pickled into a private temporary file that the reading processes load.

        Not passed as the pool's ``initargs``: ``spawn`` writes those (≈ 90 KB) into a pipe whose read
        end the parent itself still holds, so a process that dies before reading them all (killed,
        or failing to start) would block the main process in ``submit`` for ever (CPython 3.11). A
        file's path keeps the start-up data a few KB, which the pipe takes at once; a process that
        dies at start then breaks the pool, and the batch reads on in the main process."""
        if self._catalogue_path is None:
            import pickle
            import tempfile

            handle, path = tempfile.mkstemp(prefix="jnjp-catalogue-", suffix=".pickle")
            with os.fdopen(handle, "wb") as fh:
                pickle.dump(self._catalogue, fh, protocol=pickle.HIGHEST_PROTOCOL)
            self._catalogue_path = path
        return self._catalogue_path

    def _new_pool(self) -> None:
        import multiprocessing

        self._close_pool()
        self._pool = ProcessPoolExecutor(self._processes, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_start, initargs=(self._catalogue_file(),))

    def _fill(self, i: int) -> None:
        if self._pool is None:
            self._new_pool()
        assert self._pool is not None
        while self._next < len(self._files) and self._next <= i + self._processes * _AHEAD_PER_PROCESS:
            self._pending[self._next] = self._pool.submit(_work, self._files[self._next], self._spare())
            self._next += 1

    def _spare(self) -> bool:
        """Whether the reading processes have time to spare for validating the next file too (y3):
        at least half the files read ahead are read already (the main process is the slower side).
        Validating there or here gives the same findings; this only balances the two sides' work."""
        ahead = self._processes * _AHEAD_PER_PROCESS
        return sum(future.done() for future in self._pending.values()) * 2 >= ahead

    def take(self, i: int) -> PreRead | None:
        """File ``i`` read (files are taken in order, each once); None: read it in this process
        (reading processes cannot start here: the batch reads on without them)."""
        if self._broken:
            return None
        try:
            self._fill(i)
            pre = self._pending.pop(i).result()
        except (BrokenProcessPool, OSError) as exc:  # OSError: a process could not be started
            if isinstance(exc, OSError) or not self._worked:  # the processes fail, not a file
                return self._give_up()
            try:
                pre = self._alone(i)
            except OSError:
                return self._give_up()
        self._worked = True
        if pre.read is not None:
            for item in pre.read.forms:
                item.form = self._catalogue.get(item.form)  # type: ignore[arg-type]
        return pre

    def _give_up(self) -> None:
        """No more reading ahead in this batch: the main process reads the remaining files."""
        self._broken = True
        self._close_pool()
        return None

    def _alone(self, i: int) -> PreRead:
        """File ``i`` after a reading process died: read again alone in a new pool (the files after
        it are read ahead again); refused when it kills that one too."""
        self._pending.clear()
        self._next = i + 1
        self._new_pool()
        assert self._pool is not None
        try:
            return self._pool.submit(_work, self._files[i]).result()
        except BrokenProcessPool:
            self._new_pool()
            pre = PreRead(reasons=[CRASHED_REASON])
            try:
                pre.sha256 = file_sha256(self._files[i])
            except OSError:
                pass
            return pre

    def _close_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._pending.clear()

    def close(self) -> None:
        """Stop reading ahead (files not taken are dropped; a file being read is finished first)."""
        self._close_pool()
        if self._catalogue_path is not None:
            try:
                os.unlink(self._catalogue_path)
            except OSError:  # already gone, or (Windows) still open somewhere: only a temporary file
                pass
            self._catalogue_path = None
