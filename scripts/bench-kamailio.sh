#!/usr/bin/env bash
# Kamailio provider throughput and memory, against real databases:
#   - rotating 10,000 subscribers with journal (fsync'd before any change) and
#     handover file, through the rotation engine, on SQLite and PostgreSQL;
#   - a loop of `kamcli subscriber passwd` over 200 subscribers on PostgreSQL
#     (kamcli 2.0's SQL does not run on SQLite), one process per change as an
#     operator's shell loop does; goal: sipctl at least 100x kamcli's rate;
#   - listing 100,000 subscribers; goal: peak heap under 64 MiB.
# Needs the peers of scripts/test-deps.sh (PostgreSQL, kamcli + psycopg2).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(go test -run '^$' -bench '^(BenchmarkRotate|BenchmarkList100k)$' -benchtime=1x -timeout 60m ./internal/kamailio/)"
echo "$out" | grep -E '^Benchmark' | awk '{
  line=$1; for (i=2;i<=NF;i++) if ($i ~ /\/s$|MiB$|kamcli$/) line=line sprintf("  %s %s", $(i-1), $i)
  print line
}'
