"""Fitting and sampling against the real binary."""

import json
import math
import os

import numpy as np
import pandas as pd
import pytest

import tablm
from conftest import PUBLIC_SCHEMA


def test_binary_reports_a_version(binary):
    version = tablm.binary_version(binary)
    # tablm --version exists from 0.35.0; an older binary answers None, which is allowed.
    assert version is None or version[0].isdigit()


def test_fit_writes_the_named_checkpoint(fitted):
    files = set(os.listdir(fitted.checkpoint))
    assert {"training.json", "model.safetensors", "schema.json", "config.json"} <= files
    assert fitted.schema["source"] == "data"  # inferred from the rows
    assert fitted.schema["target"] == "income" and fitted.schema["sensitive"] == ["sex"]
    assert fitted.training_record["steps"] == 20
    assert not fitted.private
    assert fitted.epsilon_spent() == math.inf


def test_sample_respects_conditions_and_dtypes(fitted):
    rows = fitted.sample(num_rows=120, conditions={"sex": "Female", "age": ">=40",
                                                   "race": ["White", "Black"]})
    assert len(rows) == 120
    assert list(rows.columns) == [c["name"] for c in fitted.schema["columns"]]
    assert (rows["sex"] == "Female").all()
    assert (rows["age"] >= 40).all()
    assert rows["race"].isin(["White", "Black"]).all()
    for column in fitted.schema["columns"]:
        series = rows[column["name"]]
        if column["kind"] == "integer":
            assert pd.api.types.is_integer_dtype(series.dtype), column["name"]
            assert series.dropna().between(column["min"], column["max"]).all()
        elif column["kind"] == "categorical":
            assert series.dtype == object, column["name"]
            present = series.dropna()
            assert present.map(type).eq(str).all(), column["name"]
            assert present.isin(column["categories"]).all(), column["name"]
            if not column.get("allows_missing"):
                assert series.notna().all(), column["name"]


def test_sample_range_condition_and_output_file(fitted, tmp_path):
    out = tmp_path / "kept" / "rows.csv"  # the parent folder is created
    rows = fitted.sample(40, conditions=["hours_per_week=35..45"], output=out, seed=3)
    assert rows["hours_per_week"].between(35, 45).all()
    assert out.is_file()
    again = pd.read_csv(out)
    assert len(again) == 40 and list(again.columns) == list(rows.columns)


def test_sampling_is_reproducible_by_seed(fitted):
    first = fitted.sample(30, seed=7)
    assert first.equals(fitted.sample(30, seed=7))
    assert not first.equals(fitted.sample(30, seed=8))


def test_load_round_trip(fitted, split):
    loaded = tablm.Synthesizer.load(fitted.checkpoint, progress=False)
    assert loaded.schema == fitted.schema
    assert not loaded.private
    assert loaded.target == "income" and loaded.sensitive == ["sex"]
    assert loaded.sample(25, seed=5).equals(fitted.sample(25, seed=5))


def test_fit_from_a_csv_path_and_a_schema_dict(binary, tmp_path):
    from conftest import SAMPLE, TINY

    schema = json.loads(PUBLIC_SCHEMA.read_text())
    synth = tablm.Synthesizer(schema=schema, steps=3, progress=False, binary=binary, **TINY)
    rows = synth.fit_sample(SAMPLE, checkpoint=tmp_path / "ck", num_rows=10)
    assert len(rows) == 10
    assert synth.schema["source"] == "public"


def test_load_refuses_a_folder_that_is_no_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError):
        tablm.Synthesizer.load(tmp_path)


def test_sample_before_fit_says_so():
    with pytest.raises(RuntimeError, match="fit"):
        tablm.Synthesizer().sample(5)


def test_sampled_rows_keep_the_fitted_frame_s_dtypes(binary, tmp_path):
    # bool came back as the strings "True"/"False" (astype(bool) made every row True), integers
    # with few values and Categoricals as strings, integer labels as '0'; a float column whose
    # CSV spelling had 17 digits (0.1 * 3) was inferred as a list of categories.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "smoker": rng.random(300) < 0.3,
        "n_visits": rng.integers(0, 4, 300),
        "grade": pd.Categorical(rng.choice(["low", "mid", "high"], 300)),
        "price": rng.integers(1, 500, 300) * 0.1,
        7: rng.choice(["yes", "no"], 300),
    })
    synth = tablm.Synthesizer(steps=5, progress=False, binary=binary, layers=1, width=32, heads=2)
    synth.fit(frame, checkpoint=tmp_path / "ck")
    kinds = {c["name"]: c["kind"] for c in synth.schema["columns"]}
    assert kinds["price"] == "real", synth.schema["columns"]
    rows = synth.sample(60)
    assert list(rows.columns) == list(frame.columns)
    assert rows["smoker"].dtype == bool
    assert pd.api.types.is_integer_dtype(rows["n_visits"].dtype)
    assert isinstance(rows["grade"].dtype, pd.CategoricalDtype)
    assert set(rows["grade"].cat.categories) == {"low", "mid", "high"}
    assert rows["price"].dtype == np.float64
    assert rows[7].isin(["yes", "no"]).all()
    # a condition on the bool column is spelt as its CSV was
    assert synth.sample(20, conditions={"smoker": True})["smoker"].all()


def test_dates_round_trip_through_fit_sample_and_load(binary, tmp_path):
    # datetime64 columns were written as text: the inferred schema made every timestamp a
    # category and sampled rows came back as strings. They are numbers now (days for dates,
    # seconds for instants and durations) and come back as datetime64, time zone included.
    rng = np.random.default_rng(1)
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, 300), unit="D")
    seen = pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 10**7, 300), unit="s")
    frame = pd.DataFrame({
        "admitted": pd.Series(days).where(rng.random(300) > 0.1),  # NaT in about one row in ten
        "seen": pd.Series(seen).dt.tz_convert("America/New_York"),
        "stay": pd.to_timedelta(rng.integers(1, 72, 300), unit="h"),
        "ward": rng.choice(["a", "b"], 300),
    })
    before = frame.copy(deep=True)
    synth = tablm.Synthesizer(steps=5, progress=False, binary=binary, layers=1, width=32, heads=2)
    synth.fit(frame, checkpoint=tmp_path / "ck")
    assert frame.equals(before)
    kinds = {c["name"]: c["kind"] for c in synth.schema["columns"]}
    assert kinds == {"admitted": "integer", "seen": "integer", "stay": "integer", "ward": "categorical"}
    rows = synth.sample(50, seed=2)
    assert rows.dtypes.to_dict() == frame.dtypes.to_dict()
    admitted = rows["admitted"].dropna()
    assert (admitted == admitted.dt.normalize()).all()  # dates stay dates
    assert admitted.between(frame["admitted"].min(), frame["admitted"].max()).all()
    assert rows["seen"].between(frame["seen"].min(), frame["seen"].max()).all()
    loaded = tablm.Synthesizer.load(tmp_path / "ck", progress=False)
    assert loaded.sample(50, seed=2).equals(rows)


def test_load_keeps_the_fitted_frame_s_dtypes(binary, tmp_path):
    # A loaded synthesizer gave bool columns back as "True"/"False", integers the schema listed
    # as categories as text, Categoricals as text and integer labels as '7': the dtypes lived
    # only in the synthesizer that ran fit.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "smoker": rng.random(200) < 0.3,
        "n_visits": rng.integers(0, 4, 200),
        "grade": pd.Categorical(rng.choice(["low", "mid", "high"], 200), categories=["low", "mid", "high"],
                                ordered=True),
        7: rng.choice(["yes", "no"], 200),
    })
    checkpoint = tmp_path / "ck"
    synth = tablm.Synthesizer(steps=5, progress=False, binary=binary, layers=1, width=32, heads=2)
    synth.fit(frame, checkpoint=checkpoint)
    loaded = tablm.Synthesizer.load(checkpoint, progress=False)
    rows = loaded.sample(40, seed=1)
    assert rows.equals(synth.sample(40, seed=1))
    assert list(rows.columns) == list(frame.columns)
    assert rows["smoker"].dtype == bool and rows["n_visits"].dtype == np.int64
    assert rows["grade"].dtype == frame["grade"].dtype  # its categories, in its order
    # The file lies beside the folder, so tablm may replace the checkpoint; a fit from a CSV
    # file has no frame's dtypes, and the earlier ones go with the model they described.
    table = tmp_path / "table.csv"
    frame.to_csv(table, index=False)
    synth.fit(table, checkpoint=checkpoint)
    assert not os.path.exists(f"{checkpoint}.dtypes.json")
    assert tablm.Synthesizer.load(checkpoint, progress=False).sample(5)["smoker"].dtype == object
