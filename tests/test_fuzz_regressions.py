"""Replay the committed fuzz regression corpus through the differential harness."""
import pathlib
import sys

import pytest

from conftest import load_backend

FUZZ = pathlib.Path(__file__).resolve().parent.parent / "fuzz"
MPATCH_INPUTS = sorted((FUZZ / "regressions" / "mpatch").iterdir())


@pytest.fixture(scope="module")
def fuzz_mpatch():
    load_backend("c")
    sys.path.insert(0, str(FUZZ))
    try:
        import fuzz_mpatch
    finally:
        sys.path.remove(str(FUZZ))
    return fuzz_mpatch


def test_corpus_is_there():
    assert len(MPATCH_INPUTS) >= 10


@pytest.mark.parametrize("path", MPATCH_INPUTS, ids=[p.name for p in MPATCH_INPUTS])
def test_mpatch_regression(fuzz_mpatch, path):
    fuzz_mpatch.check(path.read_bytes())


def test_harness_reports_divergence(fuzz_mpatch, monkeypatch):
    """The harness must be able to fail: make the backends disagree."""
    monkeypatch.setattr(fuzz_mpatch.PURE, "patches", lambda text, deltas: b"different")
    with pytest.raises(AssertionError):
        fuzz_mpatch.check((FUZZ / "regressions" / "mpatch" / "valid-chain").read_bytes())
