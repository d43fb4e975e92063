"""Shared fixtures: every backend-level test runs on the C and pure backends."""
import os

import pytest
from hypothesis import HealthCheck, settings

from revlog import policy

# Fixture repositories built by Mercurial, with its recorded answers.
from hgfixtures import hg_copy, hg_repo, hg_repos  # noqa: F401

settings.register_profile(
    "default", max_examples=150, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "deep", max_examples=5000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def load_backend(name: str):
    """Load a backend; a missing C backend fails under REVLOG_REQUIRE_C=1, else skips."""
    try:
        return policy.load(name)
    except ImportError as exc:
        if name == "c" and os.environ.get("REVLOG_REQUIRE_C") != "1":
            pytest.skip("C backend unavailable: %s" % exc)
        pytest.fail("backend %r failed to load: %s" % (name, exc))


@pytest.fixture(scope="session", params=policy.BACKENDS)
def backend(request):
    """Each backend namespace in turn: revlog._c, then revlog._pure."""
    return load_backend(request.param)


@pytest.fixture(scope="session")
def backends():
    """Both backend namespaces at once, for differential checks."""
    return [load_backend(name) for name in policy.BACKENDS]
