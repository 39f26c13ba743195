#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# sheafcache through DKMS, and as the Debian package sheafcache-dkms.
#
# usage: deb.sh build [OUTDIR]     make deb: the package, built with dh
#                                  and dh-dkms in a clean copy of the tree,
#                                  into OUTDIR (default build/deb)
#        deb.sh dkms-install       make dkms-install (root): the sources to
#                                  /usr/src/sheafcache-<version>, the headers
#                                  to /usr/include/sheafcache, then dkms add,
#                                  build and install for KERNELVER (default:
#                                  the running kernel)
#        deb.sh dkms-uninstall     make dkms-uninstall (root): the reverse
#        deb.sh install-sources SRCDIR INCDIR
#                                  what both install (debian/rules uses it)
#
# ROOT (default /) prefixes /usr/src and /usr/include, and DKMS_ARGS are
# passed to every dkms command (--dkmstree and the like), so that a test
# can install into a scratch tree.
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
version=$(cat VERSION)
root=${ROOT:-/}
read -ra dkms_args <<< "${DKMS_ARGS:-}"

# install_sources SRCDIR INCDIR: the core's sources and dkms.conf's
# helper into SRCDIR, the API headers into INCDIR. The test, benchmark
# and example modules are not installed: DKMS builds the core alone.
install_sources() {
	install -d "$1" "$2"
	install -m 0644 Kbuild VERSION ./*.c ./*.h "$1/"
	install -m 0755 dkms-symvers.sh "$1/"
	install -m 0644 sheafcache.h sheafcache_upstream.h "$2/"
}

# clean_copy DIR: the project's files, as a fresh clone has them (what
# git tracks, and new files it does not ignore), copied into DIR.
clean_copy() {
	mkdir -p "$1"
	if git rev-parse --git-dir > /dev/null 2>&1; then
		git ls-files -co --exclude-standard -z | cpio -0pdm --quiet "$1"
	else
		tar -cf - --exclude=./build . | tar -xf - -C "$1"
	fi
}

build() {
	local out=${1:-$top/build/deb} work

	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	work=$(mktemp -d)
	trap 'rm -rf "$work"' RETURN
	clean_copy "$work/sheafcache-$version"
	(cd "$work/sheafcache-$version" && dpkg-buildpackage -b -us -uc) \
		> "$out/build.log" 2>&1 ||
		{ tail -n 30 "$out/build.log"; echo "deb: dpkg-buildpackage failed, see $out/build.log" >&2; return 1; }
	rm -f "$out"/sheafcache-dkms_*.deb
	mv "$work"/sheafcache-dkms_*.deb "$out/"
	ls "$out"/sheafcache-dkms_*.deb
}

dkms_install() {
	local src=$root/usr/src/sheafcache-$version kver=${KERNELVER:-$(uname -r)}

	install_sources "$src" "$root/usr/include/sheafcache"
	sed "s/#MODULE_VERSION#/$version/" dkms.conf > "$src/dkms.conf"
	dkms add "${dkms_args[@]}" -m sheafcache -v "$version"
	dkms build "${dkms_args[@]}" -m sheafcache -v "$version" -k "$kver"
	dkms install "${dkms_args[@]}" -m sheafcache -v "$version" -k "$kver"
}

dkms_uninstall() {
	dkms remove "${dkms_args[@]}" -m sheafcache -v "$version" --all || true
	rm -rf "$root/usr/src/sheafcache-$version" "$root/usr/include/sheafcache"
}

case ${1:-} in
build) build "${2:-}" ;;
dkms-install) dkms_install ;;
dkms-uninstall) dkms_uninstall ;;
install-sources) install_sources "${2:?}" "${3:?}" ;;
*) sed -n 's/^# \{0,1\}//; /^usage/,/^$/p' "$0" >&2; exit 2 ;;
esac
