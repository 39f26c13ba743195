# SPDX-License-Identifier: GPL-2.0
#
# The ecosystem checks of make check (scripts/check.sh sources this):
# modinfo, the sheafstat tool on recorded fixtures, kernel-doc and the
# Sphinx documentation, and the DKMS Debian package. Each function is
# one result of check.sh's; sourced, not run.
# shellcheck shell=bash

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
