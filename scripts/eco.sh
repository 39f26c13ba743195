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
