"""evaluate, its verdict, and infer_schema."""

import json

import pytest

import tablm
from conftest import PUBLIC_SCHEMA


@pytest.fixture(scope="module")
def dp_rows(dp_fitted):
    return dp_fitted.sample(300, seed=1)


def test_evaluate_returns_the_json_report(dp_fitted, dp_rows, split, tmp_path):
    train, test = split
    report = tablm.evaluate(train=train, test=test, synthetic=dp_rows, schema=PUBLIC_SCHEMA,
                            target="income", sensitive="sex", checkpoint=dp_fitted.checkpoint,
                            progress=False)
    assert isinstance(report, dict)
    assert report["target"] == "income" and report["syntheticRows"] == 300
    assert report["privacy"]["epsilon"] <= 1.0 + 1e-9
    assert report.html is None and list(tmp_path.iterdir()) == []
    assert "utility" in report.summary

    verdict = report.verdict()
    assert verdict.private is True and verdict.epsilon == pytest.approx(report["privacy"]["epsilon"])
    assert 0 <= verdict.tstr_auc <= 1 and 0 <= verdict.trtr_auc <= 1
    assert verdict.useful in (True, False) and verdict.fair in (True, False)
    assert verdict.sensitive == "sex" and verdict.target == "income"
    assert verdict.parity_gap_real == pytest.approx(report["fairness"]["realParityGap"])
    text = str(verdict)
    assert "useful?" in text and "private? yes" in text and "fair?" in text
    # stricter thresholds can only turn answers to no
    assert report.verdict(max_epsilon=0.5).private is False


def test_evaluate_writes_html_and_json_only_where_named(fitted, split, tmp_path):
    train, test = split
    rows = fitted.sample(200, seed=2)
    html = tmp_path / "out" / "report.html"
    kept = tmp_path / "out" / "report.json"
    report = tablm.evaluate(train=train, test=test, synthetic=rows, checkpoint=fitted.checkpoint,
                            html=html, json_path=kept, progress=False)
    assert report.html == str(html) and html.stat().st_size > 0
    assert json.loads(kept.read_text()) == dict(report)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.html", "report.json"]
    verdict = report.verdict()
    assert verdict.private is False and verdict.epsilon is None
    assert "private? no" in str(verdict)


def test_infer_schema(binary, adult, tmp_path):
    schema = tablm.infer_schema(adult, target="income", sensitive=["sex", "race"], binary=binary)
    assert schema["source"] == "data"
    assert schema["target"] == "income" and schema["sensitive"] == ["sex", "race"]
    assert [c["name"] for c in schema["columns"]] == list(adult.columns)
    kinds = {c["name"]: c["kind"] for c in schema["columns"]}
    assert kinds["age"] == "integer" and kinds["sex"] == "categorical"

    path = tmp_path / "public.json"
    public = tablm.infer_schema(adult, public_source=True, path=path, binary=binary)
    assert public["source"] == "public" and tablm.read_schema(path) == public
