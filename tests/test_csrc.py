"""The C core is portable C99: no Python.h, warning-free under gcc and clang."""
import os
import pathlib
import shutil
import subprocess

import pytest

CSRC = pathlib.Path(__file__).resolve().parent.parent / "csrc"
C_FILES = sorted(CSRC.glob("*.c"))
STRICT = ["-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-O2", "-c"]


def test_no_python_in_the_core():
    assert C_FILES
    for path in C_FILES + sorted(CSRC.glob("*.h")):
        assert "Python.h" not in path.read_text(), path


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_compiles_cleanly(compiler, tmp_path):
    if shutil.which(compiler) is None:
        if os.environ.get("REVLOG_REQUIRE_C") == "1":
            pytest.fail("%s is required to check the C core (REVLOG_REQUIRE_C=1)" % compiler)
        pytest.skip("%s not installed" % compiler)
    for source in C_FILES:
        out = tmp_path / (source.stem + ".o")
        result = subprocess.run(
            [compiler, *STRICT, "-I", str(CSRC), str(source), "-o", str(out)],
            capture_output=True, text=True,
        )
        assert result.returncode == 0, result.stderr
