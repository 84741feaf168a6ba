"""``spikejit.run_file``: runs a model file as ``spikejit run`` does, and reads its outputs."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import numpy as np

from . import _core


class RunResult:
    """The outputs of :func:`run_file`: the summary and each monitor's arrays.

    Attributes
    ----------
    summary : dict
        ``summary.json``'s fields (spike counts, synapse counts, timings, ...).
    out : pathlib.Path
        The output directory (a temporary one is removed with this object).
    """

    def __init__(self, summary: Dict[str, Any], out: Path, temporary: bool) -> None:
        self.summary = summary
        self.out = out
        if temporary:
            self._cleanup = weakref.finalize(self, shutil.rmtree, str(out), True)

    @property
    def monitors(self) -> List[str]:
        """The names of the monitors that wrote a file."""
        return sorted(p.stem for p in self.out.glob("*.npz"))

    def load(self, name: str) -> Dict[str, np.ndarray]:
        """The arrays of monitor ``name`` (``NAME.npz``) as a dict."""
        path = self.out / f"{name}.npz"
        if not path.exists():
            raise KeyError(f"no output '{name}' in {self.out} (monitors: {', '.join(self.monitors) or 'none'})")
        with np.load(path) as data:
            return {k: data[k] for k in data.files}

    def spikes(self, name: str) -> Dict[str, np.ndarray]:
        """A spike or event monitor's arrays: ``i``, ``t`` (s), ``count`` and recorded variables."""
        return self.load(name)

    def state(self, name: str) -> Dict[str, np.ndarray]:
        """A state monitor's arrays: ``t`` and one (indices, times) array per variable."""
        return self.load(name)

    def rate(self, name: str) -> Dict[str, np.ndarray]:
        """A rate monitor's arrays: ``t`` and ``rate`` (Hz)."""
        return self.load(name)

    def final_state(self, group: str) -> Dict[str, np.ndarray]:
        """Every variable of ``group`` at the end (needs ``dump_state=True``)."""
        path = self.out / "state" / f"{group}.npz"
        if not path.exists():
            raise KeyError(f"no state of '{group}' in {self.out / 'state'} (run_file(..., dump_state=True) writes it)")
        with np.load(path) as data:
            return {k: data[k] for k in data.files}

    def __repr__(self) -> str:
        return f"RunResult(out={str(self.out)!r}, monitors={self.monitors})"


def run_file(path: Union[str, os.PathLike], out: Optional[Union[str, os.PathLike]] = None, seed: Optional[int] = None,
             dump_state: bool = False, threads: Optional[int] = None) -> RunResult:
    """Runs a model file (``spikejit run FILE --out OUT``) and returns its outputs.

    Parameters
    ----------
    path : str or path
        The model file (``.toml``).
    out : str or path, optional
        The output directory; a temporary directory (removed with the result) when None.
    seed : int, optional
        Overrides the file's seed.
    dump_state : bool
        Also write every group's variables at the end (:meth:`RunResult.final_state`).
    threads : int, optional
        Threads for large groups (0: one per core).

    Raises
    ------
    SpikejitError
        With the located message of the CLI for a file that does not load, check or run.
    """
    temporary = out is None
    out_dir = Path(tempfile.mkdtemp(prefix="spikejit-")) if temporary else Path(out)  # type: ignore[arg-type]
    try:
        text = _core.run_file(str(path), str(out_dir), seed, bool(dump_state), threads)
    except BaseException:
        if temporary:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    return RunResult(json.loads(text), out_dir, temporary)
