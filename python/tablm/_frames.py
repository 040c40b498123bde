"""DataFrames to and from tablm's CSV, and schemas as files or dicts."""

from __future__ import annotations

import json
import math
import os
from typing import Any, Dict, Mapping, NamedTuple, Optional, Union

import numpy as np
import pandas as pd

from ._run import PrivateFolder

Schema = Union[str, "os.PathLike[str]", Mapping[str, Any]]


def is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def load_schema(schema: Optional[Schema]) -> Optional[Dict[str, Any]]:
    """A schema given as a path or a dict, as a dict (None stays None)."""
    if schema is None:
        return None
    if is_path(schema):
        path = os.fspath(schema)
        try:
            with open(path, encoding="utf-8") as handle:
                loaded = json.load(handle)
        except FileNotFoundError:
            raise ValueError(f"schema file {path!r} does not exist") from None
        except json.JSONDecodeError as error:
            raise ValueError(f"schema file {path!r} is not valid JSON: {error}") from None
    elif isinstance(schema, Mapping):
        loaded = dict(schema)
    else:
        raise ValueError(f"schema must be a path, a dict or None, not {type(schema).__name__}")
    if not isinstance(loaded.get("columns"), list):
        raise ValueError("a schema needs a 'columns' list (see tablm schema infer)")
    return loaded


def schema_argument(schema: Optional[Schema], folder: PrivateFolder) -> Optional[str]:
    """The path to give tablm's --schema: the user's file, or a dict written into ``folder``."""
    if schema is None:
        return None
    if is_path(schema):
        return os.fspath(schema)
    path = folder.file("schema.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(dict(schema), handle)
    folder.labels[path] = "schema dict"
    return path


def _kinds(schema: Optional[Mapping[str, Any]]) -> Dict[str, str]:
    if not schema:
        return {}
    return {column["name"]: column.get("kind", "") for column in schema.get("columns", [])}


# ---------------------------------------------------------------------------------------------
# Dates and durations: written as numbers, so that tablm sees a numeric column instead of one
# category per timestamp, and given back as datetime64 / timedelta64 on sampling.

_EPOCH = pd.Timestamp("1970-01-01")
_DAY = 86400.0
# With a schema, its range for a datetime column says the unit: bounds of at most this size are
# days (up to the year 4707); seconds that small would all lie within 11.6 days of 1970-01-01.
_LARGEST_DAYS = 1_000_000


def is_time_dtype(dtype: Any) -> bool:
    """Whether a column of this dtype is written as numbers (datetime64, tz-aware or not, and
    timedelta64)."""
    return pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)


def datetime_units(frame: pd.DataFrame, schema: Optional[Mapping[str, Any]]) -> Dict[str, str]:
    """The unit each datetime64 or timedelta64 column of ``frame`` is written in, by name:
    "days" (whole days since 1970-01-01, as the column's clock shows them) or "seconds" (since
    1970-01-01 00:00 UTC). A timedelta64 column is always in seconds.

    Without a schema (it is then inferred from these rows), the rows decide: days when every value
    is midnight, else seconds. With one, the schema decides and never the rows, so that changing
    one row changes no other row's number (what differential privacy counts on): its range for the
    column (or, for a categorical column, its categories, as tablm lists numbers with few values)
    is days when it is at most 1,000,000 in size, else seconds. A column the schema calls
    categorical with a category that is no number ("2024-01-05") is refused, naming it.
    """
    columns = ({str(column.get("name")): column for column in schema.get("columns", [])}
               if schema else None)
    units: Dict[str, str] = {}
    for label in frame.columns:
        series = frame[label]
        if not is_time_dtype(series.dtype):
            continue
        name = str(label)
        column = columns.get(name) if columns is not None else None
        duration = pd.api.types.is_timedelta64_dtype(series.dtype)
        numbers = None
        if column is not None and column.get("kind") == "categorical":
            numbers = _numbers(column.get("categories"))
            if numbers is None:
                raise ValueError(_categorical_time(name, duration))
        elif column is not None:
            numbers = _numbers([column.get("min"), column.get("max")])
        if duration:
            units[name] = "seconds"
        elif columns is None:
            units[name] = "days" if _all_midnight(series) else "seconds"
        else:
            # no range (tablm refuses such a column anyway): seconds
            units[name] = "days" if numbers and max(map(abs, numbers)) <= _LARGEST_DAYS else "seconds"
    return units


def _categorical_time(name: str, duration: bool) -> str:
    if duration:
        return (f"column {name!r} holds durations (timedelta64), but the schema calls it "
                "categorical with categories that are not numbers: the package writes durations "
                "as seconds. Declare it integer or real (in seconds) in the schema, or convert "
                "the column to text yourself to keep it categorical")
    return (f"column {name!r} holds dates (datetime64), but the schema calls it categorical with "
            "categories that are not numbers: the package writes dates as numbers (days since "
            "1970-01-01 when the schema's range is at most 1,000,000 in size, else seconds). "
            "Declare it integer in the schema, or convert the column to text yourself "
            f"(df[{name!r}].dt.strftime('%Y-%m-%d')) to keep it categorical")


def _all_midnight(series: pd.Series) -> bool:
    """Whether every value present is midnight on the column's own clock (its time zone)."""
    wall = series.dt.tz_localize(None) if getattr(series.dtype, "tz", None) is not None else series
    present = wall.dropna()
    return len(present) > 0 and bool((present == present.dt.normalize()).all())


def _numbers(values: Any) -> Optional[list]:
    """A schema's bounds or categories as finite numbers; None where one is not a number."""
    try:
        numbers = [float(value) for value in values]
    except (TypeError, ValueError):
        return None
    return numbers if all(map(math.isfinite, numbers)) else None


def time_numbers(series: pd.Series, unit: str) -> pd.Series:
    """A datetime64 or timedelta64 column as numbers in ``unit`` ("days" or "seconds"): Int64
    when every value is whole, else floats of at most 9 decimals; NaT becomes missing.

    A tz-aware column counts days on its own clock (a date stays that date) and seconds from the
    instant (UTC, so that no clock change makes two values one)."""
    if pd.api.types.is_timedelta64_dtype(series.dtype):
        offsets = series
    else:
        if getattr(series.dtype, "tz", None) is not None:
            series = (series.dt.tz_localize(None) if unit == "days"
                      else series.dt.tz_convert("UTC").dt.tz_localize(None))
        offsets = series - _EPOCH
    numbers = offsets.dt.total_seconds()
    if unit == "days":
        numbers = numbers / _DAY
    present = numbers.dropna()
    if len(present) and (present % 1 == 0).all() and present.abs().max() < 2.0 ** 53:
        return numbers.astype("Int64")
    return numbers.round(9)


def time_from_numbers(column: pd.Series, dtype: Any, unit: str) -> pd.Series:
    """The inverse of ``time_numbers``: sampled numbers (or their text, when the schema listed
    them as categories) as a column of ``dtype``, the time zone included; missing values NaT.
    Raises ValueError or OverflowError where a value is no number or out of pandas' range."""
    seconds = pd.to_numeric(column).astype("float64")
    if unit == "days":
        seconds = seconds * _DAY
    offsets = pd.to_timedelta(seconds, unit="s")
    if pd.api.types.is_timedelta64_dtype(dtype):
        values = offsets
    else:
        values = _EPOCH + offsets
        tz = getattr(dtype, "tz", None)
        if tz is not None and unit == "days":
            # The clock's time: an hour a clock change skips moves forward, one it repeats is
            # read as standard time.
            values = values.dt.tz_localize(tz, ambiguous=np.zeros(len(values), dtype=bool),
                                           nonexistent="shift_forward")
        elif tz is not None:
            values = values.dt.tz_localize("UTC").dt.tz_convert(tz)
    try:
        return values.astype(dtype)  # the fitted frame's resolution (pandas 2: s, ms, us, ns)
    except (TypeError, ValueError, OverflowError):
        return values


def for_csv(frame: pd.DataFrame, schema: Optional[Mapping[str, Any]],
            units: Optional[Mapping[str, str]] = None) -> pd.DataFrame:
    """The frame as tablm should read it: integer columns without a trailing '.0', dates as numbers.

    pandas stores an integer column with missing values as floats (23.0); tablm's integer
    columns want 23. Columns the schema calls integer (or, without a schema, float columns with
    missing values whose values are all whole) are written as pandas' nullable Int64.
    datetime64 and timedelta64 columns are written as numbers in the unit ``units`` names
    (default: ``datetime_units(frame, schema)``), NaT as an empty field. The frame itself is
    never modified.
    """
    if isinstance(frame.columns, pd.MultiIndex):
        raise ValueError("the DataFrame's columns are a MultiIndex; tablm needs one name per "
                         "column: flatten them (df.columns = ['_'.join(map(str, c)) for c in "
                         "df.columns])")
    names = [str(name) for name in frame.columns]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"the DataFrame names the column {twice[0]!r} more than once; "
                         "tablm needs each column once")
    kinds = _kinds(schema)
    if units is None:
        units = datetime_units(frame, schema)
    changed: Dict[str, pd.Series] = {}
    for name in frame.columns:
        series = frame[name]
        if is_time_dtype(series.dtype):
            changed[name] = time_numbers(series, units.get(str(name), "seconds"))
            continue
        if not pd.api.types.is_float_dtype(series.dtype):
            continue
        kind = kinds.get(str(name))
        if kind == "categorical":
            continue
        present = series.dropna()
        whole = len(present) and (present % 1 == 0).all() and present.abs().max() < 2.0 ** 53
        if whole and (kind == "integer" or (not kind and series.isna().any())):
            changed[name] = series.astype("Int64")
        elif kind != "integer":
            # tablm keeps at most 9 decimals: 0.1 + 0.2 written as 0.30000000000000004 made the
            # column a list of categories. Rounding moves a value by at most 5e-10.
            rounded = series.round(9)
            if not rounded.equals(series):
                changed[name] = rounded
    if not changed:
        return frame
    frame = frame.copy(deep=False)
    for name, series in changed.items():
        frame[name] = series
    return frame


def csv_writer(frame: pd.DataFrame, schema: Optional[Mapping[str, Any]],
               units: Optional[Mapping[str, str]] = None):
    """A function that writes ``frame`` as CSV (header row first, missing values empty); dates
    in ``units`` (see ``for_csv``)."""
    prepared = for_csv(frame, schema, units)

    def write(handle) -> None:
        try:
            prepared.to_csv(handle, index=False, na_rep="", lineterminator="\n")
        except UnicodeEncodeError:
            raise ValueError(_not_text(prepared)) from None

    return write


def _not_text(frame: pd.DataFrame) -> str:
    """Where the frame holds a string UTF-8 cannot spell (a lone surrogate, from
    ``read_csv(encoding_errors="surrogateescape")`` or bytes decoded by hand)."""
    for name in frame.columns:
        if frame[name].dtype.kind not in "OSU" and not pd.api.types.is_string_dtype(frame[name].dtype):
            continue
        for position, value in enumerate(frame[name]):
            if isinstance(value, str):
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    return (f"column {str(name)!r}, row {position} holds {value!r}, which is not text "
                            "UTF-8 can write (tablm reads UTF-8): decode the source with its own "
                            "encoding, or fix the value")
    return "a value of the DataFrame is not text UTF-8 can write (tablm reads UTF-8)"


def read_rows(path: str, schema: Optional[Mapping[str, Any]]) -> pd.DataFrame:
    """Read a CSV tablm wrote, with dtypes from the schema's kinds.

    categorical -> strings (object; missing values NaN), integer -> int64 (Int64 when a value is
    missing), real -> float64. Only empty fields are missing: a category spelled "NA" stays a
    string.
    """
    kinds = _kinds(schema)
    header = pd.read_csv(path, nrows=0).columns
    dtypes: Dict[str, Any] = {}
    for name in header:
        kind = kinds.get(name)
        if kind == "categorical":
            dtypes[name] = object  # pandas 3 would make str a StringDtype
        elif kind == "integer":
            dtypes[name] = "Int64"
        elif kind == "real":
            dtypes[name] = "float64"
    frame = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    for name in header:
        if kinds.get(name) == "integer" and not frame[name].isna().any():
            frame[name] = frame[name].astype("int64")
        elif name not in kinds and frame[name].dtype == object:
            # no schema for it: numbers if every value is one, else strings
            try:
                frame[name] = pd.to_numeric(frame[name])
            except (ValueError, TypeError):
                pass
    return frame


class Fitted(NamedTuple):
    """What sampled rows are given back of one column of the DataFrame fit on."""
    label: Any  # the column's label (0 for an integer label; tablm knows it as "0")
    dtype: Any  # its dtype (None: keep the schema's)
    unit: Optional[str] = None  # datetime64/timedelta64: "days" or "seconds", as it was written


def frame_dtypes(frame: pd.DataFrame, units: Optional[Mapping[str, str]] = None) -> Dict[str, Fitted]:
    """What ``restore_dtypes`` needs of a DataFrame fit on: each column's label, dtype and (dates
    and durations) the unit it was written in, by the name tablm knows it by. ``units``: as
    ``csv_writer`` was given them (default: ``datetime_units(frame, None)``)."""
    if units is None:
        units = datetime_units(frame, None)
    return {str(name): Fitted(name, frame[name].dtype, units.get(str(name)))
            for name in frame.columns}


# How a bool is spelt in a sampled column: the CSV's "True"/"False", tablm's lower case, or a bool.
_BOOL_SPELLINGS = {"True": True, "False": False, "true": True, "false": False, True: True, False: False}


def typed(values: pd.Series, dtype: Any) -> pd.Series:
    """Sampled text or numbers as ``dtype`` where they all convert (numbers, bool), else as they
    are: how a Categorical's categories are given back their own type."""
    if pd.api.types.is_bool_dtype(dtype):
        if values.map(lambda v: v in _BOOL_SPELLINGS).all():
            return values.map(_BOOL_SPELLINGS).astype(bool)
    elif pd.api.types.is_numeric_dtype(dtype):
        try:
            return pd.to_numeric(values).astype(dtype)
        except (ValueError, TypeError, OverflowError):
            pass
    return values


def restore_dtypes(rows: pd.DataFrame, dtypes: Mapping[str, Fitted]) -> pd.DataFrame:
    """Give sampled rows the labels and dtypes of the DataFrame the model was fit on, where the
    values allow it: a bool column comes back as bool ("True"/"False" in the CSV), an integer or
    float column the schema made categorical as numbers, a pandas Categorical as one (with no
    categories listed: the values present), an integer label (0, 1) as that label, a datetime64
    or timedelta64 column (written as numbers) as one, time zone included. Anything else keeps
    the schema's dtype."""
    for name in rows.columns:
        if name not in dtypes:
            continue
        dtype, unit = dtypes[name].dtype, dtypes[name].unit
        column = rows[name]
        present = column.dropna()
        try:
            if dtype is None:
                continue
            if isinstance(dtype, pd.CategoricalDtype):
                if len(dtype.categories) == 0:
                    found = typed(present, dtype.categories.dtype).unique()
                    try:
                        found = sorted(found)
                    except TypeError:
                        pass  # mixed types: first seen first
                    dtype = pd.CategoricalDtype(found, ordered=dtype.ordered)
                by_text = {str(category): category for category in dtype.categories}
                if present.map(lambda v: str(v) in by_text).all():
                    rows[name] = pd.Categorical(column.map(lambda v: by_text.get(str(v), None) if pd.notna(v) else None),
                                                dtype=dtype)
            elif is_time_dtype(dtype):
                if unit in ("days", "seconds"):
                    rows[name] = time_from_numbers(column, dtype, unit)
            elif pd.api.types.is_bool_dtype(dtype):
                if present.map(lambda v: v in _BOOL_SPELLINGS).all():
                    mapped = column.map(lambda v: _BOOL_SPELLINGS.get(v, pd.NA))
                    rows[name] = mapped.astype(bool if len(present) == len(column) else "boolean")
            elif pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_numeric_dtype(column.dtype):
                numbers = pd.to_numeric(column)
                if pd.api.types.is_integer_dtype(dtype):
                    rows[name] = numbers.astype(dtype if len(present) == len(column) and not isinstance(dtype, pd.api.extensions.ExtensionDtype) else "Int64")
                else:
                    rows[name] = numbers.astype(dtype)
        except (ValueError, TypeError, OverflowError):
            continue  # a value the dtype cannot hold: the schema's dtype stays
    return rows.rename(columns={name: dtypes[name].label for name in rows.columns if name in dtypes})
