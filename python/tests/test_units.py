"""Pieces that need no binary: CSV conversion, dtypes, conditions, progress lines."""

import io
import json
import os
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import tablm
from tablm import _args, _dtype_file, _frames, _run

SCHEMA = {"columns": [
    {"name": "age", "kind": "integer"},
    {"name": "score", "kind": "real"},
    {"name": "code", "kind": "categorical"},
]}


def test_integer_columns_with_missing_values_are_written_without_decimals():
    frame = pd.DataFrame({"age": [23.0, np.nan, 40.0], "score": [1.0, 2.0, np.nan],
                          "code": ["NA", None, "7"]})
    out = io.StringIO()
    _frames.csv_writer(frame, SCHEMA)(out)
    assert out.getvalue().splitlines() == ["age,score,code", "23,1.0,NA", ",2.0,", "40,,7"]
    # without a schema: a float column with missing values, all whole, is an integer column
    out = io.StringIO()
    _frames.csv_writer(frame[["age", "code"]], None)(out)
    assert out.getvalue().splitlines() == ["age,code", "23,NA", ",", "40,7"]


def test_read_rows_follows_the_schema(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("age,score,code,extra\n23,1.5,NA,3\n,2,007,4\n")
    rows = _frames.read_rows(str(path), SCHEMA)
    assert str(rows["age"].dtype) == "Int64" and rows["age"].isna().tolist() == [False, True]
    assert rows["score"].dtype == np.float64
    assert rows["code"].tolist() == ["NA", "007"]  # strings stay strings, "NA" is no NaN
    assert pd.api.types.is_integer_dtype(rows["extra"].dtype)
    path.write_text("age,score,code\n23,1.5,\n")
    rows = _frames.read_rows(str(path), SCHEMA)
    assert rows["age"].dtype == np.int64 and pd.isna(rows["code"][0])


@pytest.mark.parametrize("conditions, expected", [
    ({"sex": "Female"}, ["sex=Female"]),
    ({"age": ">=40", "hours": "<30"}, ["age>=40", "hours<30"]),
    ({"hours": "35..45"}, ["hours=35..45"]),
    ({"race": ["White", "Black"]}, ["race=White|Black"]),
    ({"n": 3, "x": 0.5}, ["n=3", "x=0.5"]),
    ("sex=Male", ["sex=Male"]),
    (["sex=Male", "age<25"], ["sex=Male", "age<25"]),
    (None, []),
])
def test_conditions(conditions, expected):
    assert _args.condition_args(conditions) == expected


def test_a_categorical_value_that_starts_with_a_comparison_is_a_category():
    # "<=50K" is a category of income: it was read as a comparison and refused by tablm.
    schema = {"columns": [{"name": "income", "kind": "categorical", "categories": ["<=50K", ">50K"]},
                          {"name": "age", "kind": "integer", "min": 0, "max": 99}]}
    assert _args.condition_args({"income": "<=50K", "age": "<=40"}, schema) == ["income=<=50K", "age<=40"]


def test_verdict_reads_delta_against_the_rows_and_a_missing_group():
    from tablm.evaluation import Report
    report = Report({"privacy": {"epsilon": 1.0, "delta": 0.5, "rate_rows": 100.0},
                     "fairness": {"realParityGap": 0.2, "syntheticParityGap": 0.0,
                                  "groups": [{"group": "F", "realShare": 0.33, "syntheticShare": 0.0},
                                             {"group": "M", "realShare": 0.67, "syntheticShare": 1.0}]}})
    verdict = report.verdict()
    # δ = 0.5 over about 100 rows allows publishing a row: no guarantee worth "yes"
    assert verdict.private is False and verdict.delta_not_below_one_over_rows
    assert "δ is not below 1/rows" in str(verdict)
    # one group only in the synthetic rows: a gap of 0 over it says nothing of the other
    assert verdict.fair is False
    report["privacy"]["delta"] = 1e-5
    report["fairness"]["groups"][0]["syntheticShare"] = 0.3
    verdict = report.verdict()
    assert verdict.private is True and verdict.fair is True


def test_duplicate_column_names_are_named():
    frame = pd.DataFrame([[1, 2, 3]], columns=["a", "a", "b"])
    with pytest.raises(ValueError, match="names the column 'a' more than once"):
        _frames.for_csv(frame, None)


def test_options():
    args = _args.options_args({"layers": 2, "accept_noise": True, "force": False,
                               "lr": 1e-3, "numeric": ["a=1..2", "b=0..9"]}, set(), "finetune")
    assert args == ["--layers=2", "--accept-noise", "--lr=0.001",
                    "--numeric=a=1..2", "--numeric=b=0..9"]
    # One word each: a negative value is the option's, not an option of its own (it was refused as
    # "Missing value for '--clip'").
    assert _args.options_args({"clip": -0.5}, set(), "finetune") == ["--clip=-0.5"]


def test_error_message_is_tablm_line():
    lines = ["tokenizer: trained", "step 1/5  loss 5.0", "Error: bad thing",
             "See 'tablm finetune --help' for its options."]
    assert _run.error_message(lines) == "Error: bad thing"
    assert _run.error_message(["warning: x", "data.csv:3: value out of range"]) == \
        "data.csv:3: value out of range"


def test_plain_progress_prints_lines(capsys):
    sink = _run._Progress("plain")
    for line in ["finetune: 10 steps", "step 1/3  loss 5", "step 2/3  loss 4",
                 "step 3/3  loss 3", "finetune: checkpoint -> ck"]:
        sink.line(line)
    err = capsys.readouterr().err.splitlines()
    # step lines are thinned out (the last always shows); other lines all show
    assert err[0] == "finetune: 10 steps" and err[-1] == "finetune: checkpoint -> ck"
    assert "step 3/3  loss 3" in err and "step 2/3  loss 4" not in err
    assert list(sink.tail)[-1] == "finetune: checkpoint -> ck"
    silent = _run._Progress(False)
    silent.line("hello")
    assert capsys.readouterr().err == "" and list(silent.tail) == ["hello"]


def test_floats_are_written_with_at_most_nine_decimals():
    # 0.1 * 3 is written 0.30000000000000004 by to_csv: more decimals than tablm keeps, so the
    # inferred schema made the column a list of its values.
    frame = pd.DataFrame({"x": [0.1 * 3, 59.97 + 1e-14, 2.5], "n": [1.0, 2.0, 3.0]})
    out = io.StringIO()
    _frames.csv_writer(frame, None)(out)
    assert out.getvalue().splitlines() == ["x,n", "0.3,1.0", "59.97,2.0", "2.5,3.0"]
    # a categorical column of the schema keeps its spelling
    out = io.StringIO()
    _frames.csv_writer(frame[["x"]].rename(columns={"x": "code"}), SCHEMA)(out)
    assert out.getvalue().splitlines()[1] == "0.30000000000000004"


def test_an_integer_column_a_float_cannot_hold_is_left_to_tablm():
    # 1e20 is whole but no Int64: pandas raised a raw TypeError from the cast.
    frame = pd.DataFrame({"age": [1e20, 3.0]})
    out = io.StringIO()
    _frames.csv_writer(frame, SCHEMA)(out)
    assert out.getvalue().splitlines() == ["age", "1e+20", "3.0"]


def test_multiindex_columns_are_refused():
    frame = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")]))
    with pytest.raises(ValueError, match="MultiIndex"):
        _frames.for_csv(frame, None)


def test_a_value_utf8_cannot_write_is_named():
    frame = pd.DataFrame({"a": ["ok", "ok"], "purpose": ["car", "car\udc80"]})
    with pytest.raises(ValueError, match=r"column 'purpose', row 1 holds 'car\\udc80'"):
        _frames.csv_writer(frame, None)(io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))


def test_categorical_conditions_are_spelt_as_the_csv_spelt_them():
    schema = {"columns": [{"name": "site", "kind": "categorical"}, {"name": "smoker", "kind": "categorical"},
                          {"name": "dx", "kind": "categorical"}, {"name": "n", "kind": "integer"}]}
    assert _args.condition_args({"site": " north", "smoker": True, "dx": "A|B", "n": True}, schema) == \
        ["site= north", "smoker=True", "dx=A|B", "n=true"]
    assert _args.condition_args({"smoker": [True, False]}, schema) == ["smoker=True|False"]
    for bad in ({"col=1": "x"}, {" site": "x"}, {"site": np.nan}, {"site": [None]},
                {"dx": ["A|B", "C"]}):
        with pytest.raises(ValueError):
            _args.condition_args(bad, schema)


def test_sampled_rows_get_the_fitted_frame_s_dtypes_back():
    fitted = pd.DataFrame({0: [True, False], "n_visits": [3, 4], "grade": pd.Categorical(["a", "b"]),
                           "code": ["x", "y"], "cost": [1.5, 2.0]})
    rows = pd.DataFrame({"0": ["False", "True", "True"], "n_visits": ["4", "3", "4"],
                         "grade": ["b", "a", np.nan], "code": ["y", "x", "x"], "cost": [2.0, 1.5, 2.0]})
    back = _frames.restore_dtypes(rows, _frames.frame_dtypes(fitted))
    assert list(back.columns) == [0, "n_visits", "grade", "code", "cost"]
    assert back[0].dtype == bool and back[0].tolist() == [False, True, True]
    assert back["n_visits"].dtype == np.int64 and back["n_visits"].sum() == 11
    assert isinstance(back["grade"].dtype, pd.CategoricalDtype) and back["grade"].isna().tolist() == [False, False, True]
    assert back["code"].tolist() == ["y", "x", "x"] and back["cost"].dtype == np.float64
    # a value the dtype cannot hold keeps the schema's dtype
    odd = _frames.restore_dtypes(pd.DataFrame({"0": ["maybe"]}), _frames.frame_dtypes(fitted))
    assert odd[0].tolist() == ["maybe"]


def test_warnings_reach_a_silent_caller():
    sink = _run._Progress(False)
    with pytest.warns(_run.TablmWarning, match="delta 0.05 is not below 1/rows"):
        sink.line("warning: delta 0.05 is not below 1/rows ≈ 0.005; a smaller delta is safer")
    sink.line("step 1/5  loss 2.0")  # progress stays silent (no warning)


def test_verdict_says_no_to_seeded_noise():
    from tablm.evaluation import Report
    report = Report({"privacy": {"epsilon": 1.0, "delta": 1e-5, "rate_rows": 1000.0, "insecure_seed": True}})
    verdict = report.verdict()
    assert verdict.private is False and verdict.insecure_seed
    assert "noise was seeded" in str(verdict)


def test_verdict_measures_no_gap_over_one_group_and_none_without_the_other_class():
    from tablm.evaluation import Report
    one = Report({"fairness": {"realParityGap": 0.0, "syntheticParityGap": 0.0,
                               "groups": [{"group": "M", "realShare": 1.0, "syntheticShare": 1.0}]}})
    assert one.verdict().fair is None  # a gap needs two groups: it was 0 and a yes
    single = Report({"caveats": [{"kind": "single_class_target", "message": "every synthetic row has income = <=50K"}],
                     "fairness": {"realParityGap": 0.25, "syntheticParityGap": 0.0,
                                  "groups": [{"group": "F", "realShare": 0.3, "syntheticShare": 0.3},
                                             {"group": "M", "realShare": 0.7, "syntheticShare": 0.7}]}})
    assert single.verdict().fair is False


# --- dates and durations --------------------------------------------------------------------

def _dated_frame():
    return pd.DataFrame({
        "admitted": pd.to_datetime(["2024-01-05", None, "1969-12-31"]),           # dates: days
        "seen": pd.to_datetime(["2024-01-05 10:00:01", "2024-03-31 03:30:00", None])
                  .tz_localize("Europe/Paris"),                                    # instants: seconds
        "local_day": pd.to_datetime(["2024-01-05", "2024-03-31", "2024-10-27"])
                       .tz_localize("Europe/Paris"),                               # midnights, DST days
        "stay": pd.to_timedelta([1.5, None, 3600], unit="s"),                      # durations: seconds
    })


def test_dates_are_written_as_numbers_and_the_frame_is_left_alone():
    # A datetime64 column was written as text ("2024-01-05 10:00:01+01:00"): the inferred schema
    # made every timestamp a category, and sampled rows came back as strings.
    frame = _dated_frame()
    before = frame.copy(deep=True)
    out = io.StringIO()
    _frames.csv_writer(frame, None)(out)
    assert out.getvalue().splitlines() == [
        "admitted,seen,local_day,stay",
        "19727,1704445201,19727,1.5",     # days since 1970-01-01; seconds of the instant (UTC)
        ",1711848600,19813,",             # NaT: an empty field, as any missing value
        "-1,,20023,3600.0",               # a local date counts on its own clock, not UTC's
    ]
    assert frame.equals(before) and frame["seen"].dt.tz is not None


def test_sampled_numbers_come_back_as_the_fitted_dates():
    frame = _dated_frame()
    out = io.StringIO()
    _frames.csv_writer(frame, None)(out)
    rows = pd.read_csv(io.StringIO(out.getvalue()), keep_default_na=False, na_values=[""])
    back = _frames.restore_dtypes(rows, _frames.frame_dtypes(frame))
    assert str(back["seen"].dtype) == "datetime64[ns, Europe/Paris]"
    assert back.equals(frame)  # every value, NaT and time zone included
    # numbers the schema listed as categories come as text; a number no date can be stays one
    rows = pd.DataFrame({"admitted": ["19727", np.nan], "stay": [1e300, 2.0]})
    back = _frames.restore_dtypes(rows, _frames.frame_dtypes(frame))
    assert back["admitted"].tolist()[0] == pd.Timestamp("2024-01-05") and pd.isna(back["admitted"][1])
    assert back["stay"].tolist() == [1e300, 2.0]


def test_with_a_schema_the_schema_says_the_unit_never_the_rows():
    # Under DP, a unit read off the rows would let one row (a time that is not midnight) change
    # every other row's number. With a schema, its range decides: days, or seconds.
    frame = pd.DataFrame({"admitted": pd.to_datetime(["2024-01-05 00:00", "2024-01-06 12:00"]),
                          "seen": pd.to_datetime(["2024-01-05", "2024-01-06"])})
    schema = {"columns": [{"name": "admitted", "kind": "real", "min": 18000, "max": 21000, "precision": 1},
                          {"name": "seen", "kind": "integer", "min": 1.5e9, "max": 1.8e9}]}
    assert _frames.datetime_units(frame, schema) == {"admitted": "days", "seen": "seconds"}
    assert _frames.datetime_units(frame, None) == {"admitted": "seconds", "seen": "days"}
    out = io.StringIO()
    _frames.csv_writer(frame, schema)(out)
    assert out.getvalue().splitlines() == ["admitted,seen", "19727.0,1704412800", "19728.5,1704499200"]
    # a schema tablm inferred from such numbers lists few of them as categories: still the unit
    listed = {"columns": [{"name": "seen", "kind": "categorical", "categories": ["19727", "19728"]}]}
    assert _frames.datetime_units(frame[["seen"]], listed) == {"seen": "days"}


@pytest.mark.parametrize("column", [pd.to_datetime(["2024-01-05"]), pd.to_timedelta([3], unit="D")])
def test_a_date_column_the_schema_calls_categorical_is_refused(column, tmp_path):
    frame = pd.DataFrame({"wave": column})
    schema = {"columns": [{"name": "wave", "kind": "categorical", "categories": ["2024-01-05"]}]}
    with pytest.raises(ValueError, match="column 'wave' holds .* the schema calls it categorical"):
        _frames.csv_writer(frame, schema)
    with pytest.raises(ValueError, match="column 'wave'"):
        tablm.Synthesizer(schema=schema).fit(frame, checkpoint=tmp_path / "out" / "ck")
    assert not (tmp_path / "out").exists()  # refused before anything ran


# --- dtypes kept beside a checkpoint for Synthesizer.load -----------------------------------

def _fitted_frame():
    return pd.DataFrame({0: [True, False], "n_visits": [3, 4],
                         "grade": pd.Categorical(["low", "high"], categories=["low", "mid", "high"], ordered=True),
                         "code": ["x", "y"], "admitted": pd.to_datetime(["2024-01-05", "2024-01-06"]).tz_localize("UTC")})


def _checkpoint(tmp_path, record='{"steps": 3, "seed": 0}'):
    """A folder Synthesizer.load takes (it reads training.json and schema.json only)."""
    folder = tmp_path / "ck"
    folder.mkdir(exist_ok=True)
    (folder / "training.json").write_text(record)
    (folder / "schema.json").write_text(json.dumps({"version": 1, "source": "public", "columns": [
        {"name": "0", "kind": "categorical", "categories": ["False", "True"]},
        {"name": "n_visits", "kind": "integer", "min": 0, "max": 9},
        {"name": "grade", "kind": "categorical", "categories": ["high", "low", "mid"]},
        {"name": "code", "kind": "categorical", "categories": ["x", "y"]},
        {"name": "admitted", "kind": "integer", "min": 19000, "max": 21000}]}))
    return str(folder)


SAMPLED = pd.DataFrame({"0": ["False", "True"], "n_visits": [4, 3], "grade": ["mid", "high"],
                        "code": ["y", "x"], "admitted": [19728, 19727]})


def test_load_gives_sampled_rows_the_fitted_frame_s_dtypes(tmp_path):
    # A loaded synthesizer gave bool columns back as "True"/"False" and Categoricals as text.
    checkpoint = _checkpoint(tmp_path)
    frame = _fitted_frame()
    _dtype_file.write(checkpoint, _frames.frame_dtypes(frame), private=False)
    # beside the folder, not in it: tablm replaces a checkpoint folder holding only its own files
    assert os.path.isfile(checkpoint + ".dtypes.json")
    assert sorted(os.listdir(checkpoint)) == ["schema.json", "training.json"]
    loaded = tablm.Synthesizer.load(checkpoint, progress=False)
    back = _frames.restore_dtypes(SAMPLED.copy(), loaded._dtypes)
    assert list(back.columns) == [0, "n_visits", "grade", "code", "admitted"]
    assert back[0].dtype == bool and back[0].tolist() == [False, True]
    assert back["grade"].dtype == frame["grade"].dtype  # not private: its categories, ordered
    assert back["admitted"].dtype == frame["admitted"].dtype
    assert back["admitted"].tolist() == [pd.Timestamp("2024-01-06", tz="UTC"), pd.Timestamp("2024-01-05", tz="UTC")]


def test_a_private_fit_writes_no_dtypes_file_and_removes_an_earlier_one(tmp_path):
    checkpoint = _checkpoint(tmp_path)
    _dtype_file.write(checkpoint, _frames.frame_dtypes(_fitted_frame()), private=False)
    assert os.path.isfile(checkpoint + ".dtypes.json")
    _dtype_file.write(checkpoint, _frames.frame_dtypes(_fitted_frame()), private=True)
    assert not os.path.lexists(checkpoint + ".dtypes.json")
    assert tablm.Synthesizer.load(checkpoint, progress=False)._dtypes == {}


def test_a_missing_corrupt_or_stale_dtypes_file_leaves_the_schema_s_dtypes(tmp_path):
    checkpoint = _checkpoint(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no file (tablm's own checkpoints, older ones): silent
        assert tablm.Synthesizer.load(checkpoint, progress=False)._dtypes == {}
    sidecar = checkpoint + ".dtypes.json"
    for content in ('{"format": "tablm-python-dtypes", "version": 1, "checkpoint": ',
                    '["not", "ours"]',
                    '{"format": "tablm-python-dtypes", "version": 1, "checkpoint": "0", "columns": []}'):
        with open(sidecar, "w", encoding="utf-8") as handle:
            handle.write(content)
        with pytest.warns(tablm.TablmWarning, match=re.escape(sidecar) + " ignored"):
            assert tablm.Synthesizer.load(checkpoint, progress=False)._dtypes == {}
    # a file that is not the package's is never overwritten
    with open(sidecar, "w", encoding="utf-8") as handle:
        handle.write('{"mine": 1}')
    with pytest.warns(tablm.TablmWarning, match="not a file tablm's Python package wrote"):
        _dtype_file.write(checkpoint, _frames.frame_dtypes(_fitted_frame()), private=False)
    assert open(sidecar).read() == '{"mine": 1}'
    # written for an earlier model of this folder: refit since, so ignored
    os.remove(sidecar)
    _dtype_file.write(checkpoint, _frames.frame_dtypes(_fitted_frame()), private=False)
    _checkpoint(tmp_path, record='{"steps": 4, "seed": 0}')
    with pytest.warns(tablm.TablmWarning, match="earlier model"):
        assert tablm.Synthesizer.load(checkpoint, progress=False)._dtypes == {}
