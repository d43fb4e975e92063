"""Build a copy of revlog whose C module is instrumented for atheris.

    python fuzz/build_asan.py [OUTDIR]      (default: fuzz/out/asan)

Copies the revlog package (Python files only) to OUTDIR/revlog and compiles
csrc/ there through the same cffi build script as a normal install, with
clang and -fsanitize=fuzzer-no-link,address,undefined, so libFuzzer (inside
atheris) sees the C code's coverage and the sanitizers check every access.
The cffi harnesses then run with OUTDIR first on PYTHONPATH and the ASan
runtime that atheris ships preloaded (fuzz/run_atheris.sh does both).
"""
import os
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SANITIZE = "-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
FLAGS = "-g -O1 -fno-omit-frame-pointer " + SANITIZE


def build(outdir: pathlib.Path) -> pathlib.Path:
    """Build the instrumented copy; return the path of its compiled module."""
    package = outdir / "revlog"
    if package.exists():
        shutil.rmtree(package)
    shutil.copytree(ROOT / "revlog", package,
                    ignore=shutil.ignore_patterns("*.so", "*.c", "__pycache__"))
    os.environ.update(CC="clang", LDSHARED="clang -shared", CFLAGS=FLAGS, LDFLAGS=SANITIZE)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT / "csrc"))
    import build_cffi

    ffibuilder = build_cffi.ffibuilder
    # build_cffi names its sources relative to the project root, and cffi
    # compiles from inside tmpdir: make them absolute
    name, source, extension, options = ffibuilder._assigned_source
    for key in ("sources", "include_dirs"):
        options[key] = [str(ROOT / path) for path in options[key]]
    built = ffibuilder.compile(tmpdir=str(outdir / "build"), verbose=False)
    target = package / "_c" / os.path.basename(built)
    shutil.copy(built, target)
    return target


if __name__ == "__main__":
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "fuzz" / "out" / "asan")
    print(build(out.resolve()))
