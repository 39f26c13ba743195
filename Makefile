# SPDX-License-Identifier: GPL-2.0
#
# make                 build every module against KDIR, and tools/sheafstat
# make check           build and test on every target kernel in QEMU;
#                      KERNELS="6.12 debug-rt" picks some (see scripts/check.sh)
# make deb             the Debian package sheafcache-dkms, into build/deb
# make dkms-install    (root) add, build and install sheafcache with DKMS
#                      for the running kernel (KERNELVER=... for another)
# make dkms-uninstall  (root) remove it from DKMS again
# make run             the demo: one VM, the example module, its statistics
# make bench           benchmarks in QEMU, report under bench/report/;
#                      HOST=1 loads them into the running kernel instead
#                      (never by default; see scripts/bench.sh)
#
# KDIR defaults to the running kernel's build tree.

KDIR ?= /lib/modules/$(shell uname -r)/build
PWD := $(CURDIR)

all: modules sheafstat

modules:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

# A host program, built apart from kbuild.
sheafstat:
	$(MAKE) -C tools/sheafstat

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean
	$(MAKE) -C tools/sheafstat clean

deb:
	bash scripts/deb.sh build

dkms-install:
	KERNELVER='$(KERNELVER)' bash scripts/deb.sh dkms-install

dkms-uninstall:
	bash scripts/deb.sh dkms-uninstall

check:
	KERNELS='$(KERNELS)' bash scripts/check.sh

run:
	bash scripts/run-demo.sh

bench:
	HOST='$(HOST)' bash scripts/bench.sh

.PHONY: all modules sheafstat clean check run bench deb dkms-install dkms-uninstall
