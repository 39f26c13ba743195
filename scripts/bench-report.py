#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the logs of make bench into bench/report/: report.md, results.csv
and PNG plots (gnuplot).

usage: bench-report.py OUTDIR KERNEL:MODE:LOG...

Each log is the console of one boot (or the kernel log of a host run): the
RESULT, MEM and META lines that bench/sheafcache_bench.c prints, and the
BENCH* lines of scripts/guest/bench.sh. Every ratio is taken between figures
of the same boot.
"""

import csv
import os
import re
import subprocess
import sys
from collections import OrderedDict

SIZES = (64, 256, 1024)
# Header of struct sheaf (internal.h): objects follow it, 8 bytes each.
SHEAF_HEADER = 32
BARN_FULL = BARN_EMPTY = 10
FIELDS = ('kernel', 'mode', 'core', 'case', 'size', 'impl', 'n', 'used',
          'order', 'cpus', 'cap', 'ns', 'min', 'max', 'reps', 'mops',
          'ratio', 'ratio_to')
MODE_TEXT = {
    'wall': 'wall time, multi-threaded TCG, 2 vCPUs',
    'icount': 'icount (1 ns = 1 guest instruction), 1 vCPU',
    'host': 'wall time on the host kernel',
}

PREFIX = re.compile(r'^\[ *\d+\.\d+\] (?:\[ *[CT]\d+\] )?')


def kv(text):
    return dict(f.split('=', 1) for f in text.split() if '=' in f)


def parse(kernel, mode, path):
    """Rows of RESULT lines, MEM lines, META lines and BENCH* lines."""
    rows, mems, metas, misc = [], [], [], []
    core = 'stats'
    with open(path, errors='replace') as f:
        for line in f:
            line = PREFIX.sub('', line.rstrip('\n'))
            if line.startswith('BENCH'):
                misc.append(line)
                continue
            m = re.match(r'sheafcache_bench: (RESULT|MEM|META) (.*)', line)
            if not m:
                continue
            d = kv(m.group(2))
            if m.group(1) == 'META':
                core = d.get('core', 'stats')
                metas.append(d)
            elif m.group(1) == 'MEM':
                d.update(kernel=kernel, mode=mode, core=core)
                mems.append(d)
            else:
                r = {k: d.get(k, '') for k in FIELDS}
                r.update(kernel=kernel, mode=mode, core=core)
                for k in ('size', 'n', 'used', 'cpus', 'cap', 'reps'):
                    r[k] = int(r[k])
                for k in ('ns', 'min', 'max'):
                    r[k] = float(r[k])
                r['mops'] = float(r['mops']) if r['mops'] else ''
                rows.append(r)
    return rows, mems, metas, misc


def find(rows, **want):
    for r in rows:
        if all(r[k] == v for k, v in want.items()):
            return r
    return None


def add_ratios(rows):
    """Ratio to slab in the same case, else to the slab pair of the size."""
    for r in rows:
        key = dict(kernel=r['kernel'], mode=r['mode'], core=r['core'],
                   size=r['size'])
        slab = find(rows, case=r['case'], impl='slab', n=r['n'],
                    used=r['used'], order=r['order'], cpus=r['cpus'], **key)
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


class Run:
    def __init__(self, kernel, mode, rows, core='stats'):
        self.kernel, self.mode, self.core = kernel, mode, core
        self.rows = [r for r in rows
                     if r['kernel'] == kernel and r['mode'] == mode]

    def ns(self, core=None, **want):
        r = find(self.rows, core=core or self.core, **want)
        return r['ns'] if r else None

    def noisy(self, *wants):
        """Whether a wall-time figure among @wants spread too wide."""
        if self.mode == 'icount':
            return False
        for want in wants:
            r = find(self.rows, **dict({'core': self.core}, **want))
            if r and r['min'] > 0 and r['max'] / r['min'] > NOISY:
                return True
        return False

    def mops(self, **want):
        r = find(self.rows, core=self.core, **want)
        return r['mops'] if r and r['mops'] != '' else None

    def label(self):
        if self.core != 'stats':
            return f'{self.kernel} {self.mode}, patches to {self.core[:4]}'
        return f'{self.kernel} {self.mode}'


def ratio(a, b):
    return a / b if a is not None and b else None


def targets(runs):
    """The issue's targets: (label, {run: cell})."""
    out = []

    def row(label, fn):
        out.append((label, [fn(run) for run in runs]))

    def rel(R, a, b, limit, **kw):
        """verdict() of figure a / figure b, flagged when either is noisy."""
        return verdict(ratio(R.ns(**a), R.ns(**b)), limit,
                       noisy=R.noisy(a, b), **kw)

    for s in SIZES:
        row(f'pair ≤ 0.35 × slab pair, {s} B',
            lambda R, s=s: rel(R, dict(case='pair', size=s, impl='sheaf'),
                               dict(case='pair', size=s, impl='slab'), 0.35))
    for s in SIZES:
        row(f'pair ≤ 3 × per-CPU array floor, {s} B',
            lambda R, s=s: rel(R, dict(case='pair', size=s, impl='sheaf'),
                               dict(case='pair', size=s, impl='array'), 3))

    def from_sheaf(R):
        v = R.ns(case='from', size=64, impl='sheaf')
        if v is None:
            return '–'
        if R.mode != 'icount':
            return f'{v:.1f} ns'
        return f'{v:.1f} {"PASS" if v <= 25 else "MISS"}'
    row('alloc_from_sheaf ≤ 25 instructions/object, 64 B, zeroed '
        '(icount)', from_sheaf)
    for s in SIZES:
        row(f'prefill(capacity) + return from a warm barn ≤ 2 slab pairs, {s} B',
            lambda R, s=s: rel(R, dict(case='prefill', size=s, impl='barn'),
                               dict(case='pair', size=s, impl='slab'), 2))
    for s in SIZES:
        row(f'guaranteed 32 objects: prefill < 32 × mempool_alloc, {s} B',
            lambda R, s=s: rel(R, dict(case='guar', size=s, impl='sheaf', n=32, used=32),
                               dict(case='guar', size=s, impl='mempool', n=32, used=32),
                               0.999))

    def scaling(R, s):
        one = R.mops(case='scale', size=s, impl='sheaf', cpus=1)
        two = R.mops(case='scale', size=s, impl='sheaf', cpus=2)
        return verdict(ratio(two, one), 1.8, lower_is_better=False,
                       noisy=R.noisy(dict(case='scale', size=s, impl='sheaf', cpus=1),
                                     dict(case='scale', size=s, impl='sheaf', cpus=2)))
    for s in SIZES:
        row(f'fast-path throughput, 2 vCPUs ≥ 1.8 × 1 vCPU, {s} B',
            lambda R, s=s: scaling(R, s))

    def stats(R, s):
        if R.core != 'stats':
            return '–'
        on = R.ns(case='pair', size=s, impl='sheaf')
        off = R.ns(core='nostats', case='pair', size=s, impl='sheaf')
        if on is None or off is None:
            return '–'
        cost = (on - off) / on
        noisy = R.noisy(dict(case='pair', size=s, impl='sheaf'),
                        dict(core='nostats', case='pair', size=s, impl='sheaf'))
        return (f'{cost * 100:+.1f}% {"PASS" if cost <= 0.10 else "MISS"}'
                f'{" (noisy)" if noisy else ""}')
    for s in SIZES:
        row(f'statistics cost ≤ 10% of the pair, {s} B',
            lambda R, s=s: stats(R, s))
    return out


def md_table(head, body):
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '|'.join('---' if i == 0 else '---:'
                            for i in range(len(head))) + '|']
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in body]
    return '\n'.join(lines) + '\n'


def cell(R, digits=1, **want):
    """'ns (ratio)' for a stats-core figure."""
    r = find(R.rows, core='stats', **want)
    if not r:
        return '–'
    if r['ratio'] != '' and r['impl'] != 'slab':
        return f'{r["ns"]:.{digits}f} ({r["ratio"]:.2f})'
    return f'{r["ns"]:.{digits}f}'


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


def run_sections(R, mems, misc=()):
    unit = 'instructions' if R.mode == 'icount' else 'ns'
    o = [f'\n## {R.kernel}, {MODE_TEXT.get(R.mode, R.mode)}\n\n',
         f'Figures are {unit} per operation, medians; in parentheses the '
         'ratio to slab in the same case.\n\n']

    o.append('### a) alloc + free pair\n\n')
    body = []
    for s in SIZES:
        body.append([s] + [cell(R, case='pair', size=s, impl=i)
                           for i in ('sheaf', 'slab', 'array', 'array0')] +
                    [fmt(ratio(R.ns(case='pair', size=s, impl='sheaf'),
                               R.ns(case='pair', size=s, impl='array')), 2),
                     fmt(R.ns(core='nostats', case='pair', size=s, impl='sheaf'))])
    o.append(md_table(['size', 'sheaf', 'slab', 'array floor', 'array + zeroing',
                       'sheaf / floor', 'sheaf, stats compiled out'], body))

    o.append('\n### b) batches: N allocations, then N frees (per pair)\n\n')
    body = []
    for s in SIZES:
        for n in (1, 10, 100, 1000):
            body.append([s, n] + [cell(R, case='batch', size=s, n=n, order=order, impl=i)
                                  for order in ('lifo', 'shuffled')
                                  for i in ('sheaf', 'slab')])
    o.append(md_table(['size', 'N', 'sheaf LIFO', 'slab LIFO', 'sheaf shuffled',
                       'slab shuffled'], body))

    o.append('\n### c) guaranteed allocation of n objects (per reservation: '
             'reserve n, take them under a spinlock with IRQs off, free them)\n\n')
    for used in ('all', 'one'):
        body = []
        for s in SIZES:
            for n in (1, 4, 16, 32, 64):
                u = n if used == 'all' else 1
                if used == 'one' and n == 1:
                    continue
                body.append([s, n] + [cell(R, 0, case='guar', size=s, n=n, used=u, impl=i)
                                      for i in ('sheaf', 'mempool', 'bulk', 'slab')] +
                            [fmt(ratio(R.ns(case='guar', size=s, n=n, used=u, impl='sheaf'),
                                       R.ns(case='guar', size=s, n=n, used=u, impl='mempool')), 2)])
        title = ('every object reserved is used' if used == 'all' else
                 'only one of the n reserved objects is used')
        o.append(f'\n{title}:\n\n')
        o.append(md_table(['size', 'n', 'sheaf (prefill)', 'mempool', 'bulk',
                           'slab (no guarantee)', 'sheaf / mempool'], body))

    o.append('\n### alloc_from_sheaf() and prefill\n\n')
    body = []
    for s in SIZES:
        cap = find(R.rows, case='pair', size=s, impl='sheaf')
        body.append([s, cap['cap'] if cap else '–',
                     cell(R, case='from', size=s, impl='sheaf'),
                     cell(R, case='prefill', size=s, impl='spare'),
                     cell(R, case='prefill', size=s, impl='barn')])
    o.append(md_table(['size', 'capacity', 'alloc_from_sheaf, per object',
                       'prefill(capacity) + return, from the spare',
                       'prefill(capacity) + return, from the barn'], body))
    o.append('\nRatios here are to the slab pair of the size.\n')

    if find(R.rows, case='cross'):
        o.append('\n### d) cross-CPU: allocate on one CPU, free on another '
                 '(per object)\n\n')
        body = [[s] + [cell(R, case='cross', size=s, impl=i) for i in ('sheaf', 'slab')]
                for s in SIZES]
        o.append(md_table(['size', 'sheaf', 'slab'], body))

    o.append('\n### e) every CPU on the fast path: total Mops/s '
             '(scaling to 1 CPU)\n\n')
    body = []
    cpus = sorted({r['cpus'] for r in R.rows if r['case'] == 'scale'})
    for s in SIZES:
        for i in ('sheaf', 'slab', 'array'):
            one = R.mops(case='scale', size=s, impl=i, cpus=1)
            line = [s, i]
            for c in cpus:
                m = R.mops(case='scale', size=s, impl=i, cpus=c)
                line.append('–' if m is None else
                            f'{m:.2f} ({ratio(m, one):.2f}×)' if one else f'{m:.2f}')
            body.append(line)
    o.append(md_table(['size', 'impl'] + [f'{c} CPU' for c in cpus], body))

    o.append('\n### Sheaf capacity sweep: N allocations then N frees, LIFO, '
             'per pair\n\n')
    body = []
    caps = sorted({r['cap'] for r in R.rows if r['case'] == 'sweep'})
    for s in SIZES:
        for c in caps:
            pc = 2 * (c * s + SHEAF_HEADER + 8 * c)
            body.append([s, c] + [cell(R, case='sweep', size=s, cap=c, n=n, impl='sheaf')
                                  for n in (100, 1000)] + [pc])
    o.append(md_table(['size', 'capacity', 'N = 100', 'N = 1000',
                       'bytes per CPU, main + spare full'], body))
    choice = []
    for s in SIZES:
        pts = [(c, R.ns(case='sweep', size=s, cap=c, n=100, impl='sheaf')) for c in caps]
        pts = [(c, v) for c, v in pts if v is not None]
        if pts:
            best = min(v for _, v in pts)
            knee = min(c for c, v in pts if v <= 1.1 * best)
            choice.append(f'{s} B: {knee}')
    if choice:
        o.append('\nSmallest capacity within 10% of the best at N = 100: ' +
                 ', '.join(choice) + '.\n')

    variants = []
    for r in R.rows:
        if r['core'] not in ('stats', 'nostats', 'base') and \
           r['core'] not in variants:
            variants.append(r['core'])
    variants.sort()
    ref = 'base' if find(R.rows, core='base') else 'stats'
    if variants:
        o.append('\n### Proposed core changes, measured in the same boot\n\n'
                 'Each variant is the core with the patches up to its own '
                 'applied (BENCH_CORE_PATCHES); "core" is the core as it is, '
                 'loaded again after the same cases as the variants; in '
                 'parentheses the ratio to it.\n\n')
        body = []
        for case, want in (('pair', dict(case='pair')),
                           ('alloc_from_sheaf', dict(case='from')),
                           ('guar n=4', dict(case='guar', n=4, used=4)),
                           ('guar n=32', dict(case='guar', n=32, used=32)),
                           ('guar n=64, use 1', dict(case='guar', n=64, used=1))):
            for s in SIZES:
                base = R.ns(core=ref, size=s, impl='sheaf', **want)
                if base is None:
                    continue
                line = [case, s, fmt(base)]
                for v in variants:
                    x = R.ns(core=v, size=s, impl='sheaf', **want)
                    line.append('–' if x is None else
                                f'{x:.1f} ({ratio(x, base):.2f})')
                body.append(line)
        o.append(md_table(['case', 'size', 'core'] + variants, body))

    mem = [m for m in mems if m['kernel'] == R.kernel and m['mode'] == R.mode and
           m.get('case') == 'mem' and m['core'] == 'stats']
    if mem:
        o.append('\n### Memory held in sheaves, default capacities\n\n')
        body = []
        for m in mem:
            s, c = int(m['size']), int(m['cap'])
            sheaf = SHEAF_HEADER + 8 * c
            body.append([s, c, sheaf, 2 * (c * s + sheaf),
                         BARN_FULL * c * s + (BARN_FULL + BARN_EMPTY) * sheaf,
                         int(m['after_pair']) * s, int(m['after_burst']) * s,
                         int(m['after_cases']) * s])
        o.append(md_table(['size', 'capacity', 'bytes per sheaf',
                           'per CPU at most (2 full sheaves)',
                           'per node at most (barn: 10 full + 10 empty)',
                           'held after one pair', 'after a burst of 1000',
                           'after all cases (all CPUs)'], body))
        o.append('\nBytes of objects held, plus the sheaves themselves where '
                 'it says so; a sheaf is a 32-byte header and 8 bytes per '
                 'object. "After one pair" is one CPU\'s main sheaf, refilled '
                 'to capacity by the first allocation; a burst of 1000 fills '
                 'main, spare and the barn.\n')
    o.append(debugfs_table(misc))
    return ''.join(o)


def gnuplot(outdir, runs, rows):
    """PNGs: ns/op by case and size per run; scaling; capacity sweep."""
    data = os.path.join(outdir, 'plots')
    os.makedirs(data, exist_ok=True)
    script = ['set terminal pngcairo size 1500,480 font ",10"',
              'set style data histograms', 'set style histogram clustered gap 1',
              'set style fill solid 0.8 border -1', 'set boxwidth 0.9',
              'set grid ytics', 'set logscale y', 'set key top left',
              'set xtics rotate by -35']
    cases = [('pair', dict(case='pair')),
             ('batch 10', dict(case='batch', n=10, order='lifo')),
             ('batch 100 shuf', dict(case='batch', n=100, order='shuffled')),
             ('batch 1000', dict(case='batch', n=1000, order='lifo')),
             ('guar 4', dict(case='guar', n=4, used=4)),
             ('guar 32', dict(case='guar', n=32, used=32)),
             ('guar 64 use 1', dict(case='guar', n=64, used=1)),
             ('cross', dict(case='cross')),
             ('prefill', dict(case='prefill'))]
    for R in runs:
        base = f'ns-{R.kernel}-{R.mode}'
        plots = []
        for s in SIZES:
            fn = os.path.join(data, f'{base}-{s}.dat')
            with open(fn, 'w') as f:
                f.write('case sheaf slab mempool\n')
                for label, want in cases:
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
                   f'set multiplot layout 1,3 title "{R.kernel}, '
                   f'{MODE_TEXT.get(R.mode, R.mode)}"'] + plots + ['unset multiplot']

    scaled = [R for R in runs if any(r['case'] == 'scale' and r['cpus'] > 1
                                     for r in R.rows)]
    if scaled:
        script += ['set terminal pngcairo size 1200,480 font ",10"',
                   'set logscale y', 'set style data linespoints',
                   'set xtics norotate 1', 'set key top left',
                   f'set output "{os.path.join(outdir, "scaling.png")}"',
                   'set xlabel "CPUs running the fast path"',
                   'set ylabel "total Mops/s"',
                   f'set multiplot layout 1,{len(scaled)} title '
                   '"Throughput with every CPU allocating and freeing"']
        for R in scaled:
            fn = os.path.join(data, f'scale-{R.kernel}-{R.mode}.dat')
            cpus = sorted({r['cpus'] for r in R.rows if r['case'] == 'scale'})
            cols = [(s, i) for s in SIZES for i in ('sheaf', 'slab', 'array')]
            with open(fn, 'w') as f:
                for c in cpus:
                    f.write(' '.join([str(c)] + [fmt(R.mops(case='scale', size=s, impl=i,
                                                            cpus=c), 3)
                                                 for s, i in cols]) + '\n')
            script.append(f'set title "{R.kernel} {R.mode}"')
            script.append('plot ' + ', '.join(
                f'"{fn}" using 1:{k + 2} title "{i} {s} B"'
                for k, (s, i) in enumerate(cols) if s != 256))
        script.append('unset multiplot')

    swept = [R for R in runs if any(r['case'] == 'sweep' for r in R.rows)]
    if swept:
        script += ['set terminal pngcairo size 1200,480 font ",10"',
                   'set logscale x 2', 'unset logscale y',
                   'set xtics ("4" 4, "12" 12, "26" 26, "60" 60, "120" 120)',
                   f'set output "{os.path.join(outdir, "capacity.png")}"',
                   'set xlabel "sheaf capacity (objects)"',
                   'set ylabel "per alloc+free pair"',
                   f'set multiplot layout 1,{len(swept)} title '
                   '"Capacity sweep: N allocations then N frees"']
        for R in swept:
            fn = os.path.join(data, f'sweep-{R.kernel}-{R.mode}.dat')
            caps = sorted({r['cap'] for r in R.rows if r['case'] == 'sweep'})
            cols = [(s, n) for s in SIZES for n in (100, 1000)]
            with open(fn, 'w') as f:
                for c in caps:
                    f.write(' '.join([str(c)] + [fmt(R.ns(case='sweep', size=s, cap=c, n=n,
                                                          impl='sheaf'))
                                                 for s, n in cols]) + '\n')
            script.append(f'set title "{R.kernel} {R.mode}"')
            script.append('plot ' + ', '.join(
                f'"{fn}" using 1:{k + 2} title "{s} B, N = {n}"'
                for k, (s, n) in enumerate(cols)))
        script.append('unset multiplot')

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


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    rows, mems, info = [], [], OrderedDict()
    for spec in sys.argv[2:]:
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

    with open(os.path.join(outdir, 'results.csv'), 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator='\n')
        w.writeheader()
        w.writerows(rows)

    runs = [Run(k, m, rows) for (k, m) in info if any(
        r['kernel'] == k and r['mode'] == m for r in rows)]
    o = ['# sheafcache benchmark\n\n',
         'Generated by `make bench` (scripts/bench.sh, bench/sheafcache_bench.c). '
         'Every figure is the median of at least 5 repetitions, and every '
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

    # The last variant of BENCH_CORE_PATCHES (every patch applied) gets
    # columns of its own where icount measured it.
    cols = list(runs)
    for R in runs:
        vs = sorted({r['core'] for r in R.rows} - {'stats', 'nostats', 'base'})
        if vs and R.mode == 'icount':
            cols.append(Run(R.kernel, R.mode, rows, vs[-1]))
    o.append('\n## Targets\n\n')
    t = targets(cols)
    o.append(md_table(['target'] + [R.label() for R in cols],
                      [[label] + cells for label, cells in t]))
    o.append('\nRatios are sheafcache / reference (throughput: 2 CPUs / 1 CPU; '
             'statistics: the share of the pair they cost). A figure the mode '
             'cannot measure shows –. "(noisy)": in wall time, the repetitions '
             f'of a figure behind the verdict spread more than {NOISY}× '
             '(max / min): the host was busy with other work, and the '
             'verdict says little. Scaling needs a host core per vCPU.\n')
    for R in runs:
        o.append(run_sections(R, mems, info[(R.kernel, R.mode)][1]))
    plotted = gnuplot(outdir, runs, rows)
    if plotted:
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
