#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: style checks, then for every target kernel a W=1 build, a
# sparse pass and a QEMU boot that loads the modules and runs their KTAP
# selftests (scripts/guest/check.sh). Each check counts as one result, each
# KTAP case as one more. The last line is "N passed, N failed"; any failure
# makes the exit status non-zero. Logs are under build/<kernel>/.
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/lib.sh

passed=0 failed=0 nr=0 summary=

# result OK NAME: one KTAP-like line, counted in the totals.
result() {
	nr=$((nr + 1))
	if [ "$1" = 0 ]; then
		echo "ok $nr $2"
		passed=$((passed + 1))
	else
		echo "not ok $nr $2"
		failed=$((failed + 1))
	fi
}

# run NAME CMD...: run CMD quietly as one result; its output is shown only
# when it fails.
run() {
	local name=$1 out rc=0

	shift
	out=$("$@" 2>&1) || rc=$?
	[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -n 40 | sed 's/^/    /'
	result "$rc" "$name"
}

# The target kernels, one line each:
#   KERNEL=<bzImage> KDIR=<build tree> SMP=<n> NODES=<n> [NAME=<name>]
#   [MEM=<MiB>] [TIMEOUT=<s>] [APPEND=<kernel args, the rest of the line>]
# The Debian kernels come first; an executable scripts/debug-kernel.sh adds
# its own lines (it builds its kernel first, and its failure is ours).
debian_kernels() {
	local series rel

	for series in 6.1 6.12; do
		rel=$(debian_release "$series") || return 1
		echo "KERNEL=/boot/vmlinuz-$rel KDIR=/lib/modules/$rel/build SMP=2 NODES=2 NAME=$rel"
	done
}

# Every guest boots with slab debugging on the selftest's accounting
# caches: /sys/kernel/slab/<cache>/objects then counts exactly.
append='slub_debug=FZP,sc_st_acct*'

# field KEY LINE: the value of KEY=VALUE in LINE.
field() {
	sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<< "$2"
}

# style: checkpatch --strict on every C file and header of the project.
style() {
	local cp

	cp=$(checkpatch_dir)
	find . \( -path ./build -o -path ./.git \) -prune -o \
		-type f -name '*.[ch]' ! -name '*.mod.c' -print | sort |
		xargs -r "$cp/checkpatch.pl" --strict --no-tree --terse \
			--show-types --quiet -f
}

# sparse KDIR SRC: sparse over every file; any warning fails.
sparse_check() {
	local log=$2/../sparse.log

	make -C "$1" M="$2" modules W=1 C=2 > "$log" 2>&1 || { cat "$log"; return 1; }
	! grep -iE 'warning:|error:' "$log"
}

# tag KEY SCRIPT [VARIANT]: the value of a "# scenario: KEY=VALUE" line
# in SCRIPT; "KEY[VARIANT]=VALUE" takes precedence for that variant.
tag() {
	local v=''

	# sed -n 1p, not head: head closing the pipe early fails the pipeline
	# under pipefail.
	[ -z "${3:-}" ] ||
		v=$(sed -n "s/^# scenario: $1\\[$3\\]=//p" "$2" | sed -n 1p)
	[ -n "$v" ] || v=$(sed -n "s/^# scenario: $1=//p" "$2" | sed -n 1p)
	printf '%s' "$v"
}

# boot_and_judge LINE OUT SCRIPT NAME [VARIANT]: boot the kernel of LINE
# with the modules built in OUT, run SCRIPT in the guest and count its
# results. SCRIPT's "# scenario:" lines may set smp, nodes, mem, timeout,
# append, expect-warn (a regex: exactly one such WARNING is expected) and
# min-docs (KTAP documents expected, default 1). A VARIANT is passed on
# the kernel command line as sheafcache_variant=VARIANT.
boot_and_judge() {
	local kernel=$(field KERNEL "$1") out=$2 script=$3 name=$4 var=${5:-}
	local log=$out/$name.log boot ktap p f v opts=()

	v=$(tag expect-warn "$script" "$var")
	[ -z "$v" ] || opts+=(--expect-warn "$v")
	boot=$(scripts/vm-boot.sh --kernel "$kernel" --modules "$out/src" \
		--script "$script" --log "$log" \
		--smp "$(tag smp "$script" | grep . || field SMP "$1")" \
		--nodes "$(tag nodes "$script" | grep . || field NODES "$1")" \
		--mem "$(tag mem "$script" | grep . || field MEM "$1" | grep . || echo 1024)" \
		--timeout "$(tag timeout "$script" | grep . || field TIMEOUT "$1" | grep . || echo 600)" \
		--append "$append ${var:+sheafcache_variant=$var} $(tag append "$script" "$var") $(sed -n 's/.*APPEND=//p' <<< "$1")" 2>&1) || true
	# A failed boot shows in the log: ktap.sh then misses SHEAFCACHE_DONE.
	sed 's/^/# /' <<< "$boot"

	ktap=$(scripts/ktap.sh "${opts[@]}" --min-docs "$(tag min-docs "$script" | grep . || echo 1)" \
		--name "$name" "$log") || true
	printf '%s\n' "$ktap" | sed '$d'
	ktap=$(tail -n 1 <<< "$ktap")
	read -r p f <<< "$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' <<< "$ktap")"
	[ -n "$f" ] || { p=0 f=1; }
	passed=$((passed + p))
	failed=$((failed + f))
	echo "# $ktap"
	summary+="$ktap; $(sed -n 's/^vm-boot: [^:]*: //p' <<< "$boot" | head -n 1)"$'\n'
}

# wanted SCRIPT NAME [VARIANT]: whether SCRIPT's "# scenario: kernels="
# (all, debian or debug; default all) includes kernel NAME.
wanted() {
	case $(tag kernels "$1" "${3:-}") in
	'' | all) true ;;
	debug) [[ $2 == debug* ]] ;;
	debian) [[ $2 != debug* ]] ;;
	*) false ;;
	esac
}

# test_kernel LINE: build, sparse and boot one target kernel: the main
# check, then every scripts/guest/scenario-*.sh in a boot of its own, or
# one boot per variant where it lists "# scenario: variants=A B ...".
test_kernel() {
	local kdir name out s v vars

	kdir=$(field KDIR "$1")
	name=$(field NAME "$1")
	[ -n "$name" ] || name=$(cat "$kdir/include/config/kernel.release" 2>/dev/null ||
				 basename "$kdir")
	out=$top/build/$name
	echo "# $name"
	run "build $name" scripts/build-modules.sh "$kdir" "$out"
	if [ ! -f "$out/src/sheafcache.ko" ]; then
		summary+="$name: not booted, the build failed"$'\n'
		return
	fi
	run "sparse $name" sparse_check "$kdir" "$out/src"

	boot_and_judge "$1" "$out" scripts/guest/check.sh "$name"
	for s in scripts/guest/scenario-*.sh; do
		[ -e "$s" ] || continue
		vars=$(tag variants "$s")
		for v in ${vars:--}; do
			[ "$v" != - ] || v=
			wanted "$s" "$name" "$v" || continue
			boot_and_judge "$1" "$out" "$s" \
				"$name-$(basename "$s" .sh)${v:+-$v}" "$v"
		done
	done
}

ensure_packages $SHEAFCACHE_PKGS
kernels=$(debian_kernels) || result 1 "find the Debian kernels"
# debug-kernel.sh prints KEY=VALUE lines, one per line or all on one line:
# join them into one kernel line.
if [ -x scripts/debug-kernel.sh ]; then
	rc=0
	dbg=$(scripts/debug-kernel.sh) || rc=$?
	dbg=$(grep -E '^[A-Z]+=' <<< "$dbg" | tr '\n' ' ' || true)
	[ -n "$dbg" ] || rc=1
	result "$rc" "debug kernel"
	if [ "$rc" = 0 ]; then
		grep -q 'NAME=' <<< "$dbg" ||
			dbg+=" NAME=debug-$(cat "$(field KDIR "$dbg")/include/config/kernel.release")"
		kernels+=$'\n'$dbg
	fi
fi

run "checkpatch" style
while read -r line <&3; do
	[ -z "$line" ] || test_kernel "$line"
done 3<<< "$kernels"

echo
printf '%s' "$summary"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
