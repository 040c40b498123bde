"""Running the tablm binary: private temporary folders, FIFO feeds, progress and errors."""

from __future__ import annotations

import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from typing import Callable, Dict, List, Optional, Sequence, Union

__all__ = ["TablmError", "TablmWarning", "PrivateFolder", "run_tablm"]


class TablmError(Exception):
    """tablm ran and failed.

    ``message`` is tablm's own one-line explanation (the last error line it printed on stderr),
    ``returncode`` its exit status (1: bad input, 64: bad option), ``command`` the command line
    it ran (temporary FIFO paths included) and ``stderr_tail`` its last lines on stderr.
    """

    def __init__(self, message: str, returncode: Optional[int], command: Sequence[str],
                 stderr_tail: Sequence[str] = ()):
        super().__init__(message)
        self.message = message
        self.returncode = returncode
        self.command = list(command)
        self.stderr_tail = list(stderr_tail)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"TablmError({self.message!r}, returncode={self.returncode})"


TablmError.__module__ = "tablm"


class TablmWarning(UserWarning):
    """A warning tablm printed (``warning: ...`` on stderr): raised through :mod:`warnings` when
    progress is silent, so that ``progress=False`` hides progress, never a warning about the
    guarantee (a δ not below 1/rows, a seeded noise)."""


TablmWarning.__module__ = "tablm"


# --------------------------------------------------------------------------------------------
# Private temporary folders and FIFO feeds


class _Feed:
    """A FIFO in a private folder that a writer thread streams a DataFrame into, as CSV.

    The rows never reach the disk: a FIFO holds nothing, the kernel passes the bytes from our
    writer to tablm's reader through a small in-memory buffer.
    """

    def __init__(self, path: str, label: str, write: Callable):
        self.path = path
        self.label = label
        self._write = write
        self._cancelled = False
        self._process: Optional[subprocess.Popen] = None
        self._started = threading.Event()
        self.error: Optional[BaseException] = None
        os.mkfifo(path, 0o600)
        self._thread = threading.Thread(target=self._serve, name=f"tablm-feed-{label}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            fd = os.open(self.path, os.O_WRONLY)  # blocks until tablm opens the FIFO
        except OSError as error:  # the folder went away
            if not self._cancelled:
                self.error = error
            return
        handle = os.fdopen(fd, "w", encoding="utf-8", newline="")
        try:
            if not self._cancelled:
                self._write(handle)
        except BrokenPipeError:
            pass  # tablm stopped reading (it failed, or was stopped): its own error says why
        except BaseException as error:  # noqa: BLE001 - reported after the run
            self.error = error
            # Stop tablm before the FIFO closes: it would read the close as the table's end and
            # train on the rows sent so far (replacing a checkpoint with that model).
            self._started.wait(timeout=60)
            if self._process is not None:
                _stop(self._process)
        finally:
            try:
                handle.close()
            except (OSError, ValueError):
                pass  # tablm is gone: nothing left to flush to

    def attach(self, process: subprocess.Popen) -> None:
        """The tablm process reading this feed, stopped if the writer fails."""
        self._process = process
        self._started.set()

    def release(self) -> None:
        """Unblock and end the writer, whether or not tablm ever opened the FIFO."""
        self._cancelled = True
        self._started.set()
        if self._thread.is_alive():
            try:
                # Opening the read end wakes a writer blocked in open(); it then sees the cancel
                # flag (or gets EPIPE once we close) and ends.
                fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
                os.close(fd)
            except OSError:
                pass
            self._thread.join(timeout=10)


class _SigtermUnwinds:
    """While inside, SIGTERM (a notebook kernel's shutdown, ``timeout``, a job scheduler) raises
    SystemExit(143) in the main thread, so that tablm is stopped and the private folder removed as
    on KeyboardInterrupt; by default it would end this process at once and leave both behind.
    A handler the program set itself is left alone, as is any thread but the main one."""

    def __init__(self) -> None:
        self._installed = False

    def __enter__(self) -> "_SigtermUnwinds":
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL):
            signal.signal(signal.SIGTERM, self._raise)
            self._installed = True
        return self

    def __exit__(self, *exc) -> None:
        if self._installed:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            self._installed = False

    @staticmethod
    def _raise(signum, frame) -> None:
        raise SystemExit(128 + signum)


class PrivateFolder:
    """A temporary folder only this user can enter (mode 0700), removed on exit, also on errors.

    It holds FIFOs (no data at rest) and, briefly, the files tablm must write as regular files
    (generated rows, a report's JSON), which are read back and removed at once.
    """

    def __init__(self) -> None:
        self.path: Optional[str] = None
        self.feeds: List[_Feed] = []
        # What a message should call a file of this folder instead of its temporary path.
        self.labels: Dict[str, str] = {}
        self._sigterm = _SigtermUnwinds()

    def __enter__(self) -> "PrivateFolder":
        self._sigterm.__enter__()
        self.path = tempfile.mkdtemp(prefix="tablm-")
        os.chmod(self.path, 0o700)
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.close()
        finally:
            self._sigterm.__exit__(*exc)

    def close(self) -> None:
        for feed in self.feeds:
            feed.release()
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None

    def file(self, name: str) -> str:
        assert self.path is not None
        return os.path.join(self.path, name)

    def feed(self, name: str, label: str, write: Callable) -> _Feed:
        """A FIFO named ``name`` whose reader receives what ``write(handle)`` writes."""
        feed = _Feed(self.file(name), label, write)
        self.feeds.append(feed)
        self.labels[feed.path] = label
        return feed


# --------------------------------------------------------------------------------------------
# Progress

_STEP = re.compile(r"^(?P<phase>prior step|step) (?P<k>\d+)/(?P<n>\d+)\s*(?P<rest>.*)$")
_ROWS = re.compile(r"^(?P<phase>generate): (?P<k>\d+)/(?P<n>\d+) rows\s*(?P<rest>.*)$")
_NOT_A_MESSAGE = ("See 'tablm", "Help:", "Usage:", "USAGE:")

ProgressOption = Union[bool, str, Callable[[str], None], None]


def _progress_line(line: str):
    return _STEP.match(line) or _ROWS.match(line)


class _Progress:
    """Shows tablm's stderr lines as they come and keeps the last ones for error messages.

    ``option``: True (a tqdm bar for steps when tqdm is installed, other lines printed; plain
    lines on sys.stderr without it), "plain" (plain lines, step lines at most every 2 s),
    False/None (silent), or a callable that receives every line.
    """

    def __init__(self, option: ProgressOption):
        self.tail: collections.deque = collections.deque(maxlen=200)
        self._callback: Optional[Callable[[str], None]] = None
        self._tqdm = None
        self._bar = None
        self._bar_key = None
        self._last_plain = 0.0
        self._mode = "silent"
        if callable(option):
            self._callback, self._mode = option, "callback"
        elif option == "plain":
            self._mode = "plain"
        elif option:
            try:
                from tqdm.auto import tqdm  # type: ignore

                self._tqdm, self._mode = tqdm, "tqdm"
            except Exception:  # noqa: BLE001 - tqdm missing or broken: plain lines
                self._mode = "plain"

    def line(self, text: str) -> None:
        self.tail.append(text)
        if self._mode == "silent":
            if text.startswith("warning:"):
                warnings.warn(text[len("warning:"):].strip(), TablmWarning, stacklevel=4)
            return
        if self._mode == "callback":
            self._callback(text)
            return
        match = _progress_line(text)
        if self._mode == "tqdm":
            if match:
                self._bar_update(match)
            else:
                self._tqdm.write(text, file=sys.stderr)
            return
        # plain
        if match:
            key = (match["phase"], match["n"])
            now = time.monotonic()
            last = match["k"] == match["n"]
            if not last and key == self._bar_key and now - self._last_plain < 2.0:
                return
            self._bar_key, self._last_plain = key, now
        print(text, file=sys.stderr, flush=True)

    def _bar_update(self, match) -> None:
        key = (match["phase"], match["n"])
        done = int(match["k"]) >= int(match["n"])
        if self._bar is None and key == self._bar_key and done:
            return  # the bar of this phase is finished and closed already
        if key != self._bar_key or self._bar is None:
            self._close_bar()
            desc = {"step": "train", "prior step": "prior", "generate": "generate"}[match["phase"]]
            self._bar = self._tqdm(total=int(match["n"]), desc=desc, file=sys.stderr,
                                   leave=True, dynamic_ncols=True)
            self._bar_key = key
        step = int(match["k"]) - self._bar.n
        if step > 0:
            self._bar.update(step)
        rest = re.sub(r"\s*ETA \S+$", "", match["rest"]).strip()
        if rest:
            self._bar.set_postfix_str(rest, refresh=False)
        self._bar.refresh()
        if done:  # close it, so that the lines that follow do not redraw it
            self._close_bar()

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def close(self) -> None:
        self._close_bar()


def error_message(lines: Sequence[str]) -> str:
    """tablm's one-line message among its stderr lines."""
    for line in reversed(lines):
        if line.startswith(("Error:", "error:", "tablm:")):
            return line
    for line in reversed(lines):
        if line.strip() and not line.startswith(_NOT_A_MESSAGE) and not _progress_line(line):
            return line
    return "tablm failed without a message"


# --------------------------------------------------------------------------------------------
# Running


class RunResult:
    def __init__(self, stdout: str, stderr_lines: List[str]):
        self.stdout = stdout
        self.stderr_lines = stderr_lines


def _stop(process: subprocess.Popen) -> None:
    """Stop tablm and whatever it started: the child leads its own process group, so a launcher
    script that runs the real binary without exec is stopped with it (signalling the script
    alone left tablm running and this process blocked on the pipe it kept open)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except OSError:
        pass


def _identity(path: str):
    """The file at ``path`` as (device, inode, size, mtime), or None when there is none."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def run_tablm(binary: str, args: Sequence[str], *, progress: ProgressOption = True,
              folder: Optional[PrivateFolder] = None, outputs: Sequence[str] = ()) -> RunResult:
    """Run ``binary args``; stream stderr to ``progress``; raise TablmError on a non-zero exit,
    or when a file in ``outputs`` is missing or unchanged after a zero one (a binary that is not
    tablm, or one too old for the command, would otherwise surface as a bare FileNotFoundError, or
    leave an earlier file to be read as its output).

    FIFO feeds of ``folder`` are released when the process ends (normally, on an error, or when
    interrupted: then the child is stopped too), so no writer thread is left blocked.
    """
    command = [binary, *[str(arg) for arg in args]]
    # tablm writes every output to a temporary file renamed into place: a new file, so one that is
    # still the file that was there before (or is missing) was not written.
    before = {path: _identity(path) for path in outputs}
    with _SigtermUnwinds():
        return _run(command, before, progress, folder, outputs)


def _run(command: List[str], before, progress: ProgressOption, folder: Optional[PrivateFolder],
         outputs: Sequence[str]) -> RunResult:
    sink = _Progress(progress)
    stdout_chunks: List[bytes] = []
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    for feed in folder.feeds if folder is not None else []:
        feed.attach(process)
    reader = threading.Thread(target=lambda: stdout_chunks.append(process.stdout.read()),
                              daemon=True)
    reader.start()
    try:
        pending = b""
        fd = process.stderr.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = re.split(rb"[\r\n]", pending)
            for raw in lines:
                text = raw.decode("utf-8", errors="replace").rstrip()
                if text.strip():
                    sink.line(text)
        if pending.strip():
            sink.line(pending.decode("utf-8", errors="replace").rstrip())
        returncode = process.wait()
    except BaseException:
        _stop(process)
        raise
    finally:
        if folder is not None:
            for feed in folder.feeds:
                feed.release()
        sink.close()
        reader.join(timeout=10)
        process.stdout.close()
        process.stderr.close()
    lines = list(sink.tail)
    if folder is not None:
        for feed in folder.feeds:
            if feed.error is not None:  # our side failed to write the rows (a Python error)
                raise feed.error
    if returncode != 0:
        message = error_message(lines)
        if folder is not None:
            for feed in folder.feeds:
                if feed.path in message and "cannot read" in message:
                    message += (" (this tablm cannot read a FIFO, as tablm before 0.35 could "
                                "not: rebuild it, or point TABLM_BINARY at a newer one)")
            for path, label in folder.labels.items():
                message = message.replace(path, f"<{label}>")
        raise TablmError(message, returncode, command, lines[-20:])
    for path in outputs:
        after = _identity(path)
        if after is None or after == before[path]:
            raise TablmError(f"{command[0]} exited 0 but wrote no {path}: is it tablm "
                             "(TABLM_BINARY), and new enough for this command?",
                             returncode, command, lines[-20:])
    return RunResult(b"".join(stdout_chunks).decode("utf-8", errors="replace"), lines)
