"""Evaluating synthetic rows against real ones (``tablm evaluate``)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Union

import pandas as pd

from . import _args
from ._binary import find_binary
from ._frames import Schema, csv_writer, load_schema, schema_argument
from ._run import PrivateFolder, ProgressOption, run_tablm

__all__ = ["evaluate", "Report", "Verdict"]

PathLike = Union[str, "os.PathLike[str]"]
Table = Union[pd.DataFrame, PathLike]


@dataclass
class Verdict:
    """Three answers with their figures: useful? private? fair?

    ``None`` where the report lacks the figures (no target, no checkpoint, no sensitive column).
    """

    useful: Optional[bool]
    private: bool
    fair: Optional[bool]
    classifier: Optional[str] = None
    tstr_auc: Optional[float] = None
    trtr_auc: Optional[float] = None
    epsilon: Optional[float] = None
    delta: Optional[float] = None
    membership_auc: Optional[float] = None
    exact_copy_rate: Optional[float] = None
    target: Optional[str] = None
    sensitive: Optional[str] = None
    parity_gap_real: Optional[float] = None
    parity_gap_synthetic: Optional[float] = None
    caveats: List[str] = field(default_factory=list)
    #: δ at or above 1/rows (the record's released count): no guarantee worth the name.
    delta_not_below_one_over_rows: bool = False
    #: The run's noise came from a seed (``insecure_seed``, for tests): no guarantee at all.
    insecure_seed: bool = False

    @staticmethod
    def _word(value: Optional[bool]) -> str:
        return {True: "yes", False: "no", None: "n/a"}[value]

    def __str__(self) -> str:
        lines = []
        if self.tstr_auc is not None and self.trtr_auc is not None:
            share = self.tstr_auc / self.trtr_auc if self.trtr_auc else float("nan")
            lines.append(f"useful?  {self._word(self.useful)}: {self.classifier} trained on "
                         f"synthetic rows reach ROC-AUC {self.tstr_auc:.3f} on real test rows, "
                         f"{share:.0%} of the {self.trtr_auc:.3f} of training on real rows")
        else:
            lines.append("useful?  n/a: the report has no utility figures (no target)")
        attack = (f"; membership attack ROC-AUC {self.membership_auc:.3f} (0.5: guessing)"
                  if self.membership_auc is not None else "")
        copies = (f"; {self.exact_copy_rate:.1%} of rows copy a training row"
                  if self.exact_copy_rate is not None else "")
        if self.epsilon is not None:
            loose = ("; δ is not below 1/rows, which allows publishing a row"
                     if self.delta_not_below_one_over_rows else "")
            if self.insecure_seed:
                loose += "; but its noise was seeded (insecure_seed): the guarantee does not hold"
            lines.append(f"private? {self._word(self.private)}: trained with "
                         f"(ε = {self.epsilon:.3g}, δ = {self.delta:.1g})-DP{loose}{attack}{copies}")
        else:
            lines.append(f"private? no: no differential-privacy guarantee (not trained with "
                         f"epsilon, or no checkpoint given){attack}{copies}")
        if self.parity_gap_synthetic is not None and self.parity_gap_real is not None:
            lines.append(f"fair?    {self._word(self.fair)}: parity gap of {self.target} by "
                         f"{self.sensitive} {self.parity_gap_synthetic:.3f} in the synthetic "
                         f"rows, {self.parity_gap_real:.3f} in the real ones")
        else:
            lines.append("fair?    n/a: the report has no fairness figures")
        for caveat in self.caveats:
            lines.append(f"caveat:  {caveat}")
        return "\n".join(lines)


class Report(dict):
    """tablm evaluate's JSON report, as a dict (every figure), plus ``summary`` (the text tablm
    printed), ``html`` (the HTML report's path, if asked for) and ``verdict()``."""

    summary: str = ""
    html: Optional[str] = None

    def verdict(self, *, useful_share: float = 0.9, max_epsilon: float = 10.0,
                fair_slack: float = 0.02) -> Verdict:
        """Useful: the headline classifier (boosted trees) trained on synthetic rows reaches at
        least ``useful_share`` of the ROC-AUC of training on real rows (and beats 0.5).
        Private: the checkpoint was trained with (ε, δ)-DP, ε ≤ ``max_epsilon`` and δ below 1/rows
        (the record's released row count).
        Fair: the synthetic rows' parity gap is no wider than the real rows' + ``fair_slack``, and
        they hold every group the real rows hold.
        """
        classifiers = self.get("classifiers") or []
        headline = next((c for c in classifiers if c.get("name") == "boosted trees"),
                        classifiers[0] if classifiers else None)
        tstr = trtr = None
        if headline:
            tstr = (headline.get("tstr") or {}).get("rocAUC")
            trtr = (headline.get("trtr") or {}).get("rocAUC")
        useful = None
        kinds = {c.get("kind") for c in self.get("caveats") or []}
        if "single_class_training" in kinds or "single_class_target" in kinds:
            useful = False  # one class in the training or the synthetic rows voids the comparison
        elif tstr is not None and trtr is not None:
            useful = bool(tstr > 0.5 and tstr >= useful_share * trtr)

        privacy = self.get("privacy") or {}
        epsilon = privacy.get("epsilon")
        delta = privacy.get("delta")
        # δ at or above 1/rows lets a mechanism publish a row outright, whatever ε says (the rows:
        # the count the record released with noise).
        rows = privacy.get("rate_rows") or (privacy.get("prior") or {}).get("noisy_rows")
        loose_delta = bool(delta is not None and rows and delta >= 1 / max(float(rows), 1.0))
        seeded = bool(privacy.get("insecure_seed"))
        private = bool(epsilon is not None and epsilon <= max_epsilon and not loose_delta
                       and not seeded)
        membership = self.get("membership") or {}
        attacks = [membership.get(k) for k in ("likelihoodAUC", "distanceAUC")
                   if membership.get(k) is not None]

        fairness = self.get("fairness") or {}
        gap_real = fairness.get("realParityGap")
        gap_synthetic = fairness.get("syntheticParityGap")
        fair = None
        groups = fairness.get("groups") or []
        if "single_class_training" in kinds or (sum(1 for g in groups if (g.get("realShare") or 0) > 0) < 2 and groups):
            pass  # one class of training rows, or one group of real rows: no gap to measure
        elif "single_class_target" in kinds and gap_synthetic is not None:
            fair = False  # one target value in every synthetic row: a gap of 0 by its absence
        elif gap_real is not None and gap_synthetic is not None:
            fair = bool(gap_synthetic <= gap_real + fair_slack)
            # A group the synthetic rows lack has no rate: the gap over the others says nothing of it.
            if any((g.get("realShare") or 0) > 0 and not g.get("syntheticShare") for g in groups):
                fair = False

        return Verdict(
            useful=useful, private=private, fair=fair,
            classifier=headline.get("name") if headline else None,
            tstr_auc=tstr, trtr_auc=trtr, epsilon=epsilon, delta=delta,
            delta_not_below_one_over_rows=loose_delta, insecure_seed=seeded,
            membership_auc=max(attacks, key=lambda a: abs(a - 0.5)) if attacks else None,
            exact_copy_rate=self.get("exactCopyRate"),
            target=self.get("target"), sensitive=fairness.get("sensitive"),
            parity_gap_real=gap_real, parity_gap_synthetic=gap_synthetic,
            caveats=[c.get("message", str(c)) for c in self.get("caveats") or []],
        )


def evaluate(train: Table, test: Table, synthetic: Table, *,
             schema: Optional[Schema] = None,
             target: Optional[str] = None,
             sensitive: Union[None, str, Sequence[str]] = None,
             checkpoint: Optional[PathLike] = None,
             before: Optional[Table] = None,
             html: Optional[PathLike] = None,
             json_path: Optional[PathLike] = None,
             binary: Optional[PathLike] = None,
             progress: ProgressOption = True) -> Report:
    """Measure synthetic rows against real ones: validity, fidelity, utility (TSTR vs TRTR),
    fairness and privacy. Returns the JSON report as a :class:`Report` (a dict).

    ``train``: the real rows the model was trained on; ``test``: real rows it never saw;
    ``synthetic``: the rows to judge (each a DataFrame or a CSV path). ``schema``: a path or a
    dict (default: the checkpoint's). ``target``/``sensitive``: default the schema's;
    ``sensitive`` may be a threshold ("age<25") or an intersection ("sex&race").
    ``checkpoint``: adds its (ε, δ), a likelihood membership attack and the model's own
    classifier. ``before``: rows of the same model before ``mask_fairness``, reported beside.
    ``html``: also write the HTML report there. ``json_path``: keep the JSON there.

    The report is for the data owner: it holds figures of the real rows (histograms, rates).
    DataFrames reach tablm through FIFOs; the JSON goes to ``json_path`` if named, else through
    a private temporary file removed once read.
    """
    for name, table in (("train", train), ("test", test), ("synthetic", synthetic)):
        _args.check_data(name, table)
    _args.check_data("before", before, required=False)
    same_path = (isinstance(train, (str, os.PathLike)) and isinstance(test, (str, os.PathLike))
                 and os.path.exists(train) and os.path.exists(test) and os.path.samefile(train, test))
    if train is test or same_path:
        raise ValueError("test is the training table: test rows must be rows no model was trained on "
                         "(a held-out split); TRTR would be scored on its own rows")
    if schema is None:
        if checkpoint is None:
            raise ValueError("evaluate needs a schema (a path or a dict), or a checkpoint "
                             "whose schema it uses")
        schema = os.path.join(_args.check_folder_name("checkpoint", checkpoint), "schema.json")
    schema_dict = load_schema(schema)
    if target is not None and (not isinstance(target, str) or not target):
        raise ValueError(f"target must be a column name, not {target!r}")
    sensitive_list = _args.column_list("sensitive", sensitive)
    if len(sensitive_list) > 1:
        raise ValueError("evaluate measures fairness over one group definition: a column "
                         "('sex'), a threshold ('age<25') or an intersection ('sex&race')")
    executable = find_binary(binary)
    for path in (html, json_path):
        if path is not None:
            os.makedirs(os.path.dirname(os.path.abspath(os.fspath(path))), exist_ok=True)

    with PrivateFolder() as folder:
        def table_arg(name: str, table: Table) -> str:
            if isinstance(table, pd.DataFrame):
                return folder.feed(f"{name}.csv", f"{name} DataFrame",
                                   csv_writer(table, schema_dict)).path
            return os.fspath(table)

        out = os.fspath(json_path) if json_path is not None else folder.file("report.json")
        args = ["evaluate", "--train", table_arg("train", train), "--test", table_arg("test", test),
                "--synthetic", table_arg("synthetic", synthetic),
                "--schema", schema_argument(schema, folder), "--json", out]
        if before is not None:
            args += ["--before", table_arg("before", before)]
        if target:
            args += ["--target", target]
        if sensitive_list:
            args += ["--sensitive", sensitive_list[0]]
        if checkpoint is not None:
            args += ["--checkpoint", os.fspath(checkpoint)]
        if html is not None:
            args += ["--report", os.fspath(html)]
        result = run_tablm(executable, args, progress=progress, folder=folder, outputs=[out])
        with open(out, encoding="utf-8") as handle:
            report = Report(json.load(handle))
    report.summary = result.stdout
    report.html = os.fspath(html) if html is not None else None
    return report
