"""Choose the backend once, at import: the C core or the pure-Python code.

REVLOG_MODULE_POLICY selects it:
  allow  (default) the C backend if it imports and has the right ABI, else pure
  c      the C backend or ImportError (chaining the real cause)
  pure   the pure backend; the C module is never loaded

`backend` is "c" or "pure": what this process selected.  `load(name)`
returns either backend namespace regardless of the environment (tests use
it to run every check against both).
"""
import importlib
import os
import types
from typing import Tuple

ENV_VAR = "REVLOG_MODULE_POLICY"
POLICIES = ("allow", "c", "pure")
BACKENDS = ("c", "pure")

# Must equal revlog_abi_version() in csrc/version.c.
C_ABI_VERSION = 6


def _load_c() -> types.ModuleType:
    try:
        compiled = importlib.import_module("revlog._c._revlog_c")
    except ImportError as exc:
        raise ImportError(
            "revlog's C backend is not available (%s); reinstall revlog with "
            "a working C compiler, or set %s=pure" % (exc, ENV_VAR)
        ) from exc
    found = compiled.lib.revlog_abi_version()
    if found != C_ABI_VERSION:
        raise ImportError(
            "revlog's C backend has ABI version %d but this revlog expects %d: "
            "the compiled module is stale, rebuild it (pip install "
            "--force-reinstall revlog)" % (found, C_ABI_VERSION)
        )
    return importlib.import_module("revlog._c")


def load(name: str) -> types.ModuleType:
    """Return the backend namespace `name` ("c" or "pure")."""
    if name == "c":
        return _load_c()
    if name == "pure":
        return importlib.import_module("revlog._pure")
    raise ValueError("unknown revlog backend %r; expected one of %s" % (name, ", ".join(BACKENDS)))


def select(policy: str) -> Tuple[str, types.ModuleType]:
    """Apply a policy value; return (backend name, backend namespace)."""
    if policy == "pure":
        return "pure", load("pure")
    if policy == "c":
        return "c", load("c")
    if policy == "allow":
        try:
            return "c", load("c")
        except ImportError:
            return "pure", load("pure")
    raise ImportError(
        "invalid %s=%r; allowed values: %s" % (ENV_VAR, policy, ", ".join(POLICIES))
    )


backend, namespace = select(os.environ.get(ENV_VAR, "allow"))
