# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the host scripts (check.sh, run-demo.sh, bench.sh,
# debug-kernel.sh, build-modules.sh); sourced, not run.
# shellcheck shell=bash disable=SC2034

# What the QEMU tests need beyond gcc, make and git: Debian's 6.1 and 6.12
# kernels, generic and PREEMPT_RT, and 6.12's cloud flavour, with their
# headers. The 7.3 kernels live in a trixie root (scripts/trixie-root.sh).
SHEAFCACHE_PKGS="linux-image-amd64 linux-headers-amd64 linux-image-6.12-amd64
	linux-headers-6.12-amd64 linux-image-rt-amd64 linux-headers-rt-amd64
	linux-image-6.12-rt-amd64 linux-headers-6.12-rt-amd64
	linux-image-6.12-cloud-amd64 linux-headers-6.12-cloud-amd64 linux-source-6.12
	qemu-system-x86 busybox-static cpio kmod sparse perl xz-utils
	python3-sphinx dkms dh-dkms debhelper dpkg-dev fakeroot"

# ensure_packages PKG...: install what is missing, as root; otherwise say
# exactly what to install and fail.
ensure_packages() {
	local p missing=()

	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing packages; as root run:" >&2
		echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
		return 1
	fi
	echo "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" > /dev/null
}

# debian_release SERIES [FLAVOUR]: the newest installed Debian kernel of
# SERIES (6.1, 6.12) and FLAVOUR (none: the generic one; rt: PREEMPT_RT;
# cloud) that has a build tree, e.g. 6.12.117+deb12-amd64 or
# 6.12.117+deb12-rt-amd64.
debian_release() {
	local v rel=''

	for v in /boot/vmlinuz-"$1".*-"${2:+$2-}"amd64; do
		v=${v#/boot/vmlinuz-}
		case ${2:-}:$v in
		:*-cloud-amd64 | :*-rt-amd64) continue ;;
		esac
		[ -f "/lib/modules/$v/build/Makefile" ] && rel+="$v"$'\n'
	done
	rel=$(printf '%s' "$rel" | sort -V | tail -n 1)
	[ -n "$rel" ] ||
		{ echo "no Debian $1${2:+-$2} kernel with headers" >&2; return 1; }
	echo "$rel"
}

# source_tarball: the tarball linux-source-6.12 puts in /usr/src, whatever
# its compression; its top directory is its name without .tar.*. Fails,
# saying so, when the package is not installed.
source_tarball() {
	local t

	t=$(find /usr/src -maxdepth 1 -name 'linux-source-6.12.tar.*' | sort | sed -n 1p)
	[ -n "$t" ] || {
		echo "no /usr/src/linux-source-6.12.tar.*: install linux-source-6.12" >&2
		return 1
	}
	echo "$t"
}

# checkpatch_dir: checkpatch.pl and the data files it reads, extracted once
# from linux-source-6.12 into build/tools.
checkpatch_dir() {
	local dir tarball src

	dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/tools
	if [ ! -x "$dir/checkpatch.pl" ]; then
		tarball=$(source_tarball) || return 1
		src=$(basename "$tarball")
		src=${src%%.tar.*}/scripts
		mkdir -p "$dir"
		tar -xf "$tarball" -C "$dir" --strip-components=2 \
			"$src/checkpatch.pl" "$src/spelling.txt" \
			"$src/const_structs.checkpatch"
	fi
	echo "$dir"
}

# field KEY LINE: the value of KEY=VALUE in LINE.
field() {
	sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<< "$2"
}

# chroot_src ROOT OUTDIR: the path inside ROOT where a build there keeps
# OUTDIR's copy of the sources: OUTDIR's host path under
# /var/tmp/sheafcache, so that two worktrees never share one.
chroot_src() {
	echo "/var/tmp/sheafcache$(cd "$2" && pwd -P)/src"
}

# kmake ROOT KDIR SRC ARG...: make the external modules in SRC against
# KDIR: on the host when ROOT is empty, else inside ROOT (KDIR and SRC are
# then paths in ROOT), whose kbuild tools do not run on the host, with the
# compiler that built the kernel, as its .config names it: the headers'
# Makefile would pick plain gcc.
kmake() {
	local root=$1 kdir=$2 src=$3 cc

	shift 3
	if [ -z "$root" ]; then
		make -C "$kdir" M="$src" "$@"
		return
	fi
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ "]*\).*/\1/p' "$root$kdir/.config")
	chroot "$root" make -C "$kdir" M="$src" ${cc:+CC="$cc"} "$@"
}
