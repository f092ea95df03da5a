#!/bin/bash
# Resource guards (src/engine/budget): the estimate `aidc check` prints against the peak resident
# memory (/usr/bin/time) and the output sizes of `aidc run`, for the ready scenarios, a scaled-up
# copy of bench-10k, designs of a million racks, nodes and accelerators, and a queue of 720,000
# jobs. Prints the rows of the table in BENCHMARKS.md ("Resource guards").
#
#   cargo build --release && bash benches/budget.sh
set -euo pipefail
A=${AIDC:-./target/release/aidc}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# design NAME RACKS NODES_PER_RACK ACCELERATORS_PER_NODE RATE HORIZON [EXTRA]: one debug class.
design() {
  cat > "$T/$1.toml" <<TOML
name = "$1"
[simulation]
horizon = "$6"
step = "5m"
[[node_types]]
name = "n"
accelerator = "H100-SXM"
accelerators = $4
[[halls]]
name = "A"
[[halls.racks]]
count = $2
nodes = $3
node_type = "n"
[[workload.classes]]
name = "w"
kind = "debug"
rate = "$5"
size = { dist = "fixed", value = 1 }
${7:-}
TOML
}
design racks-1m 1000000 1 1 1/d 1h
design nodes-1m 125000 8 1 1/d 1h
design accelerators-1m 125000 1 8 1/d 1h
design queue-720k 1 1 8 100/s 2h
# bench-10k with 40 times the racks and the arrival rates, one week: 409,600 accelerators.
sed -e 's/name = "bench-10k"/name = "bench-400k"/' -e 's/^count = 80$/count = 3200/' -e 's/horizon = "365d"/horizon = "7d"/' \
  scenarios/bench-10k.toml | awk '/^rate = "/ { split($3, a, "/"); gsub("\"", "", a[1]); printf "rate = \"%g/%s\n", a[1] * 40, a[2]; next } { print }' \
  > "$T/bench-400k.toml"

echo "| scenario | estimate (about) | bound (at most) | measured peak RSS | live jobs est. / peak | timeseries.csv est. / written | jobs.csv est. / written |"
echo "|---|---|---|---|---|---|---|"
for f in scenarios/classroom.toml scenarios/wuhu-10k.toml scenarios/bench-10k.toml scenarios/bench-10k-network.toml \
  scenarios/inference-mix.toml scenarios/alibaba-openb.toml "$T/bench-400k.toml" "$T/racks-1m.toml" "$T/nodes-1m.toml" "$T/accelerators-1m.toml" "$T/queue-720k.toml"; do
  n=$(basename "$f" .toml)
  est=$("$A" check "$f" 2> /dev/null) || { echo "| $n | (skipped: aidc check fails, e.g. no data folder) |"; continue; }
  about=$(sed -n 's/^memory     about \([^:]*\):.*/\1/p' <<< "$est")
  most=$(sed -n 's/^           at most \([^;]*\);.*/\1/p' <<< "$est")
  live=$(sed -n 's/.*live jobs [^(]*(about \([0-9,]*\),.*/\1/p' <<< "$est")
  ts=$(sed -n 's/.*timeseries.csv [^(]*(\([^)]*\)).*/\1/p' <<< "$est")
  jb=$(sed -n 's/.*jobs.csv about [0-9,]* rows (\([^)]*\)).*/\1/p' <<< "$est")
  rss=$({ /usr/bin/time -f "%M" "$A" run "$f" --quiet --out "$T/out-$n" > /dev/null; } 2>&1 | tail -1)
  peak=$(grep -o '"peak_live_jobs": [0-9]*' "$T/out-$n/run.json" | grep -o '[0-9]*$')
  mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
  printf "| %s | %s | %s | %s | %s / %s | %s / %s | %s / %s |\n" "$n" "$about" "$most" "$(mib $((rss * 1024)))" "$live" "$peak" \
    "$ts" "$(mib "$(stat -c %s "$T/out-$n/timeseries.csv")")" "$jb" "$(mib "$(stat -c %s "$T/out-$n/jobs.csv")")"
done
