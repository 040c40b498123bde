"""tablm from Python: fit small GPT-2 models on pandas tables and sample synthetic rows that are
differentially private, fair and schema-valid.

    import tablm
    synth = tablm.Synthesizer(epsilon=1.0, schema="Examples/adult-public-schema.json")
    synth.fit(df, checkpoint="out/adult-ck")
    rows = synth.sample(num_rows=1000, conditions={"sex": "Female"})
    report = tablm.evaluate(train=df, test=df_test, synthetic=rows, checkpoint="out/adult-ck")
    print(report.verdict())

The work is done by the tablm binary (found through ``binary=``, ``TABLM_BINARY``, ``PATH`` or
the repository's build); DataFrames reach it through FIFOs, never through files on disk.
See docs/python.md.
"""

from ._binary import BinaryNotFoundError, binary_version, find_binary
from ._run import TablmError, TablmWarning
from .evaluation import Report, Verdict, evaluate
from .schema import infer_schema, read_schema
from .synthesizer import Synthesizer

__version__ = "0.44.0"

__all__ = [
    "Synthesizer",
    "evaluate",
    "Report",
    "Verdict",
    "infer_schema",
    "read_schema",
    "TablmError",
    "TablmWarning",
    "BinaryNotFoundError",
    "find_binary",
    "binary_version",
    "__version__",
]
