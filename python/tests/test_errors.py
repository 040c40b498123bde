"""tablm's failures become TablmError with its own message; argument mistakes are ValueErrors
raised before any process runs."""

import math
import subprocess

import pytest

import tablm
from conftest import PUBLIC_SCHEMA, SAMPLE


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
    with pytest.raises(ValueError, match="schema"):
        tablm.evaluate(adult, adult, adult)
    with pytest.raises(ValueError):
        tablm.evaluate(adult, adult, [1], schema=PUBLIC_SCHEMA)
    with pytest.raises(ValueError):
        tablm.evaluate(adult, adult, adult, schema=PUBLIC_SCHEMA, sensitive=["sex", "race"])


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
