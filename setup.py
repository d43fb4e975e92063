"""Build revlog: the cffi C core when a compiler works, else a pure install.

Metadata lives in pyproject.toml.  A failed C build warns and leaves the
pure-Python backend in charge, unless REVLOG_REQUIRE_C=1 makes it fatal.
"""
import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, ExecError, PlatformError

try:
    from cffi import VerificationError
except ImportError:  # no cffi at all: cffi_modules fails earlier, loudly
    VerificationError = CCompilerError

# What a missing or broken compiler raises while building the extension.
C_BUILD_ERRORS = (CCompilerError, ExecError, PlatformError, VerificationError, OSError)


class OptionalBuildExt(build_ext):
    """build_ext that falls back to the pure backend when C cannot be built."""

    def run(self) -> None:
        try:
            super().run()
        except C_BUILD_ERRORS as exc:
            self._fallback(exc)

    def build_extension(self, ext) -> None:
        try:
            super().build_extension(ext)
        except C_BUILD_ERRORS as exc:
            self._fallback(exc)

    def _fallback(self, exc: BaseException) -> None:
        if os.environ.get("REVLOG_REQUIRE_C") == "1":
            raise exc
        message = (
            "WARNING: revlog's C backend could not be built (%s: %s); "
            "installing the pure-Python backend only. It is slower; set "
            "REVLOG_REQUIRE_C=1 to make this an error." % (type(exc).__name__, exc)
        )
        sys.stderr.write("\n" + "*" * 72 + "\n" + message + "\n" + "*" * 72 + "\n")
        self.warn(message)


setup(
    cffi_modules=["csrc/build_cffi.py:ffibuilder"],
    cmdclass={"build_ext": OptionalBuildExt},
)
