"""Examples/python_tour.py runs from start to end."""

import os
import subprocess
import sys

from conftest import REPO


def test_python_tour_runs(binary, tmp_path):
    env = dict(os.environ, TABLM_BINARY=binary, TABLM_TOUR_DIR=str(tmp_path / "tour"))
    done = subprocess.run([sys.executable, str(REPO / "Examples" / "python_tour.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "useful?" in done.stdout and "private? yes" in done.stdout and "fair?" in done.stdout
    assert (tmp_path / "tour" / "adult-dp" / "training.json").is_file()
    assert (tmp_path / "tour" / "report.html").is_file()
