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
