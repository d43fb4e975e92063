"""Guards for tests of hostile input: fail instead of hanging, and instead of
exhausting the machine's memory.

- fails_instead_of_hanging(): SIGALRM interrupts a block still running
  after a number of seconds (Hung, a TimeoutError).
- guarded(): the same, and the process's address space may grow by a
  headroom only (RLIMIT_AS), so a read of what a file merely claims is a
  MemoryError, not minutes of swapping.
- run_limited(): a script in a fresh interpreter under such an address
  space limit, for allocations this process could not survive.

The address-space guards need /proc/self/status and RLIMIT_AS (Linux): the
tests using them are skipped only where those do not exist.
"""
import contextlib
import os
import signal
import subprocess
import sys
from typing import Iterator, List

import pytest

try:
    import resource
except ImportError:  # pragma: no cover - not POSIX
    resource = None

HANG_LIMIT = 60.0   # seconds: far more than any guarded operation needs
_STATUS = "/proc/self/status"


class Hung(TimeoutError):
    """An operation that should have ended at once was still running."""


def address_space() -> int:
    """This process's address space (VmSize), in bytes."""
    with open(_STATUS) as f:
        return [int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:")][0]


def require_address_space_limits() -> None:
    """Skip the calling test where the address space cannot be measured or limited."""
    if resource is None or not hasattr(resource, "RLIMIT_AS") or not os.path.exists(_STATUS):
        pytest.skip("needs /proc/self/status and RLIMIT_AS (Linux)")


@contextlib.contextmanager
def fails_instead_of_hanging(seconds: float = HANG_LIMIT) -> Iterator[None]:
    """Raise Hung in a block still running after seconds (POSIX; elsewhere no limit)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expired(signum, frame):
        raise Hung("still running after %s seconds: a hang" % seconds)
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def guarded(seconds: float = 10.0, headroom: int = 512 << 20) -> Iterator[None]:
    """fails_instead_of_hanging(seconds), and the address space may grow by
    headroom bytes only (MemoryError: reading /dev/zero whole, say)."""
    require_address_space_limits()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = address_space() + headroom
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        with fails_instead_of_hanging(seconds):
            yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# Run before the script: revlog imported, then the address space limited to
# what the interpreter holds now plus HEADROOM bytes.
_LIMIT_PRELUDE = r"""
import resource
import revlog
def _limit_address_space(headroom):
    with open("/proc/self/status") as f:
        vm = [int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:")][0]
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    limit = vm + headroom
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
_limit_address_space(%d)
del _limit_address_space
"""


def run_limited(script: str, args: List[str], headroom: int,
                timeout: float = 300) -> "subprocess.CompletedProcess[str]":
    """script run by this interpreter (-c, with args) once revlog is imported
    and its address space may grow by headroom bytes only; its output as text."""
    require_address_space_limits()
    return subprocess.run([sys.executable, "-c", _LIMIT_PRELUDE % headroom + script] + list(args),
                          capture_output=True, text=True, timeout=timeout)
