"""Differential privacy through the package, and the rule that private rows never reach the disk
outside the folders the user names."""

import json
import os
import re
import signal
import stat
import subprocess
import threading
import time

import pandas as pd
import pytest

import tablm
from conftest import PUBLIC_SCHEMA, TINY, TINY_DP


def test_private_fit_spends_at_most_the_epsilon_asked(dp_fitted):
    assert dp_fitted.private
    record = dp_fitted.training_record
    assert "privacy" in record and record["privacy"]["delta"] == pytest.approx(1e-5)
    spent = dp_fitted.epsilon_spent()
    assert 0 < spent <= 1.0 + 1e-9
    assert spent == pytest.approx(record["privacy"]["epsilon"], rel=1e-6)


def test_load_keeps_the_privacy_record(dp_fitted):
    loaded = tablm.Synthesizer.load(dp_fitted.checkpoint, progress=False)
    assert loaded.private and loaded.epsilon == pytest.approx(1.0)
    assert loaded.epsilon_spent() == pytest.approx(dp_fitted.epsilon_spent())
    rows = loaded.sample(30, seed=4)
    assert len(rows) == 30 and rows.equals(dp_fitted.sample(30, seed=4))


def test_a_private_fit_keeps_no_dtypes_beside_its_checkpoint(binary, split, tmp_path):
    # A frame's dtypes are read off its rows (a missing value makes an int column float, a
    # Categorical's categories are the values seen): under DP they may not leave the process, so no
    # file is written and sampled rows, fitted or loaded, get the schema's dtypes.
    train = split[0].copy()
    train["race"] = pd.Categorical(train["race"])
    checkpoint = tmp_path / "ck"
    synth = tablm.Synthesizer(epsilon=1.0, delta=1e-5, schema=PUBLIC_SCHEMA, seed=0, progress=False,
                              binary=binary, **TINY_DP)
    synth.fit(train, checkpoint=checkpoint)
    assert not os.path.lexists(f"{checkpoint}.dtypes.json")
    assert synth.sample(30, seed=4)["race"].dtype == object
    loaded = tablm.Synthesizer.load(checkpoint, progress=False).sample(30, seed=4)
    assert loaded["race"].dtype == object


class Watcher:
    """Polls a folder while the package works, keeping the contents of every regular file seen
    and noting every FIFO."""

    def __init__(self, folder):
        self.folder = folder
        self.files = {}
        self.fifos = set()
        self.modes = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.is_set():
            for root, dirs, names in os.walk(self.folder):
                for name in dirs:
                    try:
                        self.modes.add(stat.S_IMODE(os.stat(os.path.join(root, name)).st_mode))
                    except OSError:
                        pass
                for name in names:
                    path = os.path.join(root, name)
                    try:
                        mode = os.lstat(path).st_mode
                        if stat.S_ISFIFO(mode):
                            self.fifos.add(name)
                        elif stat.S_ISREG(mode):
                            with open(path, "rb") as handle:
                                content = handle.read()
                            if len(content) >= len(self.files.get(path, b"")):
                                self.files[path] = content
                    except OSError:
                        pass  # removed meanwhile
            time.sleep(0.005)


def test_no_private_rows_written_to_disk(binary, split, private_tmp, tmp_path):
    train, test = split
    with Watcher(private_tmp) as watcher:
        schema = tablm.infer_schema(train, target="income", sensitive="sex", binary=binary)
        synth = tablm.Synthesizer(schema=PUBLIC_SCHEMA, steps=5, progress=False, binary=binary,
                                  **TINY)
        synth.fit(train, checkpoint=tmp_path / "ck")
        rows = synth.sample(20)
        report = tablm.evaluate(train=train, test=test, synthetic=rows, schema=PUBLIC_SCHEMA,
                                progress=False, binary=binary)

    # The data went through FIFOs in private (0700) folders, all removed afterwards.
    assert {"data.csv", "train.csv", "test.csv", "synthetic.csv"} <= watcher.fifos
    assert watcher.modes == {0o700}
    assert os.listdir(private_tmp) == []

    # No regular file ever held a training row. A row's fnlwgt is (nearly) an identifier: pick
    # values that are unique, and not a range bound or a quantile edge the aggregates may show.
    aggregates = repr(schema) + repr(dict(report))
    counts = train["fnlwgt"].value_counts()
    values = [str(v) for v in counts[counts == 1].index
              if v not in (train["fnlwgt"].min(), train["fnlwgt"].max())
              and str(v) not in aggregates][:20]
    assert len(values) == 20
    lines = train.iloc[:5].to_csv(index=False, header=False).splitlines()
    seen = b"\n".join(watcher.files.values()).decode("utf-8", errors="replace")
    assert watcher.files, "the watcher saw no file at all (generated rows pass through one)"
    for value in values:
        assert not re.search(rf"\b{value}\b", seen), f"fnlwgt {value} was written to disk"
    for line in lines:
        assert line not in seen


def test_interrupt_stops_tablm_and_removes_the_folder(binary, split, private_tmp, tmp_path,
                                                      monkeypatch):
    started = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        process = real_popen(*args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(subprocess, "Popen", popen)

    def interrupt(line):
        if line.startswith("step "):
            raise KeyboardInterrupt

    synth = tablm.Synthesizer(schema=PUBLIC_SCHEMA, steps=500, progress=interrupt,
                              binary=binary, **TINY)
    with pytest.raises(KeyboardInterrupt):
        synth.fit(split[0], checkpoint=tmp_path / "ck")
    assert len(started) == 1
    assert started[0].poll() is not None  # stopped and reaped
    # killed by the signal, or exited by tablm's own handler (128 + SIGTERM)
    assert started[0].returncode in (-signal.SIGTERM, -signal.SIGKILL, 128 + signal.SIGTERM)
    assert os.listdir(private_tmp) == []
    assert not [t for t in threading.enumerate() if t.name.startswith("tablm-feed")]


def test_interrupt_stops_tablm_behind_a_launcher_script(binary, split, private_tmp, tmp_path):
    # A launcher that runs tablm without exec: signalling the script alone left tablm training as
    # an orphan, and Python blocked on the pipe it held open.
    launcher = tmp_path / "tablm-launcher"
    launcher.write_text(f'#!/bin/sh\n"{binary}" "$@"\n')
    launcher.chmod(0o755)
    checkpoint = tmp_path / "ck"

    def interrupt(line):
        if line.startswith("step "):
            raise KeyboardInterrupt

    synth = tablm.Synthesizer(schema=PUBLIC_SCHEMA, steps=500, progress=interrupt,
                              binary=str(launcher), **TINY)
    begun = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        synth.fit(split[0], checkpoint=checkpoint)
    assert time.monotonic() - begun < 60

    def running():
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    command = handle.read().decode(errors="replace")
            except OSError:
                continue
            if str(checkpoint) in command:
                found.append(command)
        return found

    deadline = time.monotonic() + 10
    while running() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert running() == []
    assert os.listdir(private_tmp) == []


def test_a_failure_before_reading_unblocks_the_feed(binary, split, private_tmp, tmp_path):
    # tablm refuses the option before it opens the FIFO: the writer thread must not hang.
    synth = tablm.Synthesizer(schema=PUBLIC_SCHEMA, steps=2, progress=False, binary=binary,
                              no_such_option=3)
    begun = time.monotonic()
    with pytest.raises(tablm.TablmError) as caught:
        synth.fit(split[0], checkpoint=tmp_path / "ck")
    assert time.monotonic() - begun < 30
    assert caught.value.returncode == 64
    assert "no-such-option" in caught.value.message
    assert os.listdir(private_tmp) == []
    assert not [t for t in threading.enumerate() if t.name.startswith("tablm-feed")]
    assert not (tmp_path / "ck").exists()
