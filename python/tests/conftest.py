"""Shared fixtures: the tablm binary, the bundled Adult sample, and small fitted models.

The tests run the real binary (TABLM_BINARY, PATH, or the repository's build) and skip cleanly
without one. Models are tiny (one layer of width 32, a few steps) so the whole run stays short
with a debug build.
"""

import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
try:
    import tablm  # noqa: F401
except ImportError:  # run from a clone without `pip install ./python`
    sys.path.insert(0, str(REPO / "python"))
    import tablm  # noqa: F401

SAMPLE = REPO / "Examples" / "adult-sample.csv"
PUBLIC_SCHEMA = REPO / "Examples" / "adult-public-schema.json"
# The smallest model finetune builds: fast with a debug binary, good enough to check plumbing.
TINY = dict(layers=1, width=32, heads=2)
# A private fit as small as it gets: a short marginal prior, a few DP-SGD steps, and the RDP
# accountant (quicker to calibrate than PLD in a debug build).
TINY_DP = dict(TINY, prior_steps=10, steps=3, expected_batch_size=16, accountant="rdp")


@pytest.fixture(scope="session")
def binary():
    try:
        return tablm.find_binary()
    except tablm.BinaryNotFoundError as error:
        pytest.skip(f"no tablm binary: {error}")


@pytest.fixture(scope="session")
def adult():
    return pd.read_csv(SAMPLE)


@pytest.fixture(scope="session")
def split(adult):
    return adult.iloc[:400].reset_index(drop=True), adult.iloc[400:].reset_index(drop=True)


@pytest.fixture(scope="session")
def fitted(binary, split, tmp_path_factory):
    """A non-private model, its schema inferred from the rows (target and sensitive named)."""
    train, _ = split
    synth = tablm.Synthesizer(target="income", sensitive="sex", steps=20, seed=0,
                              random_order_share=0.25, progress=False, binary=binary, **TINY)
    return synth.fit(train, checkpoint=tmp_path_factory.mktemp("fit") / "ck")


@pytest.fixture(scope="session")
def dp_fitted(binary, split, tmp_path_factory):
    """A private model (epsilon 1) on the public schema."""
    train, _ = split
    synth = tablm.Synthesizer(epsilon=1.0, delta=1e-5, schema=PUBLIC_SCHEMA, seed=0,
                              progress=False, binary=binary, **TINY_DP)
    return synth.fit(train, checkpoint=tmp_path_factory.mktemp("dp") / "ck")


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Point Python's temporary folder (where the package makes its private folders) at a
    folder of this test's own, so what appears there can be watched."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    return folder
