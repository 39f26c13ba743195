#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# sheafstat on recorded fixtures, one KTAP result per case: good/ is a
# tree as a guest with the example and the torture stress loaded has it
# (proc/sheafinfo, sys/kernel/sheafcache/, sys/module/sheafcache); every
# other directory is a copy of it with its files laid over (garbage and
# truncated files), and the paths its REMOVE file lists taken away.
#
# usage: tests/run.sh SHEAFSTAT
set -uo pipefail
export LC_ALL=C

bin=$(realpath "${1:?usage: $0 SHEAFSTAT}")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nr=0 failed=0

# tree CASE: the fixture tree of CASE, made under $tmp; prints its path.
tree() {
	local t=$tmp/$1 p

	rm -rf "$t"
	cp -r "$here/good" "$t"
	if [ "$1" != good ]; then
		cp -r "$here/$1/." "$t/"
		rm -f "$t/REMOVE"
		[ ! -f "$here/$1/REMOVE" ] ||
			while read -r p; do
				rm -rf "${t:?}/$p"
			done < "$here/$1/REMOVE"
	fi
	echo "$t"
}

# expect NAME STATUS REGEX CMD...: CMD exits with STATUS and its output
# (stdout and stderr) matches the extended REGEX.
expect() {
	local name=$1 status=$2 re=$3 out rc=0

	shift 3
	nr=$((nr + 1))
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" = "$status" ] && grep -qE -- "$re" <<< "$out"; then
		echo "ok $nr $name"
	else
		echo "not ok $nr $name"
		echo "# exit $rc (wanted $status), output:"
		# shellcheck disable=SC2001 # a prefix on every line
		sed 's/^/#   /' <<< "$out"
		failed=$((failed + 1))
	fi
}

# order NAME CACHES CMD...: CMD succeeds and its table lists exactly the
# CACHES (space separated), in that order.
order() {
	local name=$1 want=$2 out rc=0 got

	shift 2
	nr=$((nr + 1))
	out=$("$@" 2>&1) || rc=$?
	got=$(awk 'NR > 1 { printf "%s%s", sep, $1; sep = " " }' <<< "$out")
	if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
		echo "ok $nr $name"
	else
		echo "not ok $nr $name"
		echo "# exit $rc, caches '$got' (wanted '$want'), output:"
		# shellcheck disable=SC2001 # a prefix on every line
		sed 's/^/#   /' <<< "$out"
		failed=$((failed + 1))
	fi
}

good=$(tree good)
echo "KTAP version 1"
echo "1..21"
order "table of every cache, by name" "example_flow torture1" "$bin" --root "$good"
expect "columns from sheafinfo and sysfs" 0 \
	'^example_flow +64 +60 +120 +4 +7680 +1000 +1000 +90\.0 +95\.0 +120 +0 +75\.0 +10$' \
	"$bin" --root "$good"
order "sort by alloc, largest first" "torture1 example_flow" "$bin" --root "$good" -s alloc
order "sort by cap, largest first" "example_flow torture1" "$bin" --root "$good" --sort cap
order "sort by hit%, reversed" "example_flow torture1" "$bin" --root "$good" --sort hit% -R
order "sort by name, reversed" "torture1 example_flow" "$bin" --root "$good" -R
expect "unknown column" 1 "no column 'bogus'" "$bin" --root "$good" -s bogus
expect "module not loaded" 1 'sheafcache module is not loaded' "$bin" --root "$(tree not-loaded)"
expect "missing sysfs file" 1 'torture1/barn_get_fail: No such file' "$bin" --root "$(tree missing-file)"
expect "garbage sheafinfo line" 1 'sheafinfo:3: malformed line' "$bin" --root "$(tree garbage-line)"
expect "truncated sheafinfo line" 1 'sheafinfo:4: malformed line' "$bin" --root "$(tree truncated-line)"
expect "truncated header" 1 "not a sheafinfo header" "$bin" --root "$(tree truncated-header)"
expect "empty sheafinfo" 1 'sheafinfo: empty' "$bin" --root "$(tree empty)"
expect "unknown major version" 1 'version 2\.0, this sheafstat reads 1\.x' "$bin" --root "$(tree version-2)"
expect "not sheafinfo" 1 "not a sheafinfo header: 'slabinfo" "$bin" --root "$(tree not-sheafinfo)"
expect "garbage counter" 1 'example_flow/alloc_fast: malformed counter' "$bin" --root "$(tree garbage-counter)"
expect "truncated counter" 1 'torture1/free_fast: not a number' "$bin" --root "$(tree truncated-counter)"
expect "CPU parts that do not add up" 1 'alloc_slow: CPUs add up to 101, not 100' \
	"$bin" --root "$(tree parts-mismatch)"
expect "garbage value" 1 "torture1/objects: not a number: '0x28'" "$bin" --root "$(tree garbage-value)"

# No permission: as nobody, the 0400 root files cannot be opened.
perm=$(tree good)
chmod -R go-rwx "$perm/proc" && chmod 0711 "$tmp" "$perm"
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	expect "no permission" 1 'sheafinfo: permission denied \(run as root\)' \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" --root "$perm"
else
	nr=$((nr + 1))
	echo "ok $nr no permission # SKIP needs root and setpriv"
fi

# Delta mode: the counters move by 2000 allocations and 1000 frees
# during a 1 s interval, 90 % of them fast (the file changes halfway).
delta=$(tree good)
d=$delta/sys/kernel/sheafcache/example_flow
{
	sleep 0.5
	echo "2700 C0=1600 C1=1100" > "$d/alloc_fast.new"
	echo "300 C1=300" > "$d/alloc_slow.new"
	echo "1950 C0=1950" > "$d/free_fast.new"
	mv "$d/alloc_fast.new" "$d/alloc_fast"
	mv "$d/alloc_slow.new" "$d/alloc_slow"
	mv "$d/free_fast.new" "$d/free_fast"
} &
expect "delta mode: rates and hit ratios of the interval" 0 \
	'^example_flow +64 +60 +120 +4 +7680 +2000 +1000 +90\.0 +100\.0 +0 +0 +0\.0 +0$' \
	"$bin" --root "$delta" -d 1 --once
wait

echo "# sheafstat: $((nr - failed)) passed, $failed failed"
[ "$failed" = 0 ]
