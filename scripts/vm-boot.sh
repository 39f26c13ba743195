#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one QEMU guest on a busybox initramfs, run a test script in it and
# power it off. Modules are only ever loaded here, never into the host
# (make bench HOST=1 being the one, explicit, exception: scripts/bench.sh).
#
# The serial console (kernel log and the script's output) goes to LOGFILE.
# The guest's /init prints SHEAFCACHE_TAINT=<taint> and SHEAFCACHE_DONE
# after the script; scripts/ktap.sh judges the log. Exits non-zero when the
# guest timed out or never reached SHEAFCACHE_DONE.
#
# SHEAFCACHE_ACCEL=tcg|kvm in the environment skips the KVM probe;
# --probe only prints what the probe found (kvm or tcg), so that a caller
# that boots many guests (check.sh) probes once.
set -euo pipefail

usage() {
	cat >&2 <<-'EOF'
	usage: vm-boot.sh --kernel BZIMAGE --modules DIR --script GUEST_SH
	                  --log LOGFILE [--smp N] [--nodes N] [--mem MB] [--icount]
	                  [--append ARGS] [--timeout S] [--files DIR]
	       vm-boot.sh --probe --kernel BZIMAGE
	EOF
	exit 2
}

kernel='' modules='' script='' log='' files='' append=''
smp=2 nodes=2 mem=1024 icount=0 timeout_s=600 probe=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel)  kernel=$2; shift ;;
	--modules) modules=$2; shift ;;
	--script)  script=$2; shift ;;
	--log)     log=$2; shift ;;
	--smp)     smp=$2; shift ;;
	--nodes)   nodes=$2; shift ;;
	--mem)     mem=$2; shift ;;
	--icount)  icount=1 ;;
	--append)  append=$2; shift ;;
	--timeout) timeout_s=$2; shift ;;
	--files)   files=$2; shift ;;
	--probe)   probe=1 ;;
	*) usage ;;
	esac
	shift
done
if [ "$probe" = 1 ]; then
	[ -n "$kernel" ] || usage
else
	{ [ -n "$kernel" ] && [ -n "$modules" ] && [ -n "$script" ] && [ -n "$log" ]; } ||
		usage
fi
[ -r "$kernel" ] || { echo "vm-boot: cannot read kernel $kernel" >&2; exit 2; }

# probe_accel: kvm if KVM really runs a guest, else tcg. On these machines
# /dev/kvm exists but the guest never gets past the BIOS and the kernel's
# setup code: qemu sits there until killed, sometimes after printing "KVM
# internal error". Where KVM works, the kernel reaches its "no root" panic
# (no initramfs) in a few seconds. So watch qemu's output and stop it at
# either message, or after 20 s.
probe_accel() {
	local out pid i accel=tcg

	[ -w /dev/kvm ] || { echo tcg; return; }
	out=$(mktemp "${TMPDIR:-/tmp}/vm-probe.XXXXXX")
	qemu-system-x86_64 -accel kvm -cpu max -m 256 -nographic -no-reboot \
		-nic none -kernel "$kernel" -append 'console=ttyS0 panic=-1' \
		</dev/null > "$out" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		if grep -q 'Kernel panic' "$out"; then
			accel=kvm
			break
		fi
		grep -qE 'KVM internal error|^qemu-system-x86_64: ' "$out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$out"
	echo "$accel"
}

if [ "$probe" = 1 ]; then
	probe_accel
	exit 0
fi
[ -d "$modules" ] || { echo "vm-boot: no module dir $modules" >&2; exit 2; }
[ -r "$script" ] || { echo "vm-boot: cannot read $script" >&2; exit 2; }
busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
	echo "vm-boot: need a static busybox: apt-get install busybox-static" >&2
	exit 2
fi
kmod=$(command -v kmod || echo /usr/bin/kmod)
[ -x "$kmod" ] || { echo "vm-boot: need kmod: apt-get install kmod" >&2; exit 2; }

# icount makes guest time count instructions; it needs one vCPU and the
# single-threaded TCG.
if [ "$icount" = 1 ]; then
	smp=1 nodes=1
fi
if [ "$nodes" -lt 1 ] || [ $((smp % nodes)) -ne 0 ] ||
   [ $((mem % nodes)) -ne 0 ]; then
	echo "vm-boot: --smp $smp and --mem $mem must split evenly over" \
	     "--nodes $nodes" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vm-boot.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The initramfs: busybox, kmod, the flattened modules, the script and
# /init. The kernel's built-in initramfs already holds /dev/console, so no
# device node (which would need root to create) has to be packed here.
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,modules,files}
cp "$busybox" "$root/bin/busybox"
find "$modules" -name '*.ko' -exec cp {} "$root/modules/" \;
# sheafstat, if built beside the modules (build-modules.sh links it
# statically).
[ ! -x "$modules/sheafstat" ] || cp "$modules/sheafstat" "$root/bin/"

# kmod comes along with its libraries: busybox's insmod would run a
# failing module's init twice (see scripts/guest/lib.sh, which every
# script gets in front of it).
cp "$kmod" "$root/bin/kmod"
ldd "$kmod" | grep -o '/[^ ]*' | xargs -I{} cp -L --parents {} "$root/"
for t in insmod rmmod lsmod modinfo; do
	ln -s /bin/kmod "$root/sbin/$t"
done
cat "$(dirname "$0")/guest/lib.sh" "$script" > "$root/test.sh"
[ -z "$files" ] || cp -r "$files/." "$root/files/"
cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
echo "SHEAFCACHE_INIT uptime=$(cut -d' ' -f1 /proc/uptime)"
cd /
sh /test.sh
echo "SHEAFCACHE_TAINT=$(cat /proc/sys/kernel/tainted)"
echo SHEAFCACHE_DONE
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$work/initrd"

# KVM is used only where it really runs a guest (see probe_accel).
accel=${SHEAFCACHE_ACCEL:-}
if [ -z "$accel" ]; then
	accel=tcg
	[ "$icount" = 1 ] || accel=$(probe_accel)
fi

# Without ACPI PCI hotplug the guest's ACPI setup takes half as long,
# which is seconds under TCG.
args=(-m "$mem" -cpu max -nographic -no-reboot -nic none
      -global PIIX4_PM.acpi-pci-hotplug-with-bridge-support=off
      -global PIIX4_PM.acpi-root-pci-hotplug=off
      -kernel "$kernel" -initrd "$work/initrd")
# shellcheck disable=SC2054 # qemu's options take commas
if [ "$icount" = 1 ]; then
	args+=(-accel tcg -icount shift=0,sleep=off)
elif [ "$accel" = kvm ]; then
	args+=(-accel kvm)
else
	args+=(-accel tcg,thread=multi)
fi

# One socket per NUMA node: vCPUs of one socket spread over two nodes make
# the guest WARN in topology_sane() and taint itself.
args+=(-smp "$smp,sockets=$nodes,cores=$((smp / nodes)),threads=1")
if [ "$nodes" -gt 1 ]; then
	per=$((smp / nodes))
	for ((n = 0; n < nodes; n++)); do
		args+=(-object "memory-backend-ram,id=mem$n,size=$((mem / nodes))M"
		       -numa "node,nodeid=$n,memdev=mem$n,cpus=$((n * per))-$((n * per + per - 1))")
	done
fi

# No panic_on_oops: an oops must not stop the run, so that the script goes
# on and the log shows everything. panic=-1 reboots at once on a panic,
# which -no-reboot turns into an exit.
cmdline="console=ttyS0 loglevel=7 panic=-1 $append"

mkdir -p "$(dirname "$log")"
start=$(date +%s%N)
rc=0
timeout "$timeout_s" qemu-system-x86_64 "${args[@]}" -append "$cmdline" \
	</dev/null 2>&1 | tr -d '\r' > "$log" || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
init=$(sed -n 's/.*SHEAFCACHE_INIT uptime=\([0-9.]*\).*/\1/p' "$log" | head -1)

printf 'vm-boot: %s (%s, smp %s, nodes %s): /init at %s s, done in %d.%02d s wall\n' \
	"$(basename "$kernel")" "$( [ "$icount" = 1 ] && echo icount || echo "$accel")" \
	"$smp" "$nodes" "${init:-?}" $((ms / 1000)) $((ms % 1000 / 10))
if [ "$rc" = 124 ]; then
	echo "vm-boot: guest timed out after $timeout_s s, see $log" >&2
	exit 1
fi
if ! grep -q SHEAFCACHE_DONE "$log"; then
	echo "vm-boot: guest never reached SHEAFCACHE_DONE (qemu rc $rc), see $log" >&2
	exit 1
fi
