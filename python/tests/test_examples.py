"""The examples of python/examples run as they are: the notebook's code cells in
order, and the notebook-style script (which checks itself against the model file)."""

import json
import os
import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(autouse=True)
def _agg_backend(monkeypatch, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)


def test_quickstart_notebook():
    notebook = json.loads((EXAMPLES / "quickstart.ipynb").read_text())
    cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    assert len(cells) >= 5
    namespace = {"__name__": "__main__"}
    for source in cells:
        exec(compile(source, "quickstart.ipynb", "exec"), namespace)
    # the network of the first part ran and recorded
    assert namespace["s_mon"].num_spikes > 10000
    assert len(namespace["trace"].t) == 10000


def test_cuba_script_matches_model_file():
    repo = EXAMPLES.parents[1]
    os.chdir(repo)  # the script names examples/cuba.toml relative to the repository root
    runpy.run_path(str(EXAMPLES / "cuba.py"), run_name="__main__")
