"""tablm's failures become TablmError with its own message; argument mistakes are ValueErrors
raised before any process runs."""

import json
import math
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import tablm
from conftest import PUBLIC_SCHEMA, SAMPLE, TINY


def test_condition_on_a_missing_column(fitted):
    with pytest.raises(tablm.TablmError) as caught:
        fitted.sample(5, conditions={"no_such_column": "x"})
    error = caught.value
    assert error.returncode == 1
    assert error.message.startswith("Error:") and "no_such_column" in error.message
    assert str(error) == error.message
    assert error.command[1] == "generate"


def test_private_fit_refuses_a_schema_read_off_the_rows(binary, split, tmp_path):
    schema = tablm.infer_schema(split[0], target="income", binary=binary)
    assert schema["source"] == "data"
    synth = tablm.Synthesizer(epsilon=1.0, schema=schema, progress=False, binary=binary)
    with pytest.raises(tablm.TablmError) as caught:
        synth.fit(split[0], checkpoint=tmp_path / "ck")
    assert caught.value.returncode == 1
    assert '"source": "data"' in caught.value.message and "public" in caught.value.message
    assert not (tmp_path / "ck").exists()


def test_a_dataframe_missing_a_schema_column(binary, split, tmp_path):
    synth = tablm.Synthesizer(schema=PUBLIC_SCHEMA, steps=2, progress=False, binary=binary)
    with pytest.raises(tablm.TablmError) as caught:
        synth.fit(split[0].drop(columns=["age"]), checkpoint=tmp_path / "ck")
    message = caught.value.message
    assert "'age'" in message
    # the FIFO's temporary path is shown as what it stands for
    assert "<data DataFrame>" in message and "/tablm-" not in message


@pytest.fixture
def no_process(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a process was started: {args}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(subprocess, "run", refuse)


@pytest.mark.parametrize("kwargs", [
    dict(epsilon=0, schema=PUBLIC_SCHEMA),
    dict(epsilon=-1.0, schema=PUBLIC_SCHEMA),
    dict(epsilon=math.nan, schema=PUBLIC_SCHEMA),
    dict(epsilon=math.inf, schema=PUBLIC_SCHEMA),
    dict(epsilon="1", schema=PUBLIC_SCHEMA),
    dict(epsilon=1.0),  # private without a public schema
    dict(epsilon=1.0, schema=PUBLIC_SCHEMA, delta=0),
    dict(epsilon=1.0, schema=PUBLIC_SCHEMA, delta=1.5),
    dict(steps=0),
    dict(steps=2.5),
    dict(seed=-1),
    dict(schema=42),
    dict(schema=SAMPLE.parent / "no-such-schema.json"),
    dict(sensitive=3),
    dict(data="x.csv"),  # set by fit's own argument
    dict(output="ck"),
    dict(layers={"a": 1}),
])
def test_constructor_mistakes(kwargs, no_process):
    with pytest.raises(ValueError):
        tablm.Synthesizer(**kwargs)


def test_fit_mistakes(adult, no_process, tmp_path):
    synth = tablm.Synthesizer(schema=PUBLIC_SCHEMA)
    with pytest.raises(ValueError, match="checkpoint"):
        synth.fit(adult)  # no folder named
    with pytest.raises(ValueError):
        synth.fit([1, 2, 3], checkpoint=tmp_path / "ck")
    with pytest.raises(ValueError):
        synth.fit(adult.iloc[:0], checkpoint=tmp_path / "ck")


def test_sample_mistakes(fitted, no_process):
    for kwargs in (dict(num_rows=0), dict(num_rows=-5), dict(num_rows=2.5),
                   dict(num_rows=10, conditions={"age": []}),
                   dict(num_rows=10, conditions={"age": ""}),
                   dict(num_rows=10, conditions=42),
                   dict(num_rows=10, rows=5),
                   dict(num_rows=10, seed=-2)):
        with pytest.raises(ValueError):
            fitted.sample(**kwargs)


def test_evaluate_mistakes(adult, no_process):
    held_out = adult.copy()
    with pytest.raises(ValueError, match="schema"):
        tablm.evaluate(adult, held_out, adult)
    with pytest.raises(ValueError):
        tablm.evaluate(adult, held_out, [1], schema=PUBLIC_SCHEMA)
    with pytest.raises(ValueError):
        tablm.evaluate(adult, held_out, adult, schema=PUBLIC_SCHEMA, sensitive=["sex", "race"])
    # The training rows as test rows: TRTR scored on its own rows, the membership attack blind.
    with pytest.raises(ValueError, match="test is the training table"):
        tablm.evaluate(adult, adult, adult, schema=PUBLIC_SCHEMA)
    with pytest.raises(ValueError, match="test is the training table"):
        tablm.evaluate(SAMPLE, str(SAMPLE), adult, schema=PUBLIC_SCHEMA)


def test_binary_not_found(monkeypatch, tmp_path):
    monkeypatch.setenv("TABLM_BINARY", str(tmp_path / "nowhere" / "tablm"))
    with pytest.raises(tablm.BinaryNotFoundError, match="TABLM_BINARY"):
        tablm.find_binary()
    with pytest.raises(tablm.BinaryNotFoundError, match="binary="):
        tablm.find_binary(tmp_path / "nope")


def test_a_binary_that_exits_0_without_its_output_is_a_tablm_error(split, tmp_path):
    # Before, a program that is not tablm (or one too old for the command) surfaced as a bare
    # FileNotFoundError from reading the output it never wrote.
    fake = tmp_path / "not-tablm"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    with pytest.raises(tablm.TablmError) as caught:
        tablm.infer_schema(split[0], target="income", binary=str(fake))
    assert caught.value.returncode == 0
    assert "exited 0 but wrote no" in caught.value.message and "schema.json" in caught.value.message
    synth = tablm.Synthesizer(schema=PUBLIC_SCHEMA, steps=2, progress=False, binary=str(fake))
    with pytest.raises(tablm.TablmError) as caught:
        synth.fit(split[0], checkpoint=tmp_path / "ck")
    assert "exited 0 but wrote no" in caught.value.message
    # An earlier file at the output's path is not taken for the output.
    earlier = tmp_path / "earlier.json"
    earlier.write_text('{"columns": []}')
    with pytest.raises(tablm.TablmError) as caught:
        tablm.infer_schema(split[0], target="income", binary=str(fake), path=earlier)
    assert "exited 0 but wrote no" in caught.value.message


def test_a_frame_that_fails_mid_stream_leaves_the_checkpoint_as_it_was(binary, adult, tmp_path):
    # The writer failed on a value UTF-8 cannot spell after most rows had gone through the FIFO;
    # tablm read the close as the table's end, trained on those rows and replaced the checkpoint.
    checkpoint = tmp_path / "ck"
    options = dict(schema=PUBLIC_SCHEMA, steps=2, progress=False, binary=binary, **TINY)
    tablm.Synthesizer(**options).fit(adult.iloc[:100], checkpoint=checkpoint)
    record = (checkpoint / "training.json").read_bytes()
    bad = pd.concat([adult] * 8, ignore_index=True)
    bad.loc[len(bad) - 1, "occupation"] = "Sales\udc80"
    with pytest.raises(ValueError, match=r"column 'occupation', row 3999"):
        tablm.Synthesizer(**options).fit(bad, checkpoint=checkpoint)
    assert (checkpoint / "training.json").read_bytes() == record


_TERMINATED = """
import sys, tablm, pandas as pd
frame = pd.read_csv(sys.argv[1])
def line(text):
    print("started", flush=True)
synth = tablm.Synthesizer(schema=sys.argv[2], steps=100000, layers=1, width=32, heads=2, progress=line)
synth.fit(frame, checkpoint=sys.argv[3])
"""


def test_sigterm_stops_tablm_and_removes_the_private_folder(binary, tmp_path):
    # SIGTERM (a kernel's shutdown, timeout, a scheduler) ended Python at once: the private folder
    # (a FIFO and the schema) stayed in the temporary directory and tablm trained on.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    checkpoint = tmp_path / "terminated-ck"
    env = dict(os.environ, TMPDIR=str(scratch), TABLM_BINARY=binary,
               PYTHONPATH=os.pathsep.join(sys.path))
    child = subprocess.Popen([sys.executable, "-c", _TERMINATED, str(SAMPLE), str(PUBLIC_SCHEMA),
                              str(checkpoint)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "started"
        assert any(scratch.iterdir()), "the private folder exists while tablm runs"
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        if child.poll() is None:
            child.kill()
    assert not any(scratch.iterdir()), list(scratch.iterdir())
    deadline = time.monotonic() + 10
    while subprocess.run(["pgrep", "-f", str(checkpoint)], capture_output=True).returncode == 0:
        assert time.monotonic() < deadline, "tablm still runs"
        time.sleep(0.2)
    assert not checkpoint.exists()


def test_plan_and_a_mask_that_is_no_bool_are_refused(fitted, no_process):
    with pytest.raises(ValueError, match="tablm finetune --dp --plan"):
        tablm.Synthesizer(epsilon=1, schema=PUBLIC_SCHEMA, plan=True)
    with pytest.raises(ValueError, match="mask_fairness must be True or False"):
        fitted.sample(10, mask_fairness="no")


def test_a_schema_dict_is_named_as_such_in_errors(binary, split, tmp_path):
    schema = json.loads(PUBLIC_SCHEMA.read_text())
    schema["columns"][0]["max"] = "x"
    synth = tablm.Synthesizer(schema=schema, steps=2, progress=False, binary=binary, **TINY)
    with pytest.raises(tablm.TablmError) as caught:
        synth.fit(split[0], checkpoint=tmp_path / "ck")
    # It named the private folder's file, /tmp/tablm-…/schema.json, gone by the time it is read.
    assert caught.value.message.startswith("Error: <schema dict>:1:"), caught.value.message


def test_a_bare_binary_name_in_this_folder_says_how_to_name_it(monkeypatch, tmp_path):
    (tmp_path / "tablm-here").write_text("#!/bin/sh\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(tablm.BinaryNotFoundError, match="write './tablm-here'"):
        tablm.find_binary("tablm-here")
