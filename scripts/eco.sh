# SPDX-License-Identifier: GPL-2.0
#
# The ecosystem checks of make check (scripts/check.sh sources this):
# modinfo, the sheafstat tool on recorded fixtures, kernel-doc and the
# Sphinx documentation, and the DKMS Debian package. Each function is
# one result of check.sh's; sourced, not run.
# shellcheck shell=bash
# shellcheck disable=SC2154 # top, result, skip and run are check.sh's

# modinfo_check KO: the module tells its description, license and the
# version kept in VERSION, and describes every parameter it has.
modinfo_check() {
	local ko=$1 f v types descs

	for f in description license version; do
		v=$(/sbin/modinfo -F "$f" "$ko")
		[ -n "$v" ] || { echo "$ko: no $f"; return 1; }
	done
	v=$(/sbin/modinfo -F version "$ko")
	[ "$v" = "$(cat VERSION)" ] ||
		{ echo "$ko: version $v, VERSION says $(cat VERSION)"; return 1; }
	types=$(/sbin/modinfo -F parmtype "$ko" | cut -d: -f1 | sort)
	descs=$(/sbin/modinfo -F parm "$ko" | cut -d: -f1 | sort)
	[ "$types" = "$descs" ] ||
		{ echo "$ko: parameters without a description:" \
			"$(comm -23 <(echo "$types") <(echo "$descs"))"; return 1; }
	echo "$ko: $v, parameters: $(tr "\n" " " <<< "$types")"
}

# ktap_results PREFIX CMD...: run CMD, which prints KTAP "ok"/"not ok"
# lines, and count each as a result of check.sh's, named PREFIX: NAME;
# its "#" lines are shown under them.
ktap_results() {
	local prefix=$1 line name

	shift
	while IFS= read -r line; do
		case $line in
		"not ok "*)
			name=${line#not ok }
			result 1 "$prefix: ${name#* }"
			;;
		"ok "*" # SKIP "*)
			name=${line#ok }
			name=${name#* }
			skip "$prefix: ${name%% # SKIP *}" "${name#* # SKIP }"
			;;
		"ok "*)
			name=${line#ok }
			result 0 "$prefix: ${name#* }"
			;;
		"# "*) echo "    $line" ;;
		esac
	done < <("$@" 2>&1)
}

# sheafstat_check: build sheafstat statically (the guests run it too) and
# run its fixture tests, a result each.
sheafstat_check() {
	local out=$top/build/tools

	mkdir -p "$out"
	run "sheafstat build" make -s -C tools/sheafstat O="$out" STATIC=1
	[ -x "$out/sheafstat" ] || return 0
	ktap_results sheafstat bash tools/sheafstat/tests/run.sh "$out/sheafstat"
}

# kdoc_dir: the kernel's kernel-doc and Documentation/sphinx/ (its
# kerneldoc extension), extracted once from linux-source-6.12 into
# build/tools/kdoc.
kdoc_dir() {
	local dir tarball src

	dir=$top/build/tools/kdoc
	if [ ! -f "$dir/Documentation/sphinx/kerneldoc.py" ]; then
		tarball=$(source_tarball) || return 1
		src=$(basename "$tarball")
		src=${src%%.tar.*}
		mkdir -p "$dir"
		tar -xf "$tarball" -C "$dir" --strip-components=1 \
			"$src/scripts/kernel-doc" "$src/Documentation/sphinx"
	fi
	echo "$dir"
}

# The sources kernel-doc checks: every C file and header of ours.
kdoc_sources() {
	find . \( -path ./build -o -path ./.git \) -prune -o -type f \
		-name '*.[ch]' ! -name '*.mod.c' -print | sort
}

# kerneldoc_check: scripts/kernel-doc -none -Wall over every header and
# source finds nothing to say.
kerneldoc_check() {
	local dir out

	dir=$(kdoc_dir) || return 1
	out=$(kdoc_sources | xargs perl "$dir/scripts/kernel-doc" -none -Wall 2>&1)
	[ -z "$out" ] || { echo "$out"; return 1; }
}

# sphinx_check: Documentation/sheafcache.rst renders with Debian's Sphinx
# and the kernel's kerneldoc extension, warnings as errors, and every
# function the module exports is documented in it.
sphinx_check() {
	local dir out=$top/build/docs html sym missing='' log

	dir=$(kdoc_dir) || return 1
	rm -rf "$out"
	# kernel-doc's warnings reach the log, not Sphinx's -W: any output
	# fails.
	log=$(SHEAFCACHE_KSPHINX=$dir/Documentation/sphinx \
	      SHEAFCACHE_KERNELDOC=$dir/scripts/kernel-doc \
		sphinx-build -q -W -b html Documentation "$out" 2>&1) ||
		{ echo "$log"; return 1; }
	[ -z "$log" ] || { echo "$log"; return 1; }
	html=$out/sheafcache.html
	while read -r sym; do
		grep -q "id=\"c\\.$sym\"" "$html" || missing+=" $sym"
	done < <(grep -ho 'EXPORT_SYMBOL_GPL([a-z_0-9]*)' ./*.c |
		 sed 's/.*(\(.*\))/\1/' | sort -u)
	[ -z "$missing" ] || { echo "exported but not in $html:$missing"; return 1; }
	echo "rendered $html"
}

# deb_contents DEB: the package holds only its own paths, dkms.conf with
# the version filled in, and the core alone (no test or example module).
deb_contents() {
	local deb=$1 version files bad

	version=$(cat VERSION)
	files=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|; s|/$||')
	bad=$(grep -vE "^(/|/usr|/usr/src|/usr/include|/usr/share|/usr/share/doc)$|^/usr/src/sheafcache-$version(/|$)|^/usr/include/sheafcache(/|$)|^/usr/share/doc/sheafcache-dkms(/|$)" <<< "$files" || true)
	[ -z "$bad" ] || { echo "files outside the package's paths: $bad"; return 1; }
	! grep -qE 'selftest|torture|bench|example' <<< "$files" ||
		{ echo "test modules packaged: $files"; return 1; }
	for f in /usr/src/sheafcache-$version/dkms.conf /usr/src/sheafcache-$version/sheafcache.h \
		 /usr/include/sheafcache/sheafcache.h /usr/include/sheafcache/sheafcache_upstream.h \
		 /usr/share/doc/sheafcache-dkms/copyright /usr/share/doc/sheafcache-dkms/changelog.gz; do
		grep -qx "$f" <<< "$files" || { echo "missing $f"; return 1; }
	done
	dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "./usr/src/sheafcache-$version/dkms.conf" |
		grep -qx "PACKAGE_VERSION=\"$version\"" ||
		{ echo "dkms.conf: no PACKAGE_VERSION=\"$version\""; return 1; }
	[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] ||
		{ echo "package version $(dpkg-deb -f "$deb" Version), VERSION $version"; return 1; }
}

# dkms_build SCRATCH KVER: the package's files in SCRATCH, and DKMS's
# add, build and install for KVER there, as the package's postinst runs
# them, in trees of its own (and its own signing key): the host's DKMS
# state and /lib/modules are not touched.
dkms_build() {
	local s=$1 kver=$2 version trees

	version=$(cat VERSION)
	trees=(--dkmstree "$s/var/lib/dkms" --sourcetree "$s/usr/src"
	       --installtree "$s/lib/modules")
	mkdir -p "$s/var/lib/dkms" "$s/lib/modules/$kver"
	export mok_signing_key=$s/mok.key mok_certificate=$s/mok.pub
	# Added once; then built for each kernel.
	if ! { [ -d "$s/var/lib/dkms/sheafcache/$version" ] ||
	       dkms add "${trees[@]}" -m sheafcache -v "$version"; } ||
	   ! { dkms build "${trees[@]}" -m sheafcache -v "$version" -k "$kver" &&
	       dkms install "${trees[@]}" --no-depmod -m sheafcache -v "$version" -k "$kver"; }; then
		tail -n 20 "$s/var/lib/dkms/sheafcache/$version/build/make.log" 2>/dev/null
		return 1
	fi
	[ -f "$s/var/lib/dkms/sheafcache/kernel-$kver-x86_64/Module.symvers" ] ||
		{ echo "no Module.symvers for clients"; return 1; }
}

# dkms_build_in ROOT KVER: dkms_build for a kernel whose headers are in
# the trixie root ROOT (the 7.3 kernels): the unpacked package copied in
# and DKMS run there, in trees of its own, as the package's postinst
# would run it on such a system.
dkms_build_in() {
	local root=$1 kver=$2 in=/var/tmp/sheafcache-dkms version trees ko

	version=$(cat VERSION)
	trees="--dkmstree $in/var/lib/dkms --sourcetree $in/usr/src --installtree $in/lib/modules"
	rm -rf "${root:?}$in"
	mkdir -p "$root$in/var/lib/dkms" "$root$in/lib/modules/$kver"
	# The package's files only: the host's DKMS trees live beside them.
	cp -a "$dkms_root/usr" "$root$in/"
	# trixie's DKMS takes the headers, and sign-file, from the install tree.
	ln -s "/usr/lib/modules/$kver/build" "$root$in/lib/modules/$kver/build"
	mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
	# shellcheck disable=SC2086 # $trees is split on purpose
	if ! chroot "$root" env mok_signing_key=$in/mok.key mok_certificate=$in/mok.pub \
		sh -c "dkms add $trees -m sheafcache -v $version &&
		       dkms build $trees -m sheafcache -v $version -k $kver &&
		       dkms install $trees --no-depmod -m sheafcache -v $version -k $kver"; then
		tail -n 20 "$root$in/var/lib/dkms/sheafcache/$version/build/make.log" 2>/dev/null
		return 1
	fi
	[ -f "$root$in/var/lib/dkms/sheafcache/kernel-$kver-x86_64/Module.symvers" ] ||
		{ echo "no Module.symvers for clients"; return 1; }
	ko=$(cd "$root" && find ".$in/lib/modules/$kver/" -name 'sheafcache.ko*' | sed -n 1p)
	[ -n "$ko" ] || { echo "no sheafcache.ko installed for $kver"; return 1; }
	# Signed with DKMS's key, as the kernel's module signing wants.
	chroot "$root" modinfo -F signer "${ko#.}" | grep -q . ||
		{ echo "${ko#.} is not signed"; return 1; }
}

# dkms_client SCRATCH KVER: the example module built as a client outside
# the tree, as the documentation's recipe says: the installed headers and
# the DKMS build's Module.symvers, nothing of the project's tree.
dkms_client() {
	local s=$1 kver=$2 c=$1/client

	rm -rf "$c"
	mkdir -p "$c/selftest"
	cp examples/sheafcache_example.c "$c/"
	cp selftest/sc_test.h "$c/selftest/"
	# shellcheck disable=SC2016 # $(src) is kbuild's
	printf 'obj-m += sheafcache_example.o\nccflags-y += -I$(src)\n' > "$c/Kbuild"
	make -C "/lib/modules/$kver/build" M="$c" \
		ccflags-y="-I$s/usr/include/sheafcache" \
		KBUILD_EXTRA_SYMBOLS="$s/var/lib/dkms/sheafcache/kernel-$kver-x86_64/Module.symvers" \
		modules W=1 2>&1 | tee "$c/build.log" | grep -iE 'warning|error' && return 1
	[ -f "$c/sheafcache_example.ko" ]
}

# dkms_package: once per make check, the Debian package from a clean
# tree, its contents checked, unpacked into a scratch root for DKMS.
# Sets dkms_root when that worked.
dkms_root=''
dkms_package() {
	local s=$top/build/dkms deb

	rm -rf "$s"
	mkdir -p "$s"
	run "deb: make deb" bash scripts/deb.sh build "$s/deb"
	deb=$(find "$s/deb" -name 'sheafcache-dkms_*.deb' 2>/dev/null | sed -n 1p)
	[ -n "$deb" ] || return 0
	run "deb: contents" deb_contents "$deb"
	dpkg-deb -x "$deb" "$s/root" && dkms_root=$s/root
}

# dkms_check LINE OUT: DKMS's build of the package for LINE's kernel, as
# the package's postinst does it for every installed kernel's headers;
# on 6.12 also a client built against what it installed, and a guest
# booted with the DKMS-built core, the selftest of OUT's build and the
# client. One result each, the boot's as for any other. The 7.3 kernels'
# headers live in the trixie root: DKMS builds for them there. The debug
# kernels are left out: DKMS is for the Debian kernels a user installs.
dkms_check() {
	local line=$1 kver m s=$top/build/dkms

	# The debug kernels are ours, not Debian's: no package builds for them.
	case $(field ID "$line") in
	debug-*) return 0 ;;
	esac
	[ -n "$dkms_root" ] || dkms_package
	[ -n "$dkms_root" ] || return 0
	kver=$(basename "$(dirname "$(field KDIR "$line")")")
	if [ -n "$(field CHROOT "$line")" ]; then
		run "dkms: build for $kver (in the trixie root)" \
			dkms_build_in "$(field CHROOT "$line")" "$kver"
		return 0
	fi
	run "dkms: build for $kver" dkms_build "$dkms_root" "$kver"
	[ "$(field ID "$line")" = 6.12 ] || return 0
	run "dkms: client against the installed headers and Module.symvers" \
		dkms_client "$dkms_root" "$kver"
	m=$(find "$dkms_root/lib/modules/$kver" -name 'sheafcache.ko*' | sed -n 1p)
	[ -n "$m" ] && [ -f "$dkms_root/client/sheafcache_example.ko" ] || return 0
	rm -rf "$s/modules"
	mkdir -p "$s/modules/src"
	case $m in
	*.xz) xz -dc "$m" > "$s/modules/src/sheafcache.ko" ;;
	*) cp "$m" "$s/modules/src/sheafcache.ko" ;;
	esac
	cp "$2/src/selftest/sheafcache_selftest.ko" \
		"$dkms_root/client/sheafcache_example.ko" "$s/modules/src/"
	boot_and_judge "$line" "$s/modules" scripts/guest/dkms.sh "$(field NAME "$line")-dkms"
}
