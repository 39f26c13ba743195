#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build every module of the project against one kernel.
#
# usage: build-modules.sh KDIR OUTDIR
#
# The sources are copied into OUTDIR/src and built there with W=1, so that
# each kernel has its own objects and two kernels never clobber each other.
# Only files whose contents changed are copied, which keeps the build
# incremental. Any compiler or modpost warning fails the build. The .ko
# files stay under OUTDIR/src; the log is OUTDIR/build.log.
set -euo pipefail
export LC_ALL=C

[ $# -eq 2 ] || { echo "usage: $0 KDIR OUTDIR" >&2; exit 2; }
kdir=$1
out=$2
top=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$kdir/Makefile" ] || { echo "build-modules: no kernel build tree at $kdir" >&2; exit 2; }

# The project's sources: C files, headers and kbuild files, anywhere but in
# build outputs. Generated *.mod.c files are not sources.
sources() {
	(cd "$top" && find . \( -path ./build -o -path ./.git \) -prune -o \
		-type f \( -name '*.[ch]' -o -name Kbuild -o -name Makefile \) \
		! -name '*.mod.c' -print | sed 's|^\./||' | sort)
}

src=$out/src
mkdir -p "$src"
sources > "$out/sources"
while read -r f; do
	if ! cmp -s "$top/$f" "$src/$f"; then
		mkdir -p "$src/$(dirname "$f")"
		cp "$top/$f" "$src/$f"
	fi
done < "$out/sources"
# Drop sources that are gone from the project, so that they do not linger
# in the copy.
(cd "$src" && find . -type f \( -name '*.[ch]' -o -name Kbuild -o -name Makefile \) \
	! -name '*.mod.c' -print | sed 's|^\./||') | sort |
	comm -23 - "$out/sources" | (cd "$src" && xargs -r rm -f --)

log=$out/build.log
rc=0
make -C "$kdir" M="$(cd "$src" && pwd)" modules W=1 > "$log" 2>&1 || rc=$?
if [ "$rc" != 0 ] || grep -qi 'warning:' "$log"; then
	grep -iE 'warning:|error' "$log" | head -n 50 >&2 || true
	echo "build-modules: build against $kdir failed or warned, see $log" >&2
	# A warning from an object that is not rebuilt next time would
	# otherwise go unseen: start from scratch then.
	rm -rf "$src"
	exit 1
fi
find "$src" -name '*.ko' | sort
