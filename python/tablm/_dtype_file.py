"""The fitted DataFrame's dtypes, kept beside its checkpoint so that ``Synthesizer.load`` gives
sampled rows the same dtypes as the synthesizer that ran ``fit``.

The file lies beside the checkpoint folder, not in it (``out/ck`` -> ``out/ck.dtypes.json``):
tablm replaces a checkpoint folder only while it holds nothing but tablm's own files, and a file
of ours inside would make the next ``tablm finetune -o out/ck`` refuse.

It holds each column's name, its label when that is an integer, its dtype's kind (bool,
integer, float, datetime with its time zone and unit, timedelta, category, text) and a
Categorical's categories. A differentially private fit writes none: a frame's dtypes are read off
its rows (a column with a missing value is float, not int; object, not bool), and under DP nothing
read off the private rows may leave the process unaccounted; a loaded private synthesizer gives
the schema's dtypes. ``checkpoint`` is the SHA-256 of the checkpoint's training.json: a file
written for an earlier model in the same folder is recognised and ignored.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from typing import Any, Dict, Iterable, List, Mapping, Optional

import numpy as np
import pandas as pd

from ._frames import Fitted, typed
from ._run import TablmWarning

FORMAT = "tablm-python-dtypes"
VERSION = 1
_KINDS = ("bool", "integer", "float", "datetime", "timedelta", "category", "text")
_UNITS = ("days", "seconds")


def path_for(checkpoint: str) -> str:
    """Where the dtypes of ``checkpoint`` are kept: ``<checkpoint>.dtypes.json`` beside it."""
    return os.path.abspath(checkpoint) + ".dtypes.json"


def _fingerprint(checkpoint: str) -> str:
    with open(os.path.join(checkpoint, "training.json"), "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _kind(dtype: Any) -> str:
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "timedelta"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    return "text"


def _json_categories(categories: pd.Index) -> Optional[List[Any]]:
    """A Categorical's categories as JSON values (text, whole numbers, finite numbers, bools),
    or None where one is anything else (a Timestamp, an Interval)."""
    out: List[Any] = []
    for value in categories:
        if isinstance(value, (bool, np.bool_)):
            out.append(bool(value))
        elif isinstance(value, (int, np.integer)):
            out.append(int(value))
        elif isinstance(value, (float, np.floating)) and math.isfinite(value):
            out.append(float(value))
        elif isinstance(value, str):
            out.append(value)
        else:
            return None
    return out


def describe(dtypes: Mapping[str, Fitted]) -> List[Dict[str, Any]]:
    """The columns of a fitted frame as the file keeps them."""
    columns: List[Dict[str, Any]] = []
    for name, fitted in dtypes.items():
        entry: Dict[str, Any] = {"name": name}
        label = fitted.label
        if isinstance(label, (int, np.integer)) and not isinstance(label, (bool, np.bool_)):
            entry["label"] = int(label)
        kind = _kind(fitted.dtype)
        entry["kind"] = kind
        if kind in ("bool", "integer", "float", "datetime", "timedelta"):
            entry["dtype"] = str(fitted.dtype)  # "Int64", "datetime64[ns, Europe/Paris]"
        if kind in ("datetime", "timedelta"):
            entry["unit"] = fitted.unit
        if kind == "category":
            entry["ordered"] = bool(fitted.dtype.ordered)
            entry["categories_dtype"] = str(fitted.dtype.categories.dtype)
            categories = _json_categories(fitted.dtype.categories)
            if categories is not None:
                entry["categories"] = categories
        columns.append(entry)
    return columns


def _dtype(text: Any, kind: str) -> Any:
    """A dtype the file names, checked against its kind (None: one this pandas cannot build,
    such as a dateutil time zone: that column keeps the schema's dtype)."""
    if not isinstance(text, str):
        raise ValueError(f"a {kind} column's dtype is {text!r}, not a dtype's name")
    try:
        dtype = pd.api.types.pandas_dtype(text)
    except (TypeError, ValueError):
        return None
    if _kind(dtype) != kind:
        raise ValueError(f"dtype {text!r} is no {kind}")
    return dtype


def _categorical(entry: Mapping[str, Any], schema: Optional[Mapping[str, Any]]) -> Any:
    """A Categorical's dtype: its own categories where the file keeps them, else the schema's
    (in the categories' dtype), else none (``restore_dtypes`` takes the values sampled)."""
    ordered = entry.get("ordered", False)
    if not isinstance(ordered, bool):
        raise ValueError(f"'ordered' is {ordered!r}, not true or false")
    try:
        of = pd.api.types.pandas_dtype(entry.get("categories_dtype", "object"))
    except (TypeError, ValueError):
        of = np.dtype(object)
    categories = entry.get("categories")
    if categories is None:
        listed = [column.get("categories") for column in (schema or {}).get("columns", [])
                  if column.get("name") == entry["name"] and column.get("kind") == "categorical"]
        if listed and isinstance(listed[0], list):
            categories = list(typed(pd.Series(listed[0], dtype=object), of))
            ordered = False  # the schema's order is no order
        else:
            return pd.CategoricalDtype(pd.Index([], dtype=of), ordered=False)
    if not isinstance(categories, list) or len(set(map(repr, categories))) != len(categories):
        raise ValueError("'categories' is not a list of distinct values")
    return pd.CategoricalDtype(categories, ordered=ordered)


def from_description(columns: Any, schema: Optional[Mapping[str, Any]]) -> Dict[str, Fitted]:
    """The file's columns as ``restore_dtypes`` takes them; ValueError where the file is not one
    this package wrote."""
    if not isinstance(columns, list):
        raise ValueError("'columns' is not a list")
    dtypes: Dict[str, Fitted] = {}
    for entry in columns:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ValueError(f"a column is {entry!r}, not one with a name")
        name, kind = entry["name"], entry.get("kind")
        if kind not in _KINDS:
            raise ValueError(f"column {name!r} has the kind {kind!r} (expected one of {', '.join(_KINDS)})")
        label = entry.get("label", name)
        if isinstance(label, bool) or not isinstance(label, (int, str)) or str(label) != name:
            raise ValueError(f"column {name!r} has the label {label!r}")
        unit = None
        if kind in ("datetime", "timedelta"):
            unit = entry.get("unit")
            if unit not in _UNITS:
                raise ValueError(f"column {name!r} has the unit {unit!r} (expected days or seconds)")
        if kind == "category":
            dtype = _categorical(entry, schema)
        elif kind == "text":
            dtype = None
        else:
            dtype = _dtype(entry.get("dtype"), kind)
        dtypes[name] = Fitted(label, dtype, unit)
    return dtypes


def _ours(path: str) -> bool:
    """Whether the file at ``path`` is one this package wrote (so it may be replaced or removed)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def _is_input(path: str, inputs: Iterable[Optional[str]]) -> bool:
    return any(os.path.realpath(path) == os.path.realpath(source) for source in inputs if source)


def write(checkpoint: str, dtypes: Mapping[str, Fitted], private: bool,
          inputs: Iterable[Optional[str]] = ()) -> None:
    """Keep the dtypes of the frame ``checkpoint`` was fit on beside it: a temporary file in
    the same folder, then renamed over the old one. Never onto one of the run's ``inputs`` or a
    file the package did not write (a TablmWarning says so, and load then knows only the schema).
    ``private``: nothing is written (see the module's note), and an earlier fit's file removed."""
    if private:
        remove(checkpoint, inputs)
        return
    path = path_for(checkpoint)
    if _is_input(path, inputs) or (os.path.lexists(path) and not _ours(path)):
        warnings.warn(f"{path} exists and is not a file tablm's Python package wrote: left as it "
                      "is, so Synthesizer.load of this checkpoint gives the schema's dtypes",
                      TablmWarning, stacklevel=3)
        return
    content = {"format": FORMAT, "version": VERSION, "checkpoint": _fingerprint(checkpoint),
               "columns": describe(dtypes)}
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(content, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
        os.replace(temporary, path)
    except OSError as error:
        try:
            os.remove(temporary)
        except OSError:
            pass
        warnings.warn(f"cannot write {path} ({error}): Synthesizer.load of this checkpoint gives "
                      "the schema's dtypes", TablmWarning, stacklevel=3)


def remove(checkpoint: str, inputs: Iterable[Optional[str]] = ()) -> None:
    """Remove a file of ours beside ``checkpoint`` (a refit from a CSV file has no frame's dtypes:
    the earlier fit's would describe another model)."""
    path = path_for(checkpoint)
    if os.path.isfile(path) and not _is_input(path, inputs) and _ours(path):
        try:
            os.remove(path)
        except OSError:
            pass  # its fingerprint no longer matches: read() ignores it


def read(checkpoint: str, schema: Optional[Mapping[str, Any]]) -> Dict[str, Fitted]:
    """The dtypes kept beside ``checkpoint``; {} when there are none (a checkpoint written by
    tablm itself or an older package: sampled rows get the schema's dtypes). A file that is
    unreadable, not this package's, or written for an earlier model in that folder is ignored
    with a TablmWarning naming it."""
    path = path_for(checkpoint)
    if not os.path.lexists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            content = json.load(handle)
        if not isinstance(content, dict) or content.get("format") != FORMAT:
            raise ValueError("it is not a dtypes file of tablm's Python package")
        if content.get("version") != VERSION:
            raise ValueError(f"its version {content.get('version')!r} is not {VERSION} "
                             "(written by another version of the package)")
        if content.get("checkpoint") != _fingerprint(checkpoint):
            raise ValueError("it was written for an earlier model in this checkpoint folder")
        return from_description(content.get("columns"), schema)
    except (OSError, ValueError, TypeError, KeyError) as error:
        warnings.warn(f"{path} ignored: {error}; sampled rows get the schema's dtypes",
                      TablmWarning, stacklevel=3)
        return {}
