#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# trixie-root.sh - create (once) and locate the trixie root that builds
# modules for Debian's 7.3 kernels, and those kernels' images.
#
# usage: trixie-root.sh
#
# Debian's 7.3 kernels come from trixie-backports. Their headers' kbuild
# tools link against trixie's glibc and the kernels were built with
# gcc-14, so a Debian 12 host cannot build modules for them itself:
# modules are built inside a debootstrapped trixie root, cached in
#
#   ${SHEAFCACHE_CACHE:-$HOME/.cache/sheafcache}/trixie-root/r<RECIPE>
#
# with make, gcc-14, sparse and the headers of both 7.3 flavours (generic
# and PREEMPT_RT), and each flavour's bzImage at /boot/vmlinuz-<release>.
# A new root is made in a temporary directory and renamed into place only
# when complete, so an interrupted run is never reused; concurrent callers
# serialise on a lock file. Every run installs what a cached root lacks
# and mounts /proc in it (objtool reads it), which takes a second or two.
# The Debian mirror is the host's own, read from its apt sources.
#
# Output contract (parsed by check.sh): on success, one line per kernel on
# stdout, generic first, in check.sh's kernel-line format:
#
#   KERNEL=<root>/boot/vmlinuz-<release> KDIR=/usr/lib/modules/<release>/build
#   CHROOT=<root> SMP=2 NODES=2 ID=7.3|7.3-rt NAME=<release> SPARSE=7.3
#
# KDIR is a path inside CHROOT (see build-modules.sh --chroot). Progress
# goes to stderr. Needs root (debootstrap, chroot, mount).
#
# Environment:
#   SHEAFCACHE_CACHE  cache root (default $HOME/.cache/sheafcache)
set -euo pipefail
export LC_ALL=C

# Keep stdout for the contract only.
exec 3>&1 1>&2

readonly SUITE=trixie
readonly SERIES=7.3
# Bump when the recipe below changes in a way that needs a new root.
readonly RECIPE=1
readonly TOOLS="make gcc-14 gcc sparse dkms openssl"

log() { echo "trixie-root: $*" >&2; }
die() { echo "trixie-root: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot and mount)"

cache=${SHEAFCACHE_CACHE:-$HOME/.cache/sheafcache}
mkdir -p "$cache/trixie-root"
base=$(cd "$cache/trixie-root" && pwd -P)
dir=$base/r$RECIPE

# host_mirror: the host's Debian archive (not its security archive), from
# its deb822 sources or else sources.list: a mirror may be local or
# pinned, so none is written into the tree.
host_mirror() {
	local m

	m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n 's/^URIs:[[:space:]]*//p' | tr -s ' \t' '\n' |
		grep -v security | grep . | sed -n 1p || true)
	[ -n "$m" ] || m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' |
		grep -v security | sed -n 1p || true)
	[ -n "$m" ] || die "no Debian mirror in /etc/apt/sources.list{,.d/*}"
	echo "$m"
}

# mount_proc ROOT: /proc in ROOT, once; objtool and apt read it.
mount_proc() {
	mountpoint -q "$1/proc" || mount -t proc proc "$1/proc"
}

# umount_all ROOT: whatever is mounted under ROOT (debootstrap mounts
# /proc and /sys in its target and an interrupted one leaves them), the
# deepest first, so that removing ROOT touches only its own files.
umount_all() {
	local m

	awk -v r="$1/" 'index($2 "/", r) == 1 { print $2 }' /proc/mounts |
		sort -r | while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m"
		done
}

# in_root ROOT CMD...: CMD inside ROOT, non-interactively.
in_root() {
	local r=$1

	shift
	DEBIAN_FRONTEND=noninteractive chroot "$r" "$@"
}

# release ROOT: the newest $SERIES release in ROOT's package lists, e.g.
# 7.3.4+deb13, found once and then kept in ROOT so that a cached root
# keeps its kernels when backports moves on.
release() {
	local f=$1/etc/sheafcache-release rel

	if [ ! -s "$f" ]; then
		rel=$(in_root "$1" apt-cache search --names-only \
			"^linux-headers-${SERIES//./\\.}\\.[0-9.]+\\+deb[0-9]+-amd64\$" |
			sed -n 's/^linux-headers-\([^ ]*\)-amd64 .*/\1/p' | sort -V | tail -n 1)
		[ -n "$rel" ] || die "no linux-headers-$SERIES.*-amd64 in $SUITE-backports"
		echo "$rel" > "$f.tmp"
		mv "$f.tmp" "$f"
	fi
	cat "$f"
}

# complete ROOT: install what ROOT lacks (tools, headers, bzImages). The
# package lists are fetched only when something is missing.
complete() {
	local r=$1 rel p fl missing=() dl updated=

	if [ ! -s "$r/etc/sheafcache-release" ]; then
		in_root "$r" apt-get update -qq || die "apt-get update in $r failed"
		updated=1
	fi
	rel=$(release "$r")
	for p in $TOOLS linux-headers-$rel-amd64 linux-headers-$rel-rt-amd64; do
		# shellcheck disable=SC2016 # a dpkg-query format
		in_root "$r" dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]} in $r"
		[ -n "$updated" ] || in_root "$r" apt-get update -qq ||
			die "apt-get update in $r failed"
		updated=1
		in_root "$r" apt-get install -y -qq --no-install-recommends \
			-t "$SUITE-backports" "${missing[@]}" > /dev/null ||
			die "apt-get install ${missing[*]} in $r failed"
	fi
	# linux-image-<release> is a metapackage: the bzImage is in
	# linux-binary-<release>, taken apart here rather than installed,
	# which would run initramfs and bootloader hooks for nothing.
	for fl in amd64 rt-amd64; do
		[ ! -s "$r/boot/vmlinuz-$rel-$fl" ] || continue
		log "fetching the $rel-$fl bzImage"
		[ -n "$updated" ] || in_root "$r" apt-get update -qq ||
			die "apt-get update in $r failed"
		updated=1
		dl=/var/tmp/sheafcache-dl
		rm -rf "${r:?}$dl"
		mkdir -p "$r$dl/x"
		# apt fetches as _apt, which must be able to write there.
		chmod 1777 "$r$dl"
		in_root "$r" sh -c "cd $dl && apt-get download -qq -t $SUITE-backports linux-binary-$rel-$fl" ||
			die "apt-get download linux-binary-$rel-$fl failed"
		dpkg-deb -x "$r$dl"/linux-binary-*.deb "$r$dl/x"
		[ -s "$r$dl/x/usr/lib/modules/$rel-$fl/vmlinuz" ] ||
			die "linux-binary-$rel-$fl has no usr/lib/modules/$rel-$fl/vmlinuz"
		mkdir -p "$r/boot"
		cp "$r$dl/x/usr/lib/modules/$rel-$fl/vmlinuz" "$r/boot/.vmlinuz-$rel-$fl.tmp"
		mv "$r/boot/.vmlinuz-$rel-$fl.tmp" "$r/boot/vmlinuz-$rel-$fl"
		rm -rf "${r:?}$dl"
	done
	[ -z "$updated" ] || in_root "$r" apt-get clean
}

# emit ROOT: the contract.
emit() {
	local rel fl

	rel=$(cat "$1/etc/sheafcache-release")
	for fl in '' rt; do
		printf 'KERNEL=%s KDIR=%s CHROOT=%s SMP=2 NODES=2 ID=%s NAME=%s SPARSE=%s\n' \
			"$1/boot/vmlinuz-$rel-${fl:+$fl-}amd64" \
			"/usr/lib/modules/$rel-${fl:+$fl-}amd64/build" "$1" \
			"$SERIES${fl:+-$fl}" "$rel-${fl:+$fl-}amd64" "$SERIES" >&3
	done
}

exec 9>"$base/r$RECIPE.lock"
flock 9

if [ ! -d "$dir" ]; then
	command -v debootstrap > /dev/null || {
		log "installing debootstrap on the host"
		apt-get update -qq || die "apt-get update failed"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends debootstrap > /dev/null ||
			die "apt-get install debootstrap failed"
	}
	mirror=$(host_mirror)
	# Leftovers of interrupted runs (we hold the lock).
	for t in "$base/.tmp-r$RECIPE".*; do
		[ -e "$t" ] || continue
		umount_all "$t"
		rm -rf --one-file-system "$t"
	done
	tmp=$(mktemp -d "$base/.tmp-r$RECIPE.XXXXXX")
	chmod 755 "$tmp"
	trap 'umount_all "$tmp"; rm -rf --one-file-system "$tmp"' EXIT
	trap 'exit 130' INT TERM HUP
	start=$(date +%s)
	log "debootstrapping $SUITE from $mirror into $dir (about a minute)"
	debootstrap --variant=minbase "$SUITE" "$tmp" "$mirror" > "$base/debootstrap.log" 2>&1 ||
		die "debootstrap failed, see $base/debootstrap.log"
	echo "deb $mirror $SUITE-backports main" > "$tmp/etc/apt/sources.list.d/backports.list"
	mount_proc "$tmp"
	complete "$tmp"
	umount_all "$tmp"
	mv "$tmp" "$dir"
	trap - EXIT
	log "created in $(($(date +%s) - start)) s"
fi
mount_proc "$dir"
complete "$dir"
emit "$dir"
