"""Mercurial 7.2.4 as a test oracle, on CPython and on PyPy.

On CPython, Mercurial is a test dependency and imports as usual (C and pure
modules).  It does not pip-install on PyPy 3.9, but its pure-Python modules
run there: REVLOG_HG_SITE names a site-packages directory holding a CPython
install of Mercurial, and its `mercurial` and `hgdemandimport` packages are
copied without the compiled modules and imported with HGMODULEPOLICY=py.

With REVLOG_REQUIRE_HG=1 (CI sets it) a missing Mercurial is an error, not
a skip, so a comparison cannot quietly stop running.
"""
import importlib
import os
import shutil
import sys
import tempfile
from typing import List, Optional, Tuple

import pytest

HG_VERSION = "7.2.4"
_PACKAGES = ("mercurial", "hgdemandimport")
_pure_copy: Optional[str] = None


def _import_copied_pure() -> None:
    """Make Mercurial's pure modules importable from REVLOG_HG_SITE."""
    global _pure_copy
    site = os.environ.get("REVLOG_HG_SITE")
    if not site or _pure_copy is not None:
        return
    target = tempfile.mkdtemp(prefix="revlog-hg-pure-")
    ignore = shutil.ignore_patterns("*.so", "*.pyd", "__pycache__")
    for package in _PACKAGES:
        shutil.copytree(os.path.join(site, package), os.path.join(target, package), ignore=ignore)
    os.environ["HGMODULEPOLICY"] = "py"
    os.environ.setdefault("HGZSTDPOLICY", "system")
    sys.path.insert(0, target)
    _pure_copy = target


def _unavailable(why: str):
    if os.environ.get("REVLOG_REQUIRE_HG") == "1":
        pytest.fail("Mercurial %s is required (REVLOG_REQUIRE_HG=1): %s" % (HG_VERSION, why))
    pytest.skip("Mercurial %s not available: %s" % (HG_VERSION, why))


def mercurial():
    """The `mercurial` package (version-checked), or skip/fail."""
    if sys.implementation.name != "cpython":
        _import_copied_pure()
    try:
        hg = importlib.import_module("mercurial")
        version = importlib.import_module("mercurial.__version__").version
    except ImportError as exc:
        _unavailable(str(exc))
    if version != HG_VERSION:
        _unavailable("found version %s" % version)
    return hg


def mpatch_modules() -> List[Tuple[str, object]]:
    """Mercurial's mpatch implementations importable here: [(name, module)]."""
    mercurial()
    found = [("hg-pure", importlib.import_module("mercurial.pure.mpatch"))]
    if sys.implementation.name == "cpython":
        found.append(("hg-c", importlib.import_module("mercurial.cext.mpatch")))
    return found
