"""Checking Python arguments and turning them into tablm's options."""

from __future__ import annotations

import math
import numbers
import os
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Union

import pandas as pd


def number_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    return str(value)


def check_positive_number(name: str, value: Any, *, allow_none: bool = True) -> Optional[float]:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, not {value!r}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number above 0, not {value!r}")
    return value


def check_delta(value: Any) -> float:
    delta = check_positive_number("delta", value, allow_none=False)
    if delta >= 1:
        raise ValueError(f"delta must be between 0 and 1 (well below 1 / rows), not {value!r}")
    return delta


def check_count(name: str, value: Any, *, allow_none: bool = True, minimum: int = 1,
                maximum: Optional[int] = None) -> Optional[int]:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, not {value}")
    return value


def check_seed(value: Any) -> Optional[int]:
    return check_count("seed", value, minimum=0)


def column_list(name: str, value: Any) -> List[str]:
    """None, one column name, or a list of them."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{name} must be a column name or a list of column names, not {value!r}")
    return list(value)


def check_data(name: str, value: Any, *, required: bool = True) -> None:
    if value is None and not required:
        return
    if isinstance(value, pd.DataFrame):
        if value.shape[1] == 0:
            raise ValueError(f"{name} has no columns")
        return
    if isinstance(value, (str, os.PathLike)):
        if not os.fspath(value):
            raise ValueError(f"{name} is an empty path")
        return
    raise ValueError(f"{name} must be a pandas DataFrame or the path of a CSV file, "
                     f"not {type(value).__name__}")


def check_folder_name(name: str, value: Any) -> str:
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
        raise ValueError(f"{name} must name a folder (a path), not {value!r}")
    return os.fspath(value)


def options_args(options: Mapping[str, Any], reserved: Iterable[str], command: str) -> List[str]:
    """Keyword options as tablm options: layers=2 -> --layers 2, accept_noise=True ->
    --accept-noise, False/None -> left out, a list -> the option repeated."""
    reserved = set(reserved)
    args: List[str] = []
    for key, value in options.items():
        if not key.isidentifier():
            raise ValueError(f"{key!r} is not an option name")
        if key in reserved:
            raise ValueError(f"{key}= is set by this API's own argument, not as an extra "
                             f"{command} option")
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            for item in value:
                args.append(f"{flag}={number_text(item)}")
        elif isinstance(value, (str, numbers.Real, os.PathLike)):
            # One word, --flag=value: as two, a negative number read as an option of its own.
            args.append(f"{flag}={os.fspath(value) if isinstance(value, os.PathLike) else number_text(value)}")
        else:
            raise ValueError(f"{key}={value!r}: an option's value must be a string, a number, "
                             f"a bool or a list")
    return args


Conditions = Union[None, str, Mapping[str, Any], Sequence[str]]


def condition_args(conditions: Conditions, schema: Optional[Mapping[str, Any]] = None) -> List[str]:
    """Conditions as tablm's --condition values.

    A dict maps a column to: a value ("Female", 3) -> col=value; a string starting with a
    comparison (">=40", "<25", "=35..45") -> col>=40; "35..45" -> a range; a list or set of
    values -> col=a|b. A categorical column of ``schema`` takes its string as a category even when
    it starts with one ("<=50K" -> income=<=50K). Strings ("sex=Female") and lists of them are
    passed as they are.
    """
    categorical = {column.get("name") for column in (schema or {}).get("columns", [])
                   if column.get("kind") == "categorical"}
    if conditions is None:
        return []
    if isinstance(conditions, str):
        conditions = [conditions]
    out: List[str] = []
    if isinstance(conditions, Mapping):
        for column, value in conditions.items():
            if not isinstance(column, str) or not column:
                raise ValueError(f"a condition's column must be a name, not {column!r}")
            if any(c in column for c in "=<>") or column != column.strip():
                raise ValueError(f"a condition cannot name the column {column!r}: tablm's "
                                 "conditions end a column's name at =, < or > and trim its spaces")

            def spelt(item: Any) -> str:
                # A categorical column's values are spelt as the DataFrame's CSV spelt them (True).
                if isinstance(item, float) and math.isnan(item) or item is None:
                    raise ValueError(f"the condition on {column!r} asks for a missing value; "
                                     "conditions take values, comparisons and ranges")
                return str(item) if column in categorical and isinstance(item, bool) else number_text(item)

            if isinstance(value, str):
                if not value.strip():
                    raise ValueError(f"the condition on {column!r} is empty")
                if column in categorical:
                    # Its string is a category as written: spaces kept, never a comparison.
                    out.append(f"{column}={value}")
                    continue
                text = value.strip()
                out.append(column + text if text[0] in "<>=" else f"{column}={text}")
            elif isinstance(value, (bool, numbers.Real)):
                out.append(f"{column}={spelt(value)}")
            elif isinstance(value, (list, tuple, set, frozenset)) and value:
                items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
                texts = [spelt(v) for v in items]
                for text in texts:
                    if "|" in text:
                        raise ValueError(f"the condition on {column!r} lists {text!r}: in a list "
                                         "of values, | separates them; ask for it alone")
                out.append(f"{column}=" + "|".join(texts))
            else:
                raise ValueError(f"the condition on {column!r} must be a value, a comparison "
                                 f"such as '>=40', a range '35..45' or a list of values, "
                                 f"not {value!r}")
        return out
    if isinstance(conditions, (list, tuple)) and all(isinstance(c, str) and c for c in conditions):
        return list(conditions)
    raise ValueError("conditions must be a dict {column: condition}, a string 'col=value' or a "
                     f"list of such strings, not {conditions!r}")
