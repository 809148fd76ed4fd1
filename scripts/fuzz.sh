#!/usr/bin/env bash
# Runs every fuzz target of nakami for a set time each (default 60s), one
# after another, and prints one line of figures per target: executions,
# inputs that found new coverage, and the size of the corpus. A crash stops
# the script with the failing input saved under testdata/fuzz/<target>/,
# where `go test` then replays it on every run.
#
#   scripts/fuzz.sh            # 60 s per target
#   scripts/fuzz.sh 10s        # shorter
#   scripts/fuzz.sh 60s Status # only targets whose name matches
#
# The targets parse text and bytes only; none needs root or the kernel lock.
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:-60s}
filter=${2:-}
# Fuzzing runs as many workers as CPUs unless told otherwise; the machine
# is shared, so the default is one.
parallel=${FUZZ_PARALLEL:-1}
# Each input that widens coverage is minimized before it joins the corpus,
# one run of the target per candidate and O(n^2) candidates for n bytes;
# Go allows 60 s for it, during which the figures stand still. A long
# mutant of a costly target (FuzzParamCheck: 19 checks, about 2 ms on
# 2.7 KB) used up whole runs that way, so minimization gets 2 s. A
# crashing input is still saved, minimized as far as 2 s go.
minimize=${FUZZ_MINIMIZE:-2s}
total=0
failed=()
raced=()
printf '%-22s %-16s %12s %10s %8s\n' target package execs new corpus
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		[[ -z "$filter" || "$target" == *"$filter"* ]] || continue
		log=$(mktemp)
		rc=0 mark=
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$time" -fuzzminimizetime "$minimize" -parallel "$parallel" "$pkg" >"$log" 2>&1 || rc=$?
		# Go 1.26's coordinator can fail a run that found nothing: when the
		# -fuzztime deadline fires, its main loop may see the deadline before
		# the workers' context is cancelled, and then it returns "context
		# deadline exceeded" as the run's error (golang/go#75804; stop in
		# internal/fuzz/fuzz.go). Such a run wrote no input and its figures
		# stand. Any other failure is a failure.
		if [ "$rc" -ne 0 ] && grep -Eq '^\s+context deadline exceeded$' "$log" && ! grep -q 'Failing input written' "$log"; then
			rc=0 mark=' *'
			raced+=("$target")
		fi
		if [ "$rc" -ne 0 ]; then
			tail -20 "$log"
			echo "fuzz.sh: $target in $pkg failed; a crashing input is saved in testdata/fuzz/$target" >&2
			failed+=("$target")
			rm -f "$log"
			continue
		fi
		# The last progress line: "fuzz: elapsed: 1m0s, execs: 123 (2/sec), new interesting: 4 (total: 9)"
		last=$(grep 'fuzz: elapsed' "$log" | tail -1)
		execs=$(sed -E 's/.*execs: ([0-9]+).*/\1/' <<<"$last")
		new=$(sed -E 's/.*new interesting: ([0-9]+).*/\1/' <<<"$last")
		corpus=$(sed -E 's/.*\(total: ([0-9]+)\).*/\1/' <<<"$last")
		printf '%-22s %-16s %12s %10s %8s%s\n' "$target" "${pkg#nakami/}" "$execs" "$new" "$corpus" "$mark"
		total=$((total + execs))
		rm -f "$log"
	done
done
echo "total executions: $total"
if [ ${#raced[@]} -gt 0 ]; then
	echo "* ended in Go's \"context deadline exceeded\" with no input written (golang/go#75804), not a crash: ${raced[*]}"
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]}"
	exit 1
fi
