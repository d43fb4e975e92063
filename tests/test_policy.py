"""Module policy: REVLOG_MODULE_POLICY values, errors, ABI check, both namespaces alike."""
import os
import subprocess
import sys

import pytest

from revlog import policy, status
from conftest import load_backend

PROBE = (
    "import sys, revlog.policy as p; "
    "print(p.backend, p.namespace.NAME, sys.modules.get('revlog._c._revlog_c') is not None)"
)


def run_policy(value, code=PROBE):
    env = dict(os.environ)
    if value is None:
        env.pop(policy.ENV_VAR, None)
    else:
        env[policy.ENV_VAR] = value
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_pure_never_loads_the_c_module():
    result = run_policy("pure")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["pure", "pure", "False"]


def test_c_policy_selects_c():
    load_backend("c")
    result = run_policy("c")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["c", "c", "True"]


@pytest.mark.parametrize("value", [None, "allow"])
def test_allow_prefers_c(value):
    load_backend("c")
    result = run_policy(value)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["c", "c", "True"]


@pytest.mark.parametrize("value", ["", "C", "cffi", "py"])
def test_unknown_value_lists_allowed_values(value):
    result = run_policy(value)
    assert result.returncode != 0
    assert "ImportError: invalid REVLOG_MODULE_POLICY=%r; allowed values: allow, c, pure" % value in result.stderr


BLOCK_C = "import sys; sys.modules['revlog._c._revlog_c'] = None; "


def test_missing_c_module_under_c_policy_chains_the_cause():
    result = run_policy("c", BLOCK_C + "import revlog.policy")
    assert result.returncode != 0
    assert "revlog's C backend is not available" in result.stderr
    assert "The above exception was the direct cause" in result.stderr


def test_missing_c_module_under_allow_falls_back_quietly():
    result = run_policy("allow", BLOCK_C + PROBE)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.split() == ["pure", "pure", "False"]


def test_missing_c_module_in_process(monkeypatch):
    monkeypatch.setitem(sys.modules, "revlog._c._revlog_c", None)
    with pytest.raises(ImportError, match="C backend is not available") as info:
        policy.select("c")
    assert isinstance(info.value.__cause__, ImportError)
    assert policy.select("allow")[0] == "pure"


def test_abi_mismatch(monkeypatch):
    load_backend("c")
    monkeypatch.setattr(policy, "C_ABI_VERSION", policy.C_ABI_VERSION + 1)
    expected = "ABI version %d but this revlog expects %d" % (policy.C_ABI_VERSION - 1, policy.C_ABI_VERSION)
    with pytest.raises(ImportError, match=expected):
        policy.load("c")
    with pytest.raises(ImportError, match="ABI version"):
        policy.select("c")
    name, namespace = policy.select("allow")
    assert (name, namespace.NAME) == ("pure", "pure")


def test_load_rejects_unknown_backend():
    with pytest.raises(ValueError, match="unknown revlog backend 'fast'"):
        policy.load("fast")


def test_backends_export_the_same_names():
    c, pure = load_backend("c"), load_backend("pure")
    assert c.__all__ == pure.__all__
    for name in c.__all__:
        assert getattr(c, name).__doc__ == getattr(pure, name).__doc__ or name == "NAME"


def test_status_codes_match_the_c_enum():
    load_backend("c")
    from revlog._c._revlog_c import lib

    names = [n for n in dir(status) if n.isupper() and isinstance(getattr(status, n), int)]
    names.remove("MAX_TEXT_SIZE")
    assert names
    for name in names:
        assert getattr(lib, "REVLOG_" + ("ERR_" if name != "OK" else "") + name) == getattr(status, name)
