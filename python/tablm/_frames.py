"""DataFrames to and from tablm's CSV, and schemas as files or dicts."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Mapping, Optional, Union

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


def for_csv(frame: pd.DataFrame, schema: Optional[Mapping[str, Any]]) -> pd.DataFrame:
    """The frame as tablm should read it: integer columns without a trailing '.0'.

    pandas stores an integer column with missing values as floats (23.0); tablm's integer
    columns want 23. Columns the schema calls integer (or, without a schema, float columns with
    missing values whose values are all whole) are written as pandas' nullable Int64.
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
    changed: Dict[str, pd.Series] = {}
    for name in frame.columns:
        series = frame[name]
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


def csv_writer(frame: pd.DataFrame, schema: Optional[Mapping[str, Any]]):
    """A function that writes ``frame`` as CSV (header row first, missing values empty)."""
    prepared = for_csv(frame, schema)

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


def frame_dtypes(frame: pd.DataFrame) -> Dict[str, Any]:
    """What ``restore_dtypes`` needs of a DataFrame fit on: each column's label and dtype, by the
    name tablm knows it by."""
    return {str(name): (name, frame[name].dtype) for name in frame.columns}


def restore_dtypes(rows: pd.DataFrame, dtypes: Mapping[str, Any]) -> pd.DataFrame:
    """Give sampled rows the labels and dtypes of the DataFrame the model was fit on, where the
    values allow it: a bool column comes back as bool ("True"/"False" in the CSV), an integer or
    float column the schema made categorical as numbers, a pandas Categorical as one, an integer
    label (0, 1) as that label. Anything else keeps the schema's dtype."""
    for name in rows.columns:
        if name not in dtypes:
            continue
        _, dtype = dtypes[name]
        column = rows[name]
        present = column.dropna()
        try:
            if pd.api.types.is_bool_dtype(dtype):
                spelt = {"True": True, "False": False, "true": True, "false": False, True: True, False: False}
                if present.map(lambda v: v in spelt).all():
                    mapped = column.map(lambda v: spelt.get(v, pd.NA))
                    rows[name] = mapped.astype(bool if len(present) == len(column) else "boolean")
            elif isinstance(dtype, pd.CategoricalDtype):
                by_text = {str(category): category for category in dtype.categories}
                if present.map(lambda v: str(v) in by_text).all():
                    rows[name] = pd.Categorical(column.map(lambda v: by_text.get(str(v), None) if pd.notna(v) else None),
                                                dtype=dtype)
            elif pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_numeric_dtype(column.dtype):
                numbers = pd.to_numeric(column)
                if pd.api.types.is_integer_dtype(dtype):
                    rows[name] = numbers.astype(dtype if len(present) == len(column) and not isinstance(dtype, pd.api.extensions.ExtensionDtype) else "Int64")
                else:
                    rows[name] = numbers.astype(dtype)
        except (ValueError, TypeError, OverflowError):
            continue  # a value the dtype cannot hold: the schema's dtype stays
    return rows.rename(columns={name: dtypes[name][0] for name in rows.columns if name in dtypes})
