#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the logs of make bench into a report: report.md, results.csv and
PNG plots (gnuplot).

usage: bench-report.py [--md-only] OUTDIR KERNEL:MODE:LOG...

scripts/bench.sh writes bench/report/ with it, and lists the runs'
KERNEL:MODE:LOG arguments in bench/report/runs. --md-only writes
OUTDIR/report.md alone, without CSV or plots: bench.sh --publish uses it
for bench/results/report.md, the copy the README quotes.

Each log is the console of one boot (or, with make bench HOST=1, the
guest script's output on the host and the kernel log): the META, RESULT
and MEM lines that the benchmark module (bench/) prints, and the BENCH* lines
of scripts/guest/bench.sh. Every ratio is taken between figures of the
same boot.

Nothing here is copied from the C sources: the object sizes, the cases,
the implementations, the batch and reservation sizes, the capacities of
the sweep and the CPU counts are the values the RESULT lines carry; the
repetitions come from META; the sheaf geometry (bytes per sheaf, the
barn's limits) from the debugfs files the guest script echoes (BENCHFS
lines, see geometry()). The one figure printed nowhere, the size of the
memory case's burst, is read from bench/bench.h with a regex
(c_define()). A case the report has no section for gets a
plain table of its own, so that a new one is never dropped.
"""

import csv
import os
import re
import subprocess
import sys
from collections import OrderedDict

MODE_TEXT = {
    'wall': 'wall time, multi-threaded TCG, 2 vCPUs',
    'icount': 'icount (1 ns = 1 guest instruction), 1 vCPU',
    'host': 'wall time on the host kernel',
}
IMPL_TEXT = {
    'array': 'array floor',
    'array0': 'array + zeroing',
    'wrapped': 'sheaf, wrapped base',
    'poison': 'sheaf, poisoned',
}

# bench/bench.h, for what the output does not say.
BENCH_C = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
                       'bench', 'bench.h')


def c_define(name):
    """The number a "#define NAME <number>" of BENCH_C gives, or None (no
    such define, or no source beside this script). Only for a figure the
    benchmark does not print: the burst of its memory case is
    BENCH_MAX_BATCH objects."""
    try:
        with open(BENCH_C) as f:
            m = re.search(rf'^#define\s+{name}\s+(\d+)\b', f.read(), re.M)
    except OSError:
        return None
    return int(m.group(1)) if m else None


PREFIX = re.compile(r'^\[ *\d+\.\d+\] (?:\[ *[CT]\d+\] )?')
# A kernel message that the console wrote into the middle of a line the
# guest shell was writing: the console drains printk's buffer late, so a
# BENCHFS line can hold the benchmark's last MEM line.
INSIDE = re.compile(r'(?<=\S)(?=\[ *\d+\.\d+\] )')


def kv(text):
    return dict(f.split('=', 1) for f in text.split() if '=' in f)


def num(v):
    """A RESULT field's value: an int or a float if it reads as one."""
    for t in (int, float):
        try:
            return t(v)
        except ValueError:
            pass
    return v


def uniq(values):
    """@values without repeats, in the order they came."""
    return list(OrderedDict.fromkeys(values))


def parse(kernel, mode, path):
    """Rows of RESULT lines, MEM lines, META lines and BENCH* lines."""
    rows, mems, metas, misc = [], [], [], []
    core = 'stats'
    with open(path, errors='replace') as f:
        for line in (part for raw in f
                     for part in INSIDE.split(raw.rstrip('\n'))):
            line = PREFIX.sub('', line)
            if line.startswith('BENCH'):
                misc.append(line)
                continue
            m = re.match(r'sheafcache_bench: (RESULT|MEM|META) (.*)', line)
            if not m:
                continue
            d = {k: num(v) for k, v in kv(m.group(2)).items()}
            d.update(kernel=kernel, mode=mode, core=core)
            if m.group(1) == 'META':
                core = d['core'] = str(kv(m.group(2)).get('core', 'stats'))
                metas.append(d)
            elif m.group(1) == 'MEM':
                mems.append(d)
            else:
                rows.append(d)
    return rows, mems, metas, misc


def find(rows, **want):
    for r in rows:
        if all(r.get(k) == v for k, v in want.items()):
            return r
    return None


def add_ratios(rows):
    """Ratio to slab in the same case, else to the slab pair of the size."""
    for r in rows:
        key = dict(kernel=r['kernel'], mode=r['mode'], core=r['core'],
                   size=r['size'])
        slab = find(rows, case=r['case'], impl='slab', n=r.get('n'),
                    used=r.get('used'), order=r.get('order'),
                    cpus=r.get('cpus'), **key)
        to = 'slab'
        if not slab:
            slab = find(rows, case='pair', impl='slab', **key)
            to = 'slab pair'
        if slab and slab['ns'] > 0:
            r['ratio'] = round(r['ns'] / slab['ns'], 3)
            r['ratio_to'] = to


def fmt(x, digits=1):
    if x is None or x == '':
        return '–'
    return f'{x:.{digits}f}'


# Wall-time figures whose repetitions spread wider than this (max / min)
# were disturbed (the host's other work): their verdicts say so.
NOISY = 1.3


def verdict(value, limit, lower_is_better=True, noisy=False):
    if value is None:
        return '–'
    ok = value <= limit if lower_is_better else value >= limit
    return f'{value:.2f} {"PASS" if ok else "MISS"}{" (noisy)" if noisy else ""}'


def geometry(misc):
    """What the debugfs files say of the sheaves, per capacity:
    {cap: {'sheaf': bytes per sheaf, 'full': barn limit of full sheaves,
    'empty': of empty ones}}, and the bytes per sheaf as a function of the
    capacity (None when debugfs was not read).

    "sheaves" starts with "capacity C max_full F max_empty E"; "cached"
    has "sheaves S" and "sheaf_bytes B", so a sheaf of capacity C takes
    B / S bytes: a header and a pointer per object, a straight line in C.
    Two capacities (the default ones of two object sizes) give the line;
    with only one the pointer is taken to be 8 bytes, as on x86-64, the
    only architecture the harness boots.
    """
    fs = OrderedDict()
    for line in misc:
        f = line.split()
        if len(f) < 6 or f[0] != 'BENCHFS' or f[1] != 'stats':
            continue
        d = fs.setdefault(f[2], {})
        if f[3] == 'sheaves' and f[4] == 'capacity':
            d.update(kv(' '.join(f'{a}={b}' for a, b in zip(f[4::2], f[5::2]))))
        elif f[3] == 'cached':
            d[f[4]] = f[5]
    per_cap = {}
    for d in fs.values():
        try:
            cap, sheaves = int(d['capacity']), int(d['sheaves'])
            per_cap[cap] = {'sheaf': int(d['sheaf_bytes']) // sheaves,
                            'full': int(d['max_full']),
                            'empty': int(d['max_empty'])}
        except (KeyError, ValueError, ZeroDivisionError):
            continue
    caps = sorted(per_cap)
    if not caps:
        return per_cap, None
    c0, b0 = caps[0], per_cap[caps[0]]['sheaf']
    ptr = 8
    if len(caps) > 1:
        c1, b1 = caps[-1], per_cap[caps[-1]]['sheaf']
        ptr = (b1 - b0) // (c1 - c0)
    head = b0 - ptr * c0
    return per_cap, (lambda c: head + ptr * c, head, ptr)


class Run:
    def __init__(self, kernel, mode, rows, misc=(), mems=()):
        self.kernel, self.mode = kernel, mode
        self.rows = [r for r in rows
                     if r['kernel'] == kernel and r['mode'] == mode]
        self.misc = list(misc)
        self.mems = list(mems)

    def values(self, key, core='stats', **want):
        """The values of @key among the rows matching @want, sorted where
        they are numbers, else in the order printed."""
        vs = uniq(r[key] for r in self.rows if key in r and r['core'] == core and
                  all(r.get(k) == v for k, v in want.items()))
        return sorted(vs) if all(isinstance(v, (int, float)) for v in vs) else vs

    def sizes(self):
        return self.values('size')

    def ns(self, core='stats', **want):
        r = find(self.rows, core=core, **want)
        return r['ns'] if r else None

    def noisy(self, *wants):
        """Whether a wall-time figure among @wants spread too wide."""
        if self.mode == 'icount':
            return False
        for want in wants:
            r = find(self.rows, **dict({'core': 'stats'}, **want))
            if r and r['min'] > 0 and r['max'] / r['min'] > NOISY:
                return True
        return False

    def mops(self, **want):
        r = find(self.rows, core='stats', **want)
        return r['mops'] if r and r.get('mops', '') != '' else None

    def label(self):
        return f'{self.kernel} {self.mode}'


def ratio(a, b):
    return a / b if a is not None and b else None


def targets(runs):
    """The issue's targets: (label, {run: cell})."""
    out = []
    sizes = sorted({s for R in runs for s in R.sizes()})

    def row(label, fn):
        out.append((label, [fn(run) for run in runs]))

    def rel(R, a, b, limit, **kw):
        """verdict() of figure a / figure b, flagged when either is noisy."""
        return verdict(ratio(R.ns(**a), R.ns(**b)), limit,
                       noisy=R.noisy(a, b), **kw)

    def each_size(label, fn):
        for s in sizes:
            row(f'{label}, {s} B', lambda R, s=s: fn(R, s))

    each_size('pair ≤ 0.35 × slab pair',
              lambda R, s: rel(R, dict(case='pair', size=s, impl='sheaf'),
                               dict(case='pair', size=s, impl='slab'), 0.35))
    each_size('pair ≤ 3 × per-CPU array floor',
              lambda R, s: rel(R, dict(case='pair', size=s, impl='sheaf'),
                               dict(case='pair', size=s, impl='array'), 3))

    # Poisoning: reported, no target; "sheaf" is the pair with it off.
    def poison(R, s):
        on = R.ns(case='pair', size=s, impl='poison')
        off = R.ns(case='pair', size=s, impl='sheaf')
        if on is None or off is None:
            return '–'
        return f'{on:.1f} vs {off:.1f} (×{on / off:.2f})' if off else '–'
    each_size('pair with poisoning on vs off (reported)', poison)

    def from_sheaf(R):
        v = R.ns(case='from', size=sizes[0], impl='sheaf') if sizes else None
        if v is None:
            return '–'
        if R.mode != 'icount':
            return f'{v:.1f} ns'
        return f'{v:.1f} {"PASS" if v <= 25 else "MISS"}'
    row(f'alloc_from_sheaf ≤ 25 instructions/object, {sizes[0] if sizes else "?"} B, '
        'zeroed (icount)', from_sheaf)
    each_size('prefill(capacity) + return from a warm barn ≤ 2 slab pairs',
              lambda R, s: rel(R, dict(case='prefill', size=s, impl='barn'),
                               dict(case='pair', size=s, impl='slab'), 2))
    each_size('guaranteed 32 objects: prefill < 32 × mempool_alloc',
              lambda R, s: rel(R, dict(case='guar', size=s, impl='sheaf', n=32, used=32),
                               dict(case='guar', size=s, impl='mempool', n=32, used=32),
                               0.999))

    def worst_guar(R, s, uses, against):
        """The worst ratio of a reservation to @against over the
        (n, used) in @uses: (ratio, sheaf's key, reference's key)."""
        worst = None
        for n, used in uses:
            a = dict(case='guar', size=s, impl='sheaf', n=n, used=used)
            b = dict(a, impl=against)
            r = ratio(R.ns(**a), R.ns(**b))
            if r is not None and (worst is None or r > worst[0]):
                worst = (r, a, b)
        return worst

    def reserve(R, s):
        """The worst n of reserve n (4 to 64), use 1, against mempool."""
        worst = worst_guar(R, s, [(n, 1) for n in (4, 16, 32, 64)],
                           'mempool')
        if worst is None:
            return '–'
        return verdict(worst[0], 2, noisy=R.noisy(worst[1], worst[2]))
    each_size('reserve n (4 to 64), use 1 ≤ 2 × mempool_alloc, worst n, warm',
              reserve)

    def reserve_native(R, s):
        """The worst n of reserve n, use 1 and of reserve n, use n,
        against a native cache of capacity max(n, default) (6.18 on)."""
        worst = worst_guar(R, s, [(n, u) for n in (1, 4, 16, 32, 64)
                                  for u in sorted({1, n})], 'native')
        if worst is None:
            return '–'
        return (f'{verdict(worst[0], 1.0, noisy=R.noisy(worst[1], worst[2]))}'
                f', worst: n={worst[1]["n"]} used={worst[1]["used"]}')
    each_size('reserve n (1 to 64), use 1 or n ≤ 1.0 × native sheaves of '
              'capacity max(n, default) (6.18 on), worst, warm', reserve_native)

    def burst(R, s, what):
        bm = burst_mems(R, R.mems)
        tuned, fixed = bm.get((s, 'sheaf')), bm.get((s, 'fixed'))
        if not tuned or not fixed:
            return '–'
        # Under 5% of the operations through the base: the fixed default
        # keeps the bursts, and there is nothing to take away.
        if fixed['traffic_per_kop'] < 50:
            return 'n/a: the fixed default keeps the bursts'
        if what == 'traffic':
            return verdict(ratio(tuned['traffic_per_kop'],
                                 fixed['traffic_per_kop']), 0.7)
        return rel(R, dict(case='burst', size=s, impl='sheaf'),
                   dict(case='burst', size=s, impl='fixed'), 0.85)
    each_size('bursts: tuned ≤ 0.7 × the fixed default\'s objects through '
              'the base', lambda R, s: burst(R, s, 'traffic'))
    each_size('bursts: tuned ≤ 0.85 × the fixed default\'s instructions '
              'per operation', lambda R, s: burst(R, s, 'ns'))

    # What a user could do with slab instead, on one CPU: the worst ratio to
    # slab in the same case (bulk and rcu: to the slab pair, per object).
    # Reservations have their own target above, against mempool: slab
    # guarantees nothing, so theirs is only reported.
    def worst_to_slab(R, s, cases):
        rs = [r for r in R.rows
              if r['core'] == 'stats' and r['size'] == s and
              r['case'] in cases and r['impl'] == 'sheaf' and
              r.get('ratio') is not None]
        if not rs:
            return None
        w = max(rs, key=lambda r: r['ratio'])
        what = w['case']
        if w['case'] in ('batch', 'bulk', 'rcu', 'guar'):
            what += f' n={w["n"]}'
        if w['case'] == 'guar':
            what += f' used={w["used"]}'
        if w['case'] == 'batch':
            what += f' {w["order"]}'
        return w, what

    def same_cpu(R, s):
        found = worst_to_slab(R, s, ('pair', 'batch', 'burst', 'bulk', 'rcu'))
        if not found:
            return '–'
        w, what = found
        return f'{verdict(w["ratio"], 1.0)}, worst: {what}'
    each_size('every same-CPU pattern ≤ 1.0 × slab (pair, batches, bursts, '
              'bulk, rcu), worst', same_cpu)

    def guar_slab(R, s):
        found = worst_to_slab(R, s, ('guar',))
        if not found:
            return '–'
        w, what = found
        return f'{w["ratio"]:.2f}, worst: {what}'
    each_size('reservations against slab without a guarantee (reported), '
              'worst', guar_slab)

    def pair_ceiling(R):
        v = R.ns(case='pair', size=sizes[0], impl='sheaf') if sizes else None
        if v is None or R.mode != 'icount':
            return '–'
        return f'{v:.1f} {"PASS" if v <= 100 else "MISS"}'
    row(f'pair ≤ 100 instructions, capacity tuning on, '
        f'{sizes[0] if sizes else "?"} B (icount)', pair_ceiling)

    # From 6.18 the slab column is the base's own sheaves; slab32 is then a
    # base whose sheaves hold 32 objects, and marks such a kernel.
    def native(R):
        return R.ns(case='pair', size=sizes[0], impl='slab32') is not None

    def pair_native(R):
        if not sizes or not native(R):
            return '–'
        return rel(R, dict(case='pair', size=sizes[0], impl='sheaf'),
                   dict(case='pair', size=sizes[0], impl='slab'), 0.45)
    row(f'pair ≤ 0.45 × native sheaves (6.18 on), {sizes[0] if sizes else "?"} B',
        pair_native)

    def batch_native(R, order):
        big = max(sizes) if sizes else None
        if big is None or not native(R):
            return '–'
        key = dict(case='batch', size=big, n=1000, order=order)
        found = [(R.ns(**key, impl=i), i) for i in ('slab', 'slab32')
                 if R.ns(**key, impl=i) is not None]
        if not found:
            return '–'
        best = min(found)
        return rel(R, dict(key, impl='sheaf'), dict(key, impl=best[1]), 1.0)
    for order in ('lifo', 'shuffled'):
        row(f'batch 1000, {order}, ≤ 1.0 × the better native base '
            f'(6.18 on), {max(sizes) if sizes else "?"} B',
            lambda R, o=order: batch_native(R, o))

    def bulk(R, n):
        if not sizes:
            return '–'
        limit = 0.7 if native(R) else 0.5
        return rel(R, dict(case='bulk', size=sizes[0], impl='sheaf', n=n),
                   dict(case='bulk', size=sizes[0], impl='bulk', n=n), limit)
    for n in (16, 128):
        row(f'alloc_bulk + free_bulk of {n} ≤ 0.5 × the base\'s bulk calls '
            f'(0.7 × with native sheaves), {sizes[0] if sizes else "?"} B',
            lambda R, n=n: bulk(R, n))

    # Per object at the smallest size, as bulk; the other sizes are in the
    # rcu table. No kfree_rcu() figure on 6.1: no barrier a module can call.
    def rcu(R):
        if not sizes or R.ns(case='rcu', size=sizes[0], impl='kfree_rcu') is None:
            return '–'
        return rel(R, dict(case='rcu', size=sizes[0], impl='sheaf'),
                   dict(case='rcu', size=sizes[0], impl='kfree_rcu'), 0.5)
    row('free_rcu + reuse ≤ 0.5 × kfree_rcu + kmem_cache_alloc per object '
        f'(6.12 on), {sizes[0] if sizes else "?"} B', rcu)

    def scaling(R, s):
        one = dict(case='scale', size=s, impl='sheaf', cpus=1)
        two = dict(one, cpus=2)
        return verdict(ratio(R.mops(**two), R.mops(**one)), 1.8,
                       lower_is_better=False, noisy=R.noisy(one, two))
    each_size('fast-path throughput, 2 vCPUs ≥ 1.8 × 1 vCPU', scaling)

    def stats(R, s):
        on = R.ns(case='pair', size=s, impl='sheaf')
        off = R.ns(core='nostats', case='pair', size=s, impl='sheaf')
        if on is None or off is None:
            return '–'
        cost = (on - off) / on
        noisy = R.noisy(dict(case='pair', size=s, impl='sheaf'),
                        dict(core='nostats', case='pair', size=s, impl='sheaf'))
        return (f'{cost * 100:+.1f}% {"PASS" if cost <= 0.10 else "MISS"}'
                f'{" (noisy)" if noisy else ""}')
    each_size('statistics cost ≤ 10% of the pair', stats)
    return out


def md_table(head, body):
    lines = ['| ' + ' | '.join(str(h) for h in head) + ' |',
             '|' + '|'.join('---' if i == 0 else '---:'
                            for i in range(len(head))) + '|']
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in body]
    return '\n'.join(lines) + '\n'


def cell(R, digits=1, **want):
    """'ns (ratio)' for a stats-core figure."""
    r = find(R.rows, core='stats', **want)
    if not r:
        return '–'
    if r.get('ratio', '') != '' and r['impl'] != 'slab':
        return f'{r["ns"]:.{digits}f} ({r["ratio"]:.2f})'
    return f'{r["ns"]:.{digits}f}'


# Table headers for the RESULT keys and values that are not plain words.
KEY_TEXT = {'cap': 'capacity', 'n': 'N'}


def grid(R, want, rowkeys, colkeys, keep=None, digits=1, extra=(), names=None):
    """A table of the stats-core rows matching @want: a line per distinct
    combination of @rowkeys, a column per combination of @colkeys (both
    in the order printed), "ns (ratio)" cells; @keep filters the lines'
    keys, @extra adds (header, fn(line keys)) columns, @names maps a
    column's values to its header."""
    rows = [r for r in R.rows if r['core'] == 'stats' and
            all(r.get(k) == v for k, v in want.items())]
    lines = [k for k in uniq(tuple(r.get(k) for k in rowkeys) for r in rows)
             if keep is None or keep(dict(zip(rowkeys, k)))]
    cols = uniq(tuple(r.get(k) for k in colkeys) for r in rows)
    names = {**IMPL_TEXT, **(names or {})}
    head = [KEY_TEXT.get(k, k) for k in rowkeys] + \
        [' '.join(str(names.get(v, v)) for v in c) for c in cols] + \
        [h for h, _ in extra]
    body = []
    for line in lines:
        k = dict(zip(rowkeys, line))
        body.append(list(line) +
                    [cell(R, digits, **want, **k, **dict(zip(colkeys, c)))
                     for c in cols] + [fn(k) for _, fn in extra])
    return md_table(head, body) if body else '(no figures)\n'


# The cases run_sections() has a section for; others get a plain table.
KNOWN = ('pair', 'batch', 'guar', 'from', 'prefill', 'cross', 'scale', 'sweep',
         'burst')


def burst_mems(R, mems):
    """The burst case's MEM lines of this run, by (size, impl)."""
    return {(m['size'], m['impl']): m for m in mems
            if m['kernel'] == R.kernel and m['mode'] == R.mode and
            m.get('case') == 'burst' and m['core'] == 'stats'}


def run_sections(R, mems):
    unit = 'instructions' if R.mode == 'icount' else 'ns'
    per_cap, line = geometry(R.misc)
    cases = R.values('case')
    o = [f'\n## {R.kernel}, {MODE_TEXT.get(R.mode, R.mode)}\n\n',
         f'Figures are {unit} per operation, medians; in parentheses the '
         'ratio to slab in the same case.\n\n']

    o.append('### a) alloc + free pair\n\n')
    o.append(grid(R, dict(case='pair'), ('size',), ('impl',), extra=(
        ('sheaf / floor', lambda k: fmt(ratio(R.ns(case='pair', impl='sheaf', **k),
                                              R.ns(case='pair', impl='array', **k)), 2)),
        ('sheaf, stats compiled out',
         lambda k: fmt(R.ns(core='nostats', case='pair', impl='sheaf', **k))),
        ('poison / sheaf', lambda k: fmt(ratio(R.ns(case='pair', impl='poison', **k),
                                               R.ns(case='pair', impl='sheaf', **k)), 2)))))
    o.append('\n"poison" is the pair on a cache with SHEAF_CACHE_POISON (every '
             'freed object filled with a pattern, checked when it is taken '
             'again); "sheaf" is measured with no such cache alive, so with '
             'poisoning off.\n')

    o.append('\n### b) batches: N allocations, then N frees (per pair)\n\n')
    o.append(grid(R, dict(case='batch'), ('size', 'n'), ('impl', 'order'),
                  names={'lifo': 'LIFO'}))

    o.append('\n### c) guaranteed allocation of n objects (per reservation: '
             'reserve n, take them under a spinlock with IRQs off, free them)\n\n')
    for title, keep in (('every object reserved is used',
                         lambda k: k['used'] == k['n']),
                        ('only one of the n reserved objects is used',
                         lambda k: k['used'] == 1 < k['n'])):
        o.append(f'\n{title}:\n\n')
        o.append(grid(R, dict(case='guar'), ('size', 'n', 'used'), ('impl',),
                      keep, 0, names={'sheaf': 'sheaf (prefill)',
                                      'slab': 'slab (no guarantee)',
                                      'native': 'native sheaves, capacity '
                                                'max(n, default)'}, extra=(
            ('sheaf / mempool',
             lambda k: fmt(ratio(R.ns(case='guar', impl='sheaf', **k),
                                 R.ns(case='guar', impl='mempool', **k)), 2)),)))

    o.append('\n### alloc_from_sheaf() and prefill\n\n')
    impls = [('from', i) for i in R.values('impl', case='from')] + \
            [('prefill', i) for i in R.values('impl', case='prefill')]
    body = []
    for s in R.sizes():
        cap = find(R.rows, case='pair', size=s, impl='sheaf')
        body.append([s, cap['cap'] if cap else '–'] +
                    [cell(R, case=c, size=s, impl=i) for c, i in impls])
    o.append(md_table(['size', 'capacity'] +
                      ['alloc_from_sheaf, per object' if c == 'from' else
                       f'prefill(capacity) + return, from the {i}' for c, i in impls],
                      body))
    o.append('\nRatios here are to the slab pair of the size.\n')

    if 'cross' in cases:
        o.append('\n### d) cross-CPU: allocate on one CPU, free on another '
                 '(per object)\n\n')
        o.append(grid(R, dict(case='cross'), ('size',), ('impl',)))

    o.append('\n### e) every CPU on the fast path: total Mops/s '
             '(scaling to 1 CPU)\n\n')
    body = []
    cpus = R.values('cpus', case='scale')
    for s in R.sizes():
        for i in R.values('impl', case='scale', size=s):
            one = R.mops(case='scale', size=s, impl=i, cpus=cpus[0])
            row = [s, i]
            for c in cpus:
                m = R.mops(case='scale', size=s, impl=i, cpus=c)
                row.append('–' if m is None else
                           f'{m:.2f} ({ratio(m, one):.2f}×)' if one else f'{m:.2f}')
            body.append(row)
    o.append(md_table(['size', 'impl'] + [f'{c} CPU' for c in cpus], body))

    o.append('\n### Sheaf capacity sweep: N allocations then N frees, LIFO, '
             'per pair\n\n')
    o.append(grid(R, dict(case='sweep'), ('size', 'cap'), ('n',),
                  names={n: f'N = {n}' for n in R.values('n', case='sweep')}, extra=(
        ('bytes per CPU, main + spare full',
         lambda k: 2 * (k['cap'] * k['size'] + line[0](k['cap'])) if line else '–'),)))
    choice = []
    for s in R.sizes():
        pts = [(c, R.ns(case='sweep', size=s, cap=c, n=R.values('n', case='sweep')[0]))
               for c in R.values('cap', case='sweep', size=s)]
        pts = [(c, v) for c, v in pts if v is not None]
        if pts:
            best = min(v for _, v in pts)
            knee = min(c for c, v in pts if v <= 1.1 * best)
            choice.append(f'{s} B: {knee}')
    if choice:
        o.append('\nSmallest capacity within 10% of the best at N = '
                 f'{R.values("n", case="sweep")[0]}: ' + ', '.join(choice) + '.\n')

    if 'burst' in cases:
        o.append('\n### f) bursts: runs of 200 allocations, then 200 frees, '
                 'with 20 pairs between (per operation)\n\n')
        o.append(grid(R, dict(case='burst'), ('size',), ('impl',),
                      names={'sheaf': 'tuned, 512 KiB budget',
                             'fixed': 'fixed default capacity'}))
        bm = burst_mems(R, mems)
        body = [[s, {'sheaf': 'tuned'}.get(i, i), m['cap'],
                 m['traffic_per_kop'], m['held_bytes'],
                 m['budget_bytes'] if m['budget'] else '–',
                 m['trimmed_busy_bytes'], m['trimmed_idle_bytes']]
                for (s, i), m in sorted(bm.items())]
        if body:
            o.append('\n' + md_table(
                ['size', 'cache', 'capacity after', 'objects refilled + '
                 'flushed per 1000 operations', 'bytes held after',
                 'of them against the budget (sheaf capacities)',
                 'after a busy trim', 'after an idle trim'], body))
            o.append('\nThe tuned cache starts at the default capacity and '
                     'tunes itself in a first run, not counted; the refills '
                     'and flushes are those of the runs after it. Where the '
                     'fixed default sends under 5% of the operations to the '
                     'base, the targets say n/a. A trim interval with sheaf '
                     'exchanges gives back what the barns did not use; an '
                     'idle one gives back everything.\n')

    for case in cases:
        if case not in KNOWN:
            rows = [r for r in R.rows if r['case'] == case]
            keys = [k for k in ('size', 'n', 'used', 'order', 'cpus', 'cap')
                    if len({r.get(k) for r in rows}) > 1] or ['size']
            o.append(f'\n### {case}\n\n')
            o.append(grid(R, dict(case=case), tuple(keys), ('impl',)))

    mem = [m for m in mems if m['kernel'] == R.kernel and m['mode'] == R.mode and
           m.get('case') == 'mem' and m['core'] == 'stats']
    if mem:
        burst = c_define('BENCH_MAX_BATCH')
        o.append('\n### Memory held in sheaves, default capacities\n\n')
        body = []
        for m in mem:
            s, c = m['size'], m['cap']
            g = per_cap.get(c)
            sheaf = g['sheaf'] if g else line[0](c) if line else None
            body.append([s, c, fmt(sheaf, 0),
                         fmt(sheaf and 2 * (c * s + sheaf), 0),
                         fmt(g and g['full'] * c * s + (g['full'] + g['empty']) * sheaf, 0),
                         m['after_pair'] * s, m['after_burst'] * s,
                         m['after_cases'] * s])
        g = next(iter(per_cap.values()), None)
        barn = f'{g["full"]} full + {g["empty"]} empty' if g else 'full and empty'
        o.append(md_table(['size', 'capacity', 'bytes per sheaf',
                           'per CPU at most (2 full sheaves)',
                           f'per node at most (barn: {barn})',
                           'held after one pair',
                           f'after a burst of {burst or "objects"}',
                           'after all cases (all CPUs)'], body))
        o.append('\nBytes of objects held, plus the sheaves themselves where '
                 'it says so' +
                 (f'; a sheaf is a {line[1]}-byte header and {line[2]} bytes '
                  'per object (from debugfs)' if line else '') +
                 '. "After one pair" is one CPU\'s main sheaf, refilled '
                 'to capacity by the first allocation; a burst '
                 f'{"of " + str(burst) + " " if burst else ""}fills '
                 'main, spare and the barn.\n')
    o.append(debugfs_table(R.misc))
    return ''.join(o)


def debugfs_table(misc):
    """The debugfs 'cached' and 'sheaves' files after the main run."""
    cached, layout = OrderedDict(), OrderedDict()
    for line in misc:
        f = line.split()
        if len(f) < 5 or f[0] != 'BENCHFS' or f[1] != 'stats':
            continue
        if f[3] == 'cached':
            cached.setdefault(f[2], {})[f[4]] = f[5] if len(f) > 5 else ''
        elif f[3] == 'sheaves' and not f[4].startswith('capacity'):
            layout.setdefault(f[2], []).append(' '.join(f[4:]))
    if not cached:
        return ''
    body = [[c, d.get('objects', '–'), d.get('bytes', '–'), d.get('sheaves', '–'),
             d.get('sheaf_bytes', '–'), '; '.join(layout.get(c, []))]
            for c, d in cached.items()]
    return ('\nThe debugfs files after all cases (`cached`, `sheaves`):\n\n' +
            md_table(['cache', 'objects', 'bytes', 'sheaves', 'sheaf bytes',
                      'per CPU (main, spare) and per node (barn)'], body))


def bars(R):
    """The bars of a run's plot: (label, want) for the pair, each batch
    size above 1 (LIFO; shuffled at the largest), each reservation size
    above 1 with every object used, the largest with one used, the
    cross-CPU case and prefill."""
    out = [('pair', dict(case='pair'))]
    ns = [n for n in R.values('n', case='batch') if n > 1]
    out += [(f'batch {n}', dict(case='batch', n=n, order='lifo')) for n in ns]
    out += [(f'batch {n} shuf', dict(case='batch', n=n, order='shuffled'))
            for n in ns[-1:]]
    ns = [n for n in R.values('n', case='guar') if n > 1]
    out += [(f'guar {n}', dict(case='guar', n=n, used=n)) for n in ns]
    out += [(f'guar {n} use 1', dict(case='guar', n=n, used=1)) for n in ns[-1:]]
    return out + [('cross', dict(case='cross')), ('prefill', dict(case='prefill'))]


def line_plots(outdir, png, title, setup, runs, case, xkey, cols, value, label):
    """gnuplot lines for one PNG: a chart per run of @runs, x the values of
    @xkey in @case, a line per column cols(R), y value(R, x, column)."""
    script = ['set terminal pngcairo size 1200,480 font ",10"',
              'set style data linespoints', 'set xtics norotate',
              'set key top left'] + setup + [
        f'set output "{os.path.join(outdir, png)}"',
        f'set multiplot layout 1,{len(runs)} title "{title}"']
    for R in runs:
        fn = os.path.join(outdir, 'plots', f'{case}-{R.kernel}-{R.mode}.dat')
        cs = cols(R)
        with open(fn, 'w') as f:
            for x in R.values(xkey, case=case):
                f.write(' '.join([str(x)] + [value(R, x, c) for c in cs]) + '\n')
        script.append(f'set title "{R.kernel} {R.mode}"')
        script.append('plot ' + ', '.join(f'"{fn}" using 1:{k + 2} title "{label(c)}"'
                                          for k, c in enumerate(cs)))
    return script + ['unset multiplot']


def gnuplot(outdir, runs):
    """PNGs: ns/op by case and size per run; scaling; capacity sweep."""
    data = os.path.join(outdir, 'plots')
    os.makedirs(data, exist_ok=True)
    script = ['set terminal pngcairo size 1500,480 font ",10"',
              'set style data histograms', 'set style histogram clustered gap 1',
              'set style fill solid 0.8 border -1', 'set boxwidth 0.9',
              'set grid ytics', 'set logscale y', 'set key top left',
              'set xtics rotate by -35']
    for R in runs:
        base = f'ns-{R.kernel}-{R.mode}'
        plots = []
        for s in R.sizes():
            fn = os.path.join(data, f'{base}-{s}.dat')
            with open(fn, 'w') as f:
                f.write('case sheaf slab mempool\n')
                for label, want in bars(R):
                    if want['case'] == 'prefill':
                        sh = R.ns(case='prefill', size=s, impl='barn')
                        sl = R.ns(case='pair', size=s, impl='slab')
                        sl = 2 * sl if sl else None
                    else:
                        sh = R.ns(size=s, impl='sheaf', **want)
                        sl = R.ns(size=s, impl='slab', **want)
                    mp = R.ns(size=s, impl='mempool', **want)
                    if sh is None and sl is None:
                        continue
                    f.write('"%s" %s %s %s\n' % (label, fmt(sh), fmt(sl), fmt(mp)))
            plots.append(
                f'set title "{s}-byte objects"\n'
                f'plot "{fn}" using 2:xtic(1) title "sheaf", '
                f'"" using 3 title "slab (prefill: 2 slab pairs)", '
                f'"" using 4 title "mempool"')
        unit = 'guest instructions' if R.mode == 'icount' else 'ns'
        script += [f'set output "{os.path.join(outdir, base + ".png")}"',
                   f'set ylabel "{unit} per operation (log)"',
                   f'set multiplot layout 1,{len(R.sizes())} title "{R.kernel}, '
                   f'{MODE_TEXT.get(R.mode, R.mode)}"'] + plots + ['unset multiplot']

    # The smallest and largest sizes: the middle ones only crowd the chart.
    def ends(R):
        return uniq(R.sizes()[:1] + R.sizes()[-1:])

    scaled = [R for R in runs if any(c > 1 for c in R.values('cpus', case='scale'))]
    if scaled:
        script += line_plots(
            outdir, 'scaling.png', 'Throughput with every CPU allocating and freeing',
            ['set logscale y', 'set xtics 1', 'set xlabel "CPUs running the fast path"',
             'set ylabel "total Mops/s"'], scaled, 'scale', 'cpus',
            lambda R: [(s, i) for s in ends(R) for i in R.values('impl', case='scale')],
            lambda R, c, k: fmt(R.mops(case='scale', size=k[0], impl=k[1], cpus=c), 3),
            lambda k: f'{k[1]} {k[0]} B')

    swept = [R for R in runs if R.values('cap', case='sweep')]
    if swept:
        caps = sorted({c for R in swept for c in R.values('cap', case='sweep')})
        script += line_plots(
            outdir, 'capacity.png', 'Capacity sweep: N allocations then N frees',
            ['set logscale x 2', 'unset logscale y',
             'set xtics (' + ', '.join(f'"{c}" {c}' for c in caps) + ')',
             'set xlabel "sheaf capacity (objects)"', 'set ylabel "per alloc+free pair"'],
            swept, 'sweep', 'cap',
            lambda R: [(s, n) for s in R.sizes() for n in R.values('n', case='sweep')],
            lambda R, c, k: fmt(R.ns(case='sweep', size=k[0], cap=c, n=k[1])),
            lambda k: f'{k[0]} B, N = {k[1]}')

    gp = os.path.join(data, 'plots.gp')
    with open(gp, 'w') as f:
        f.write('\n'.join(script) + '\n')
    try:
        # Empty series (a case a mode cannot run) only make it warn.
        subprocess.run(['gnuplot', gp], check=True, capture_output=True,
                       text=True)
    except OSError as e:
        print(f'bench-report: gnuplot: {e}', file=sys.stderr)
        return False
    except subprocess.CalledProcessError as e:
        print(f'bench-report: gnuplot failed:\n{e.stderr}', file=sys.stderr)
        return False
    return True


def write_csv(outdir, rows):
    """results.csv: the RESULT fields as printed, in the order first seen,
    between the run's keys and the ratios."""
    first = ['kernel', 'mode', 'core']
    last = ['ratio', 'ratio_to']
    fields = first + [k for k in uniq(k for r in rows for k in r)
                      if k not in first + last] + last
    with open(os.path.join(outdir, 'results.csv'), 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=fields, restval='', lineterminator='\n')
        w.writeheader()
        w.writerows(rows)


def main():
    args = sys.argv[1:]
    md_only = bool(args) and args[0] == '--md-only'
    if md_only:
        args = args[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    outdir = args[0]
    os.makedirs(outdir, exist_ok=True)
    rows, mems, info = [], [], OrderedDict()
    for spec in args[1:]:
        kernel, mode, path = spec.split(':', 2)
        try:
            r, m, metas, misc = parse(kernel, mode, path)
        except OSError as e:
            print(f'bench-report: {e}', file=sys.stderr)
            continue
        rows += r
        mems += m
        info[(kernel, mode)] = (metas, misc, path)
    add_ratios(rows)
    if not md_only:
        write_csv(outdir, rows)

    runs = [Run(k, m, rows, info[(k, m)][1], mems) for (k, m) in info
            if any(r['kernel'] == k and r['mode'] == m for r in rows)]
    reps = [d['reps'] for metas, _, _ in info.values() for d in metas
            if isinstance(d.get('reps'), int)]
    o = ['# sheafcache benchmark\n\n',
         'Generated by `make bench` (scripts/bench.sh, bench/). '
         f'Every figure is the median of at least {min(reps) if reps else "?"} '
         'repetitions, and every '
         'ratio compares figures of the same boot. In icount mode a guest '
         'nanosecond is one guest instruction, so those figures count '
         'instructions exactly; wall-time figures under TCG are noisy and '
         'only their ratios mean anything.\n\n',
         'Fairness: sheafcache and slab use the same base cache, created '
         'unmergeable so that no other user shares its slabs. Debian enables '
         'init_on_alloc, so both zero every object they hand out; the '
         '"array" floor does not zero, "array + zeroing" does. '
         'kmem_cache_alloc(GFP_KERNEL) may reschedule (might_alloc()), the '
         'sheafcache fast path may not; the guest waits for boot work to '
         'finish before measuring so that this costs nothing.\n\n']
    for (k, m), (metas, misc, path) in info.items():
        meta = metas[0] if metas else {}
        host = [x for x in misc if x.startswith('BENCHHOST')]
        cpu = [x[9:] for x in misc if x.startswith('BENCHCPU')]
        quiet = [x for x in misc if x.startswith('BENCHQUIET')]
        o.append(f'- {k}, {m}: {MODE_TEXT.get(m, m)}; '
                 f'{meta.get("cpus", "?")} CPU(s), init_on_alloc='
                 f'{meta.get("init_on_alloc", "?")}, reps={meta.get("reps", "?")}, '
                 f'scale={meta.get("scale", "?")}%'
                 f'{"; CPU " + cpu[0] if cpu else ""}'
                 f'{"; ran on the host kernel, not in a VM" if host else ""}'
                 f'{"; " + quiet[0][11:] if quiet and "never" in quiet[0] else ""}'
                 f'{"" if metas else "; NO RESULTS (see " + path + ")"}\n')

    o.append('\n## Targets\n\n')
    t = targets(runs)
    o.append(md_table(['target'] + [R.label() for R in runs],
                      [[label] + cells for label, cells in t]))
    o.append('\nRatios are sheafcache / reference (throughput: 2 CPUs / 1 CPU; '
             'statistics: the share of the pair they cost). A figure the mode '
             'cannot measure shows –. "(noisy)": in wall time, the repetitions '
             f'of a figure behind the verdict spread more than {NOISY}× '
             '(max / min): the host was busy with other work, and the '
             'verdict says little. Scaling needs a host core per vCPU.\n')
    for R in runs:
        o.append(run_sections(R, mems))
    if not md_only and gnuplot(outdir, runs):
        o.append('\n## Plots\n\n')
        for R in runs:
            o.append(f'![{R.label()}](ns-{R.kernel}-{R.mode}.png)\n\n')
        for p in ('scaling.png', 'capacity.png'):
            if os.path.exists(os.path.join(outdir, p)):
                o.append(f'![{p}]({p})\n\n')
    with open(os.path.join(outdir, 'report.md'), 'w') as f:
        f.write(''.join(o))


if __name__ == '__main__':
    main()
