#!/usr/bin/env bash
# smoke.sh PYTHON [SECONDS]: a short run of every fuzz harness, as CI does.
#
# PYTHON is a CPython with revlog's test dependencies (Mercurial writes the
# seed corpora) and atheris.  Builds the native harnesses (clang, ASan +
# UBSan) and replays the regression corpora with them, then fuzzes each
# target for SECONDS (default 50) natively and through the cffi harness
# (atheris, sanitized C module).  Logs and new inputs go to fuzz/out/smoke/;
# exits non-zero at the first finding.
set -euo pipefail
cd "$(dirname "$0")"
py=$1
seconds=${2:-50}
targets=(mpatch index bdiff revlog)
declare -A max_len=([mpatch]=4096 [index]=16384 [bdiff]=8192 [revlog]=65536)
out=out/smoke
rm -rf "$out"
mkdir -p "$out"

finding() {  # finding LOG WHAT
    tail -40 "$1"
    echo "FUZZ FINDING: $2 (log: fuzz/$1)" >&2
    exit 1
}

echo "--- native harnesses: build, replay the regressions under ASan+UBSan"
make -s clean
make -s replay CC=clang
make -s fuzzers
for t in "${targets[@]}"; do
    "out/${t}_replay" "regressions/$t"
done

echo "--- seed corpora from repositories Mercurial writes"
"$py" make_seeds.py --repos zlib,nogd,revlogv2 out/seeds >"$out/seeds.log" 2>&1 \
    || finding "$out/seeds.log" "make_seeds.py failed"
tail -4 "$out/seeds.log"

for t in "${targets[@]}"; do
    echo "--- $t: native libFuzzer, ${seconds}s"
    mkdir -p "$out/native-$t"
    "out/${t}_fuzzer" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
        -malloc_limit_mb=512 -max_len="${max_len[$t]}" -artifact_prefix="$out/native-$t-" \
        "$out/native-$t" "regressions/$t" "out/seeds/$t" >"$out/native-$t.log" 2>&1 \
        || finding "$out/native-$t.log" "native $t fuzzer"
    grep -E "^(Done|stat::number_of_executed_units)" "$out/native-$t.log"
done
for t in "${targets[@]}"; do
    echo "--- $t: cffi differential (atheris), ${seconds}s"
    mkdir -p "$out/cffi-$t"
    PYTHON=$py ./run_atheris.sh "$t" -max_total_time="$seconds" -print_final_stats=1 \
        -timeout=30 -max_len="${max_len[$t]}" -artifact_prefix="$out/cffi-$t-" \
        "$out/cffi-$t" "regressions/$t" "out/seeds/$t" >"$out/cffi-$t.log" 2>&1 \
        || finding "$out/cffi-$t.log" "cffi $t harness"
    grep -E "^(Done|stat::number_of_executed_units)" "$out/cffi-$t.log"
done
echo "--- fuzz smoke: no finding"
