#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge guest console logs written by scripts/vm-boot.sh: judge() below
# is the whole parser, and its comment says what fails a log.
#
# Why not KUnit's parser: linux-source-6.12 ships
# tools/testing/kunit/kunit_parser.py, and it was tried on make check's
# logs. It reads only the first KTAP document of a log: it starts at the
# first "KTAP version" line and cuts that line's prefix length off every
# later line. A boot of the main check has three documents (selftest,
# example, benchmark), each printed with another prefix, and a log with
# "not ok" in the second and the third came out as SUCCESS. It also knows
# nothing of kernel splats, taint, the guest scripts' SHEAFCACHE_*
# markers or an expected warning, and needs the source unpacked first.
# Splitting the log into documents for it would leave it the easy part.
set -euo pipefail

usage() {
	cat >&2 <<-'EOF'
	usage: ktap.sh [--expect-warn REGEX]... [--expect-kasan REGEX]... [--min-docs N] [--name NAME] LOG...

	Prints the offending lines and then "<name>: N passed, N failed" per
	log (NAME defaults to the log's file name without .log). Exits
	non-zero when anything failed.
	EOF
	exit 2
}

expect='' kasan='' min_docs=0 name=''
while [ $# -gt 0 ]; do
	case $1 in
	--expect-warn) expect+="$2"$'\n'; shift 2 ;;
	--expect-kasan) kasan+="$2"$'\n'; shift 2 ;;
	--min-docs)    min_docs=$2; shift 2 ;;
	--name)        name=$2; shift 2 ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || usage

# judge LOG NAME: judge one log, print the offending lines and the line
# "NAME: N passed, N failed"; return 1 if anything failed.
#
# Counts the KTAP results of every document in LOG, with or without a
# printk timestamp or a module's "name: " prefix: every "ok"/"not ok"
# leaf result (a result that closes nested subtests only counts if it
# failed on its own), and every result a document's plan promised but
# never printed counts as failed. Skipped results count as neither. On
# top of that the log fails, one failure each, for:
#   - a kernel splat (BUG, WARNING, Oops, lockdep, KASAN, UBSAN, kmemleak,
#     sleeping in atomic, lockups, panics);
#   - a taint bit other than O (4096) and E (8192), from the
#     SHEAFCACHE_TAINT= line of vm-boot.sh's /init;
#   - a "SHEAFCACHE_INSMOD_FAIL <module>" line (or any other
#     SHEAFCACHE_<STEP>_FAIL) from the guest script (scripts/guest/lib.sh);
#   - no SHEAFCACHE_DONE line, or fewer than --min-docs KTAP documents.
# Each --expect-warn REGEX says exactly one WARNING block (from "WARNING:"
# to "---[ end trace") matching REGEX is expected: that block is not a
# failure, its absence is, and the W taint (512) is then allowed.
# Each --expect-kasan REGEX likewise says exactly one KASAN report (from
# "BUG: KASAN:" to its closing line of "=") matching REGEX is expected,
# and allows the B taint (32) that it sets.
judge() {
	local log=$1 n=$2 splat out passed failed skipped docs taint allowed=12288

	if [ ! -r "$log" ]; then
		echo "  cannot read $log"
		echo "$n: 0 passed, 1 failed"
		return 1
	fi
	# Kernel messages that mean the run is broken, whatever the tests said.
	splat='BUG:|WARNING:|Oops|Call Trace|kernel BUG|general protection fault'
	splat+='|KASAN|possible circular locking|possible recursive locking'
	splat+='|inconsistent lock state|lockdep is turned off|UBSAN|unreferenced object'
	splat+='|suspected memory leak|sleeping function called from invalid context'
	splat+='|scheduling while atomic|soft lockup|hard LOCKUP|detected stall'
	splat+='|turning off the locking correctness validator'
	splat+='|blocked for more than|Kernel panic'

	# The awk part prints offending lines, then a last line
	# "@@ passed failed skipped documents".
	out=$(KTAP_SPLAT=$splat KTAP_EXPECT=$expect KTAP_KASAN=$kasan awk '
	function fail(n, msg) { failed += n; print "  " msg }
	# Show offending lines: the first 60 of them, then only their count.
	function show(s,	n, i, l) {
		n = split(s, l, "\n") - 1
		for (i = 1; i <= n; i++)
			if (++shown <= 60)
				print l[i]
	}
	# Close the document open at indent d: results missing from its plan
	# are failures.
	function close_doc(d) {
		if (plan[d] < 0)
			fail(1, "KTAP document at line " start[d] " has no plan")
		else if (nres[d] < plan[d])
			fail(plan[d] - nres[d], "KTAP document at line " start[d] \
			     ": plan 1.." plan[d] " but only " nres[d] " results")
		else if (nres[d] > plan[d])
			fail(1, "KTAP document at line " start[d] ": plan 1.." \
			     plan[d] " but " nres[d] " results")
		open[d] = 0
	}
	# Close every document nested deeper than indent d.
	function close_deeper(d,	e, any) {
		any = 0
		for (e = maxd; e > d; e--)
			if (open[e]) { close_doc(e); any = 1 }
		return any
	}
	function end_warn(	i, hit) {
		inwarn = 0
		for (i = 1; i <= nexp; i++)
			if (wbuf ~ want[i]) { seen[i]++; hit = 1 }
		if (!hit && wbad != "") { splats++; show(wbad) }
	}
	function end_kasan(	i, hit) {
		inkasan = 0
		for (i = 1; i <= nkexp; i++)
			if (kbuf ~ kwant[i]) { kseen[i]++; hit = 1 }
		if (!hit) { splats++; show(kbuf) }
	}
	BEGIN {
		bad = ENVIRON["KTAP_SPLAT"]
		ktap = "^ *(K?TAP version [0-9]|1\\.\\.[0-9]|(not )?ok [0-9]|#)"
		nexp = split(ENVIRON["KTAP_EXPECT"], want, "\n") - 1
		nkexp = split(ENVIRON["KTAP_KASAN"], kwant, "\n") - 1
		maxd = 0
	}
	{
		raw = $0
		line = $0
		sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line)	# printk time
		sub(/^\[ *[CT][0-9]+\] /, "", line)		# printk caller
		# The pr_fmt prefix of a module ("mod: "), on KTAP lines only.
		if (match(line, /^[A-Za-z0-9_.-]+: /) &&
		    substr(line, RLENGTH + 1) ~ ktap)
			line = substr(line, RLENGTH + 1)
		match(line, /^ */)
		d = RLENGTH
		body = substr(line, d + 1)
		if (d > maxd)
			maxd = d
	}
	/SHEAFCACHE_[A-Z]+_FAIL/ { fail(1, "guest step failed: " line) }
	/SHEAFCACHE_DONE/ { done = 1 }

	# An expected KASAN report is kept whole until its closing line, and
	# let through if it matches; its lines are nothing else.
	nkexp && !inkasan && !inwarn && /BUG: KASAN:/ { inkasan = 1; kbuf = "" }
	inkasan && length(kbuf) < 65536 { kbuf = kbuf "  " raw "\n" }
	inkasan && line ~ /^=+$/ { end_kasan(); next }
	inkasan { next }

	# Splats: a WARNING block is kept until its end so that an expected
	# one can be let through whole.
	# A block is kept up to 64 KiB: a guest that floods the console
	# (an unterminated block, a splat storm) would make appending to it
	# quadratic.
	inwarn && length(wbuf) < 65536 { wbuf = wbuf raw "\n" }
	!inwarn && /WARNING:/ { inwarn = 1; wbuf = raw "\n"; wbad = "" }
	inwarn && $0 ~ bad && length(wbad) < 65536 { wbad = wbad "  " raw "\n" }
	!inwarn && $0 ~ bad { splats++; show("  " raw "\n") }
	inwarn && /---\[ end trace/ { end_warn() }

	body ~ /^K?TAP version [0-9]+/ {
		close_deeper(d - 1)
		open[d] = 1; plan[d] = -1; nres[d] = 0; start[d] = NR; docs++
		next
	}
	body ~ /^1\.\.[0-9]+/ {
		if (!open[d]) {		# an old-style subtest without a header
			open[d] = 1; nres[d] = 0; start[d] = NR
		}
		plan[d] = substr(body, 4) + 0
		next
	}
	body ~ /^(not )?ok [0-9]+/ {
		if (!open[d])
			next		# not part of any KTAP document
		nres[d]++
		isfail = body ~ /^not ok/
		before = failed
		parent = close_deeper(d)
		if (body ~ /# *SKIP/)
			skipped++
		else if (parent) {
			# A parent only adds a failure its children did not show.
			if (isfail && failed == before && !kidfail[d])
				fail(1, line)
		} else if (isfail)
			fail(1, line)
		else
			passed++
		kidfail[d] = 0
		if (isfail)
			for (e = 0; e < d; e++)
				kidfail[e] = 1
	}
	END {
		if (inwarn)
			end_warn()
		if (inkasan)
			end_kasan()
		for (i = 1; i <= nkexp; i++)
			if (kseen[i] != 1)
				fail(1, "expected exactly one KASAN report matching /" \
				     kwant[i] "/, saw " kseen[i] + 0)
		close_deeper(-1)
		if (shown > 60)
			print "  ... and " shown - 60 " more splat lines, see the log"
		if (splats)
			fail(1, "kernel splat in the log (lines above)")
		for (i = 1; i <= nexp; i++)
			if (seen[i] != 1)
				fail(1, "expected exactly one WARNING matching /" \
				     want[i] "/, saw " seen[i] + 0)
		if (!done)
			fail(1, "no SHEAFCACHE_DONE: the guest script did not finish")
		print "@@", passed + 0, failed + 0, skipped + 0, docs + 0
	}' < "$log")
	read -r _ passed failed skipped docs <<< "$(tail -n 1 <<< "$out")"
	sed '$d' <<< "$out"

	# O and E come from loading out-of-tree unsigned modules; W is
	# allowed only with an expected warning.
	[ -z "$expect" ] || allowed=$((allowed | 512))
	[ -z "$kasan" ] || allowed=$((allowed | 32))
	taint=$(sed -n 's/.*SHEAFCACHE_TAINT=\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	if [ -n "$taint" ] && ((taint & ~allowed)); then
		echo "  kernel tainted: $taint (allowed bits: $allowed)"
		failed=$((failed + 1))
	fi
	if [ "$docs" -lt "$min_docs" ]; then
		echo "  $docs KTAP documents, expected at least $min_docs"
		failed=$((failed + 1))
	fi
	[ "$skipped" = 0 ] || echo "  $skipped skipped"
	echo "$n: $passed passed, $failed failed"
	[ "$failed" = 0 ]
}

rc=0
for log in "$@"; do
	judge "$log" "${name:-$(basename "$log" .log)}" || rc=1
done
exit $rc
