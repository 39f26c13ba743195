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
# An out-of-tree module that builds on 6.1 and 6.12 needs version checks,
# so LINUX_VERSION_CODE is the one type let through.
style() {
	local cp

	cp=$(checkpatch_dir)
	find . \( -path ./build -o -path ./.git \) -prune -o \
		-type f -name '*.[ch]' ! -name '*.mod.c' -print | sort |
		xargs -r "$cp/checkpatch.pl" --strict --no-tree --terse \
			--show-types --quiet --ignore LINUX_VERSION_CODE -f
}

# sparse KDIR SRC: sparse over every file; any warning fails.
sparse_check() {
	local log=$2/../sparse.log

	make -C "$1" M="$2" modules W=1 C=2 > "$log" 2>&1 || { cat "$log"; return 1; }
	! grep -iE 'warning:|error:' "$log"
}

# test_kernel LINE: build, sparse and boot one target kernel.
test_kernel() {
	local kernel kdir name out boot log ktap p f

	kernel=$(field KERNEL "$1")
	kdir=$(field KDIR "$1")
	name=$(field NAME "$1")
	[ -n "$name" ] || name=$(cat "$kdir/include/config/kernel.release" 2>/dev/null ||
				 basename "$kdir")
	out=$top/build/$name
	log=$out/check.log
	echo "# $name"
	run "build $name" scripts/build-modules.sh "$kdir" "$out"
	if [ ! -f "$out/src/sheafcache.ko" ]; then
		summary+="$name: not booted, the build failed"$'\n'
		return
	fi
	run "sparse $name" sparse_check "$kdir" "$out/src"

	boot=$(scripts/vm-boot.sh --kernel "$kernel" --modules "$out/src" \
		--script scripts/guest/check.sh --log "$log" \
		--smp "$(field SMP "$1")" --nodes "$(field NODES "$1")" \
		--mem "$(field MEM "$1" | grep . || echo 1024)" \
		--timeout "$(field TIMEOUT "$1" | grep . || echo 600)" \
		--append "$append $(sed -n 's/.*APPEND=//p' <<< "$1")" 2>&1) || true
	# A failed boot shows in the log: ktap.sh then misses SHEAFCACHE_DONE.
	sed 's/^/# /' <<< "$boot"

	ktap=$(scripts/ktap.sh --min-docs 2 --name "$name" "$log") || true
	printf '%s\n' "$ktap" | sed '$d'
	ktap=$(tail -n 1 <<< "$ktap")
	read -r p f <<< "$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' <<< "$ktap")"
	[ -n "$f" ] || { p=0 f=1; }
	passed=$((passed + p))
	failed=$((failed + f))
	echo "# $ktap"
	summary+="$ktap; $(sed -n 's/^vm-boot: [^:]*: //p' <<< "$boot" | head -n 1)"$'\n'
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
