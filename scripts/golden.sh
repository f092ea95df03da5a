#!/usr/bin/env bash
# Golden outputs: every ready scenario (scenarios/*.toml, scenarios/demo/*.toml) run by this
# tree's aidc and by the aidc of a base revision must give byte-identical summary.json,
# timeseries.csv, jobs.csv and alarms.csv. Use it for any change meant to keep behaviour (a
# refactoring, a speed-up); a change of outputs on purpose shows here file by file.
#
#   scripts/golden.sh BASE_REV            # e.g. scripts/golden.sh main
#   AIDC_BASE_BIN=path/to/aidc scripts/golden.sh     # compare with a binary built before
#
# The base revision is built in a temporary git worktree under target/golden/ with its own
# target folder (the first build compiles every dependency: minutes; later ones reuse it).
# Everything this script writes is under target/golden/; it removes only the worktree and the
# run folders it created. Exit 0 when all outputs are identical, 1 when any differs or fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work="$root/target/golden"
mkdir -p "$work"

base_bin=${AIDC_BASE_BIN:-}
if [ -z "$base_bin" ]; then
    rev=${1:?"usage: scripts/golden.sh BASE_REV (or AIDC_BASE_BIN=path scripts/golden.sh)"}
    commit=$(git rev-parse --verify "$rev^{commit}")
    src="$work/base-src"
    if [ -e "$src" ]; then git worktree remove --force "$src" 2>/dev/null || true; fi
    git worktree add --quiet --detach "$src" "$commit"
    trap 'git -C "$root" worktree remove --force "$src" 2>/dev/null || true' EXIT
    echo "golden: building base $rev ($commit)" >&2
    (cd "$src" && CARGO_TARGET_DIR="$work/base-target" cargo build --release --quiet)
    base_bin="$work/base-target/release/aidc"
fi
echo "golden: building this tree" >&2
cargo build --release --quiet
head_bin="$root/target/release/aidc"

runs="$work/runs"
rm -rf "$runs"
mkdir -p "$runs/base" "$runs/head"
fail=0
count=0
for f in scenarios/*.toml scenarios/demo/*.toml; do
    name=$(echo "$f" | sed 's#scenarios/##; s#/#-#; s#\.toml$##')
    for side in base head; do
        bin=$base_bin
        [ "$side" = head ] && bin=$head_bin
        if ! "$bin" run "$f" --out "$runs/$side/$name" --quiet >/dev/null 2>"$runs/$side/$name.err"; then
            echo "FAIL ($side) $f: $(head -c 300 "$runs/$side/$name.err")"
            fail=1
        fi
    done
    for file in summary.json timeseries.csv jobs.csv alarms.csv; do
        a="$runs/base/$name/$file"
        b="$runs/head/$name/$file"
        [ -e "$a" ] || [ -e "$b" ] || continue
        count=$((count + 1))
        if ! cmp -s "$a" "$b"; then
            echo "DIFF $name/$file"
            fail=1
        fi
    done
done
if [ "$fail" = 0 ]; then
    echo "golden: all $count outputs identical"
    rm -rf "$runs"
else
    echo "golden: outputs differ (kept under $runs for a look)"
fi
exit "$fail"
