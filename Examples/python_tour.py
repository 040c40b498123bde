# %% [markdown]
# # tablm from Python: a tour
#
# Fit a differentially private model on a pandas DataFrame, sample synthetic rows (some under
# conditions), and ask three questions of them: are they useful, private, fair?
#
# Run it as a script (`python3 Examples/python_tour.py`) or cell by cell (`# %%` cells open in
# VS Code, Jupyter via jupytext, Spyder). It needs the tablm binary (`swift build -c release`,
# or point `TABLM_BINARY` at one) and pandas (`pip install ./python`). Its settings are
# small so that it runs in a minute, even with a debug build; see the last cell for real ones.

# %%
import os
import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent if "__file__" in globals() else Path.cwd()
try:
    import tablm
except ImportError:  # used from a clone without `pip install ./python`
    sys.path.insert(0, str(REPO / "python"))
    import tablm

# Everything this tour writes goes into this folder (a checkpoint and an HTML report).
OUT = Path(os.environ.get("TABLM_TOUR_DIR", REPO / "out" / "python-tour"))
OUT.mkdir(parents=True, exist_ok=True)
started = time.monotonic()
print("tablm binary:", tablm.find_binary(), "version", tablm.binary_version() or "(unknown)")

# %% [markdown]
# ## The data
#
# `Examples/adult-sample.csv` holds 500 rows of the Adult census table: our "private" rows.
# Real test rows, never trained on, come from `data/adult_test.csv` when the repository has it
# (2,000 of them, drawn at random, to keep the tour quick); otherwise the last 100 sample rows
# are held out.

# %%
sample = pd.read_csv(REPO / "Examples" / "adult-sample.csv")
test_file = REPO / "data" / "adult_test.csv"
if test_file.exists():
    train, test = sample, pd.read_csv(test_file).sample(n=2000, random_state=0)
else:
    train, test = sample.iloc[:400], sample.iloc[400:]
print(f"{len(train)} training rows, {len(test)} test rows")
train.head()

# %% [markdown]
# ## A private fit
#
# `epsilon=` turns on differential privacy: every training row is protected with
# (ε, δ)-DP. A private fit needs a *public* schema (columns, categories and ranges known without
# looking at the rows: here, Adult's codebook). The DataFrame reaches tablm through a FIFO, never
# a file on disk; the only thing written is the checkpoint folder we name.

# %%
schema = REPO / "Examples" / "adult-public-schema.json"
synth = tablm.Synthesizer(
    epsilon=1.0, delta=1e-5, schema=schema, seed=0,
    # Small and quick for the tour (drop these for a real run):
    layers=1, width=32, heads=2, prior_steps=60, steps=10, expected_batch_size=32,
    accountant="rdp",  # faster to calibrate than the default (tighter) pld accountant
    progress=True,
)
synth.fit(train, checkpoint=OUT / "adult-dp")
print(f"ε spent, recomputed from the checkpoint's record: {synth.epsilon_spent():.4f}")

# %% [markdown]
# ## Sampling
#
# `sample` returns a DataFrame with the schema's dtypes. `conditions` fix or narrow columns:
# every row satisfies them.

# %%
rows = synth.sample(num_rows=1000, seed=1)
print(rows.dtypes.value_counts().to_dict())
rows.head()

# %%
older_women = synth.sample(num_rows=100, conditions={"sex": "Female", "age": ">=40"}, seed=2)
assert (older_women["sex"] == "Female").all() and (older_women["age"] >= 40).all()
print(f"{len(older_women)} rows, all sex = Female and age >= 40; their income:")
print(older_women["income"].value_counts(normalize=True).round(3).to_dict())

# %% [markdown]
# ## A model from disk
#
# `Synthesizer.load` opens an existing checkpoint; its privacy record comes with it.

# %%
again = tablm.Synthesizer.load(OUT / "adult-dp", progress=False)
print(again, "ε spent", round(again.epsilon_spent(), 4))

# %% [markdown]
# ## Useful? Private? Fair?
#
# `tablm.evaluate` trains classifiers on the synthetic rows and tests them on real ones (TSTR),
# beside the same classifiers trained on real rows (TRTR); it measures the parity gap of the
# target between sexes, and membership attacks. It returns the JSON report as a dict; the HTML
# report is written only because we name a file.

# %%
report = tablm.evaluate(train=train, test=test, synthetic=rows, schema=schema,
                        target="income", sensitive="sex", checkpoint=OUT / "adult-dp",
                        html=OUT / "report.html")
print(report.verdict())
print(f"fidelity: mean 1-way total variation {report['meanOneWayTV']:.3f}, "
      f"2-way {report['meanTwoWayTV']:.3f}")
print(f"HTML report: {report.html}")

# %% [markdown]
# ## Real settings
#
# With the full training table and default settings (which take minutes in a release build):
#
# ```python
# train = pd.read_csv("data/adult_train.csv")
# synth = tablm.Synthesizer(epsilon=1.0, schema="Examples/adult-public-schema.json")
# synth.fit(train, checkpoint="out/adult-dp")
# rows = synth.sample(num_rows=len(train))
# fair_rows = synth.sample(num_rows=len(train), mask_fairness=True)
# ```

# %%
print(f"tour done in {time.monotonic() - started:.1f} s")
