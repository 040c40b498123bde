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
        if kind and kind != "integer":
            continue
        if not kind and not series.isna().any():
            continue
        present = series.dropna()
        if len(present) and (present % 1 == 0).all():
            changed[name] = series.astype("Int64")
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
        prepared.to_csv(handle, index=False, na_rep="", lineterminator="\n")

    return write


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
            dtypes[name] = str
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
