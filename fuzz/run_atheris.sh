#!/usr/bin/env bash
# run_atheris.sh TARGET [libFuzzer arguments...]
# Run the cffi harness fuzz/fuzz_TARGET.py under atheris against a C module
# built with clang and -fsanitize=fuzzer-no-link,address,undefined
# (fuzz/build_asan.py, rebuilt when csrc/ or revlog/ changed), with the
# ASan runtime atheris ships preloaded.  PYTHON picks the interpreter
# (default: python); it needs atheris, cffi and revlog's dependencies.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-python}
target=$1
shift
module=$(ls "$here"/out/asan/revlog/_c/_revlog_c*.so 2>/dev/null | head -1 || true)
if [ -z "$module" ] || [ -n "$(find "$here/../csrc" "$here/../revlog" -name '*.[ch]' -newer "$module" -o -name '*.py' -newer "$module" | head -1)" ]; then
    "$py" "$here/build_asan.py" >/dev/null
fi
runtime=$("$py" -c 'import atheris; print(atheris.path())')/asan_with_fuzzer.so
# Python itself is not instrumented: leaks at exit are the interpreter's.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
LD_PRELOAD=$runtime PYTHONPATH=$here/out/asan exec "$py" "$here/fuzz_$target.py" "$@"
