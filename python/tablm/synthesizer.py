"""The Synthesizer: fit a tablm model on a DataFrame, sample synthetic rows from it."""

from __future__ import annotations

import json
import math
import os
from typing import Any, Dict, Optional, Sequence, Union

import pandas as pd

from . import _args, _dtype_file
from ._binary import find_binary
from ._frames import (Fitted, Schema, csv_writer, datetime_units, frame_dtypes, is_path,
                      load_schema, read_rows, restore_dtypes, schema_argument)
from ._run import PrivateFolder, ProgressOption, run_tablm
from .schema import infer_schema

__all__ = ["Synthesizer"]

PathLike = Union[str, "os.PathLike[str]"]

# Options the Synthesizer sets itself; passing them as extra options is a mistake.
_FINETUNE_RESERVED = {"data", "schema", "output", "o", "dp", "epsilon", "delta", "steps", "seed",
                      "sensitive", "checkpoint", "target"}
_GENERATE_RESERVED = {"checkpoint", "rows", "num_rows", "output", "o", "seed", "condition",
                      "conditions", "mask_fairness"}
# Options that do something else than train or sample: refused with what to do instead.
_NOT_HERE = {
    "plan": "plan=True prints a plan instead of training: run `tablm finetune --dp --plan ...` "
            "from a shell (docs/budget-plan.md)",
    "help": "help is the command line's: run `tablm finetune --help`",
    "help_hidden": "help is the command line's: run `tablm finetune --help-hidden`",
    "version": "tablm.binary_version() says the binary's version",
}
_MAX_ROWS = 10_000_000
# finetune takes --sensitive only with one of these (else the schema's first sensitive column).
_USES_SENSITIVE = ("fairness_lambda", "representation_lambda", "balance_groups")


def _make_parent(path: str) -> None:
    """Create the folders above a path the user named (tablm wants them to exist)."""
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)


class Synthesizer:
    """A tablm model of one table: ``fit`` it on a DataFrame, then ``sample`` rows.

    Parameters
    ----------
    epsilon, delta:
        With ``epsilon``, training is differentially private (DP-SGD after a marginal prior,
        ``tablm finetune --dp``): every row of the fitted table is protected with
        (epsilon, delta)-DP. Needs a public ``schema``. Without it, training is not private.
    schema:
        The table's schema: a JSON file's path, a dict, or None to infer one from the rows at
        fit time (only without ``epsilon``: a schema read off private rows reveals them).
    sensitive, target:
        The sensitive column(s) and the target, used when the schema is inferred; with
        ``fairness_lambda``, ``representation_lambda`` or ``balance_groups`` the first
        sensitive column is the group they act on (default: the schema's first).
    steps, seed:
        Optimizer steps (default: tablm's) and the seed of training and, by default, sampling.
    checkpoint:
        The folder ``fit`` writes the model to (or give it to ``fit``). After a fit on a
        DataFrame, its dtypes are kept beside it (``<checkpoint>.dtypes.json``) for ``load``,
        except after a private fit (a frame's dtypes are read off its rows). Nothing else is written.
    binary:
        The tablm binary (default: ``TABLM_BINARY``, ``tablm`` on PATH, or the repository's build).
    progress:
        True: tablm's progress as it comes (a tqdm bar if tqdm is installed, else plain lines on
        stderr); "plain"; False: silent; or a function called with every line.
    **finetune_options:
        Any other ``tablm finetune`` option: ``layers=2``, ``accountant="rdp"``,
        ``fairness_lambda=0.5``, ``accept_noise=True`` (a flag) ...
    """

    def __init__(self, epsilon: Optional[float] = None, delta: float = 1e-5,
                 schema: Optional[Schema] = None, *,
                 sensitive: Union[None, str, Sequence[str]] = None,
                 target: Optional[str] = None,
                 steps: Optional[int] = None,
                 seed: int = 0,
                 checkpoint: Optional[PathLike] = None,
                 binary: Optional[PathLike] = None,
                 progress: ProgressOption = True,
                 **finetune_options: Any):
        self.epsilon = _args.check_positive_number("epsilon", epsilon)
        self.delta = _args.check_delta(delta)
        if self.epsilon is not None and schema is None:
            raise ValueError(
                "a private fit (epsilon=...) needs a public schema (\"source\": \"public\"), "
                "written from public knowledge such as a codebook; a schema inferred from the "
                "private rows would reveal them. Pass schema='path/to/public-schema.json' or a "
                "dict (tablm.infer_schema(public_df, public_source=True) for a public table)")
        self._schema_source = schema
        self.schema: Optional[Dict[str, Any]] = load_schema(schema)
        self.sensitive = _args.column_list("sensitive", sensitive)
        if target is not None and (not isinstance(target, str) or not target):
            raise ValueError(f"target must be a column name, not {target!r}")
        self.target = target
        self.steps = _args.check_count("steps", steps)
        self.seed = _args.check_seed(seed)
        if self.seed is None:
            raise ValueError("seed must be a whole number (0 or more)")
        self.checkpoint: Optional[str] = (
            _args.check_folder_name("checkpoint", checkpoint) if checkpoint is not None else None)
        self.binary = os.fspath(binary) if binary is not None else None
        self.progress = progress
        # The labels and dtypes of the DataFrame fit on, which sampled rows are given back.
        self._dtypes: Dict[str, Any] = {}
        for key in finetune_options:
            if key in _NOT_HERE:
                raise ValueError(_NOT_HERE[key])
        self._finetune_args = _args.options_args(finetune_options, _FINETUNE_RESERVED, "finetune")
        self.finetune_options = dict(finetune_options)

    # ----------------------------------------------------------------------------------------

    def __repr__(self) -> str:
        privacy = (f"epsilon={self.epsilon:g}, delta={self.delta:g}" if self.private
                   else "not private")
        return f"Synthesizer({privacy}, checkpoint={self.checkpoint!r})"

    @property
    def private(self) -> bool:
        """Whether fitting is (or the loaded checkpoint was) differentially private."""
        return self.epsilon is not None

    def _executable(self) -> str:
        return find_binary(self.binary)

    def _checkpoint_or_fail(self) -> str:
        if self.checkpoint is None or not os.path.isfile(
                os.path.join(self.checkpoint, "training.json")):
            where = f" ({self.checkpoint!r} holds no checkpoint)" if self.checkpoint else ""
            raise RuntimeError(f"no model yet{where}: call fit(df, checkpoint=...) or "
                               "Synthesizer.load(checkpoint) first")
        return self.checkpoint

    @property
    def training_record(self) -> Dict[str, Any]:
        """The checkpoint's training.json (steps, seed, and under DP the privacy record)."""
        with open(os.path.join(self._checkpoint_or_fail(), "training.json"),
                  encoding="utf-8") as handle:
            return json.load(handle)

    # ----------------------------------------------------------------------------------------

    def fit(self, data: Union[pd.DataFrame, PathLike],
            checkpoint: Optional[PathLike] = None) -> "Synthesizer":
        """Train on ``data`` (a DataFrame, or a CSV file's path) and write the model to the
        ``checkpoint`` folder (required here or in the constructor). Returns self.

        A DataFrame is streamed to tablm through a FIFO in a private temporary folder: the rows
        are never written to disk. The folder is removed afterwards, also on errors and on
        KeyboardInterrupt (which stops tablm too).
        """
        _args.check_data("data", data)
        if isinstance(data, pd.DataFrame) and len(data) == 0:
            raise ValueError("data has no rows")
        if checkpoint is None:
            checkpoint = self.checkpoint
        if checkpoint is None:
            raise ValueError("name the folder the model is written to: "
                             "fit(df, checkpoint='out/my-model') or Synthesizer(checkpoint=...)")
        checkpoint = _args.check_folder_name("checkpoint", checkpoint)
        units: Dict[str, str] = {}
        if isinstance(data, pd.DataFrame):
            # The unit dates are written in: read off the rows only when the schema is too (no
            # schema given); a date column the given schema calls categorical is refused here.
            units = datetime_units(data, load_schema(self._schema_source))
        executable = self._executable()
        _make_parent(checkpoint)

        schema_source = self._schema_source
        if schema_source is None:
            # Only without epsilon (refused in the constructor): a schema read off the rows.
            schema_source = infer_schema(data, target=self.target, sensitive=self.sensitive,
                                         binary=executable, progress=False)
        schema_dict = load_schema(schema_source)

        with PrivateFolder() as folder:
            if isinstance(data, pd.DataFrame):
                data_arg = folder.feed("data.csv", "data DataFrame",
                                       csv_writer(data, schema_dict, units)).path
            else:
                data_arg = os.fspath(data)
            args = ["finetune", "--data", data_arg,
                    "--schema", schema_argument(schema_source, folder),
                    "-o", checkpoint, "--seed", str(self.seed)]
            if self.private:
                args += ["--dp", "--epsilon", _args.number_text(self.epsilon),
                         "--delta", _args.number_text(self.delta)]
            if self.steps is not None:
                args += ["--steps", str(self.steps)]
            if self.sensitive and any(self.finetune_options.get(k) for k in _USES_SENSITIVE):
                args += ["--sensitive", self.sensitive[0]]
            run_tablm(executable, args + self._finetune_args, progress=self.progress,
                      folder=folder, outputs=[os.path.join(checkpoint, "schema.json")])

        self.checkpoint = checkpoint
        # tablm copies the schema into the checkpoint; that copy is what sampling follows.
        self.schema = load_schema(os.path.join(checkpoint, "schema.json"))
        inputs = [os.fspath(source) for source in (data, schema_source) if is_path(source)]
        if isinstance(data, pd.DataFrame):
            self._dtypes = frame_dtypes(data, units)
            if self.private:
                # A frame's dtypes are read off its rows (a missing value makes an integer column
                # float, a Categorical's categories are the values seen): under DP sampled rows get
                # the schema's. Labels and dates (whose unit the public schema set) are kept.
                self._dtypes = {name: Fitted(fitted.label, fitted.dtype if fitted.unit else None, fitted.unit)
                                for name, fitted in self._dtypes.items()}
            _dtype_file.write(checkpoint, self._dtypes, self.private, inputs)
        else:
            self._dtypes = {}
            _dtype_file.remove(checkpoint, inputs)
        return self

    def sample(self, num_rows: Optional[int] = None, *,
               conditions: _args.Conditions = None,
               mask_fairness: bool = False,
               seed: Optional[int] = None,
               output: Optional[PathLike] = None,
               **generate_options: Any) -> pd.DataFrame:
        """Sample synthetic rows as a DataFrame (``tablm generate``).

        ``num_rows``: how many (default: as many as the table had; under DP its noisy count).
        ``conditions``: {"sex": "Female", "age": ">=40", "race": ["White", "Black"],
        "hours_per_week": "35..45"}: every row satisfies them. ``mask_fairness=True`` makes the
        target independent of the sensitive column. ``seed`` (default: the Synthesizer's).
        ``output``: also keep the CSV at this path (else it goes through a private temporary
        file, removed once read). Other keyword options go to generate (``temperature=0.8``,
        ``fairness_strength=0.5``, ``sensitive="sex&race"`` ...).

        Dtypes follow the schema: categorical columns are strings (object), integer columns
        int64 (Int64 when a value is missing), real columns float64; missing values are NaN/NA.
        After ``fit`` on a DataFrame, its column labels and dtypes come back where the values
        allow: bool, a Categorical, numbers the schema listed as categories, datetime64 (time
        zone included) and timedelta64; also after ``load``, from the file ``fit`` kept beside
        the checkpoint. After a private fit, the schema's dtypes (dates and labels excepted):
        a frame's dtypes are read off its rows.
        """
        checkpoint = self._checkpoint_or_fail()
        rows = _args.check_count("num_rows", num_rows, maximum=_MAX_ROWS)
        if not isinstance(mask_fairness, bool):
            raise ValueError(f"mask_fairness must be True or False, not {mask_fairness!r}")
        seed = self.seed if seed is None else _args.check_seed(seed)
        extra = _args.options_args(generate_options, _GENERATE_RESERVED, "generate")
        if output is not None:
            output = _args.check_folder_name("output", output)
        executable = self._executable()
        schema = self.schema or load_schema(os.path.join(checkpoint, "schema.json"))
        condition_list = _args.condition_args(conditions, schema)
        if output is not None:
            _make_parent(output)
        with PrivateFolder() as folder:
            out = output if output is not None else folder.file("rows.csv")
            args = ["generate", "--checkpoint", checkpoint, "-o", out, "--seed", str(seed)]
            if rows is not None:
                args += ["--rows", str(rows)]
            for condition in condition_list:
                args += ["--condition", condition]
            if mask_fairness:
                args.append("--mask-fairness")
            run_tablm(executable, args + extra, progress=self.progress, folder=folder,
                      outputs=[out])
            return restore_dtypes(read_rows(out, schema), self._dtypes)

    def fit_sample(self, data: Union[pd.DataFrame, PathLike],
                   checkpoint: Optional[PathLike] = None, num_rows: Optional[int] = None,
                   **sample_options: Any) -> pd.DataFrame:
        """``fit`` then ``sample`` (smartnoise-synth's shape)."""
        return self.fit(data, checkpoint).sample(num_rows, **sample_options)

    def epsilon_spent(self) -> float:
        """The ε the checkpoint's training spent, recomputed by tablm from every mechanism its
        record lists (``tablm privacy epsilon checkpoint``), at the record's δ. A non-private
        checkpoint has no guarantee: ``math.inf``."""
        checkpoint = self._checkpoint_or_fail()
        if "privacy" not in self.training_record:
            return math.inf
        result = run_tablm(self._executable(),
                           ["privacy", "epsilon", "checkpoint", "--checkpoint", checkpoint],
                           progress=False)
        for line in result.stdout.splitlines():
            try:
                return float(line.strip())
            except ValueError:
                continue
        raise RuntimeError(f"tablm privacy epsilon printed no number: {result.stdout!r}")

    @classmethod
    def load(cls, checkpoint: PathLike, *, binary: Optional[PathLike] = None,
             progress: ProgressOption = True, seed: Optional[int] = None) -> "Synthesizer":
        """A Synthesizer for an existing checkpoint folder, ready to ``sample``.

        Its epsilon and delta are the checkpoint's recorded target (None when not private); its
        schema is the checkpoint's. Sampled rows get the dtypes of the DataFrame the checkpoint
        was fit on where ``fit`` kept them beside it (``<checkpoint>.dtypes.json``); without that
        file (a checkpoint from the command line, a private fit, an older package), the schema's. A file
        that is unreadable or was written for an earlier model in that folder is ignored with a
        ``tablm.TablmWarning`` naming it.
        """
        folder = _args.check_folder_name("checkpoint", checkpoint)
        record_path = os.path.join(folder, "training.json")
        if not os.path.isfile(record_path):
            raise FileNotFoundError(f"{folder!r} is not a tablm checkpoint (no training.json)")
        with open(record_path, encoding="utf-8") as handle:
            record = json.load(handle)
        privacy = record.get("privacy") or {}
        epsilon = privacy.get("target_epsilon") or privacy.get("epsilon")
        schema = load_schema(os.path.join(folder, "schema.json"))
        synth = cls(epsilon=epsilon if privacy else None,
                    delta=privacy.get("delta", 1e-5) if privacy else 1e-5,
                    schema=schema,
                    sensitive=list(schema.get("sensitive") or []) or None,
                    target=schema.get("target"),
                    seed=record.get("seed", 0) if seed is None else seed,
                    checkpoint=folder, binary=binary, progress=progress)
        synth._dtypes = _dtype_file.read(folder, schema)
        return synth
