"""Schemas: inferring one from a DataFrame, reading one from a file."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Sequence, Union

import pandas as pd

from . import _args
from ._binary import find_binary
from ._frames import csv_writer, load_schema
from ._run import PrivateFolder, ProgressOption, run_tablm

__all__ = ["infer_schema", "read_schema"]

_RESERVED = {"data", "output", "o", "target", "sensitive", "public_source"}


def read_schema(path: Union[str, "os.PathLike[str]"]) -> Dict[str, Any]:
    """A schema JSON file as a dict."""
    return load_schema(path)


def infer_schema(data: Union[pd.DataFrame, str, "os.PathLike[str]"], *,
                 target: Optional[str] = None,
                 sensitive: Union[None, str, Sequence[str]] = None,
                 public_source: bool = False,
                 path: Union[None, str, "os.PathLike[str]"] = None,
                 binary: Optional[str] = None,
                 progress: ProgressOption = False,
                 **options: Any) -> Dict[str, Any]:
    """Infer a schema from a table with ``tablm schema infer`` and return it as a dict.

    The schema is read off the rows ("source": "data": it reveals their categories and ranges),
    so private training (``epsilon=``) refuses it; give ``public_source=True`` only when the
    table itself is public. ``dp_epsilon=`` (with ``numeric=["age=17..90", ...]``) estimates it
    under differential privacy instead. Other keyword options are passed to ``schema infer``
    (``max_categorical_numbers=20`` -> ``--max-categorical-numbers 20``).

    A DataFrame reaches tablm through a FIFO (never a file). The schema goes to ``path`` if you
    name one; else through a file in a private temporary folder, removed as soon as it is read.
    """
    _args.check_data("data", data)
    if target is not None and (not isinstance(target, str) or not target):
        raise ValueError(f"target must be a column name, not {target!r}")
    sensitive_columns = _args.column_list("sensitive", sensitive)
    extra = _args.options_args(options, _RESERVED, "schema infer")
    executable = find_binary(binary)
    with PrivateFolder() as folder:
        if isinstance(data, pd.DataFrame):
            data_arg = folder.feed("data.csv", "data DataFrame", csv_writer(data, None)).path
        else:
            data_arg = os.fspath(data)
        out = os.fspath(path) if path is not None else folder.file("schema.json")
        args = ["schema", "infer", data_arg, "-o", out]  # positional: also older binaries
        if target:
            args += ["--target", target]
        for column in sensitive_columns:
            args += ["--sensitive", column]
        if public_source:
            args.append("--public-source")
        run_tablm(executable, args + extra, progress=progress, folder=folder, outputs=[out])
        with open(out, encoding="utf-8") as handle:
            return json.load(handle)
