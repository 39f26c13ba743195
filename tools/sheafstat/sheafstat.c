// SPDX-License-Identifier: GPL-2.0
/*
 * sheafstat: sheafcache's caches at a glance, in the manner of
 * tools/mm/slabinfo.c: one line per cache from /proc/sheafinfo and the
 * files of /sys/kernel/sheafcache/<cache>/, sorted by any column; with
 * -d, the rates over an interval and the hit ratios of that interval.
 *
 * Both are readable under lockdown (Secure Boot), unlike debugfs. Root
 * is needed: /proc/sheafinfo is mode 0400, as /proc/slabinfo.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(x)		(sizeof(x) / sizeof((x)[0]))

/* The major version of /proc/sheafinfo's format this tool reads. */
#define SHEAFINFO_HEADER	"sheafcache - version: "
#define SHEAFINFO_MAJOR		1

#define MAX_CACHES	1024
#define NAME_MAX_LEN	31

/* Where the files are: "" on a live system, a fixture tree in tests. */
static const char *root = "";
static const char *prog = "sheafstat";

/* The counters read from sysfs, one file each ("total C0=n ..."). */
enum counter {
	ALLOC_FAST, ALLOC_SLOW, FREE_FAST, FREE_SLOW, REFILL, FLUSH,
	BARN_GET, BARN_GET_FAIL, PREFILL_FAST, PREFILL_SLOW, NR_COUNTERS
};

static const char * const counter_file[NR_COUNTERS] = {
	[ALLOC_FAST]	= "alloc_fast",
	[ALLOC_SLOW]	= "alloc_slow",
	[FREE_FAST]	= "free_fast",
	[FREE_SLOW]	= "free_slow",
	[REFILL]	= "sheaf_refill",
	[FLUSH]		= "sheaf_flush",
	[BARN_GET]	= "barn_get",
	[BARN_GET_FAIL]	= "barn_get_fail",
	[PREFILL_FAST]	= "prefill_fast",
	[PREFILL_SLOW]	= "prefill_slow",
};

struct cache {
	char name[NAME_MAX_LEN + 1];
	unsigned long long object_size, capacity, objects, sheaves, bytes;
	unsigned long long max_full, max_empty;
	unsigned long long c[NR_COUNTERS];
	/* Columns computed for display: totals, or rates with -d. */
	double alloc, free, hit, free_hit, refill, flush, barn_hit, prefill;
};

struct column {
	const char *name;
	int width;
	/* Offset of an unsigned long long, or of a double if is_double. */
	size_t off;
	bool is_double;
	bool is_name;
};

#define COL_U(n, w, f)	{ n, w, __builtin_offsetof(struct cache, f), false, false }
#define COL_D(n, w, f)	{ n, w, __builtin_offsetof(struct cache, f), true, false }

static const struct column columns[] = {
	{ "name", -24, 0, false, true },
	COL_U("objsize", 7, object_size),
	COL_U("cap", 5, capacity),
	COL_U("objects", 9, objects),
	COL_U("sheaves", 7, sheaves),
	COL_U("bytes", 11, bytes),
	COL_D("alloc", 11, alloc),
	COL_D("free", 11, free),
	COL_D("hit%", 6, hit),
	COL_D("freehit%", 8, free_hit),
	COL_D("refill", 10, refill),
	COL_D("flush", 10, flush),
	COL_D("barnhit%", 8, barn_hit),
	COL_D("prefill", 9, prefill),
};

#define NR_COLUMNS	ARRAY_SIZE(columns)

noreturn static void fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Why a file could not be opened, in the user's terms. */
noreturn static void open_failed(const char *path)
{
	char mod[PATH_MAX];

	if (errno == EACCES || errno == EPERM)
		fatal("%s: permission denied (run as root)", path);
	snprintf(mod, sizeof(mod), "%s/sys/module/sheafcache", root);
	if (errno == ENOENT && access(mod, F_OK))
		fatal("the sheafcache module is not loaded (no %s)", mod);
	fatal("%s: %s", path, strerror(errno));
}

/* A decimal number that must end at the end of the string or a blank. */
static bool parse_ull(const char *s, unsigned long long *val, const char **end)
{
	char *e;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*val = strtoull(s, &e, 10);
	if (errno || (*e && !isspace((unsigned char)*e)))
		return false;
	if (end)
		*end = e;
	return true;
}

/*
 * One sysfs value: "n\n", or a counter's "total C0=n C1=m\n"; anything
 * else, a missing newline (a truncated file) too, is an error.
 */
static unsigned long long read_value(const struct cache *c, const char *file,
				     bool counter)
{
	char path[PATH_MAX], buf[4096];
	unsigned long long val, part, sum = 0;
	const char *p;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/kernel/sheafcache/%s/%s", root,
		 c->name, file);
	f = fopen(path, "r");
	if (!f)
		open_failed(path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (!n || buf[n - 1] != '\n' || !parse_ull(buf, &val, &p))
		fatal("%s: not a number: '%.*s'", path, (int)strcspn(buf, "\n"), buf);
	while (counter && *p == ' ') {
		if (p[1] != 'C' || !isdigit((unsigned char)p[2]))
			fatal("%s: malformed counter", path);
		p = strchr(p + 2, '=');
		if (!p || !parse_ull(p + 1, &part, &p))
			fatal("%s: malformed counter", path);
		sum += part;
	}
	if (strcmp(p, "\n"))
		fatal("%s: trailing garbage", path);
	if (counter && sum && sum != val)
		fatal("%s: CPUs add up to %llu, not %llu", path, sum, val);
	return val;
}

/* One cache line of /proc/sheafinfo; false if it is not one. */
static bool parse_line(const char *line, struct cache *c)
{
	char name[64], end;
	int n;

	n = sscanf(line,
		   "%63s %llu %llu %llu %llu %llu : tunables %llu %llu : stats %*u %*u %*u %*u%c",
		   name, &c->object_size, &c->capacity, &c->objects,
		   &c->sheaves, &c->bytes, &c->max_full, &c->max_empty, &end);
	if (n != 9 || end != '\n' || strlen(name) > NAME_MAX_LEN)
		return false;
	snprintf(c->name, sizeof(c->name), "%s", name);
	return true;
}

/* Every cache, from /proc/sheafinfo and each cache's sysfs counters. */
static int read_caches(struct cache *caches)
{
	char path[PATH_MAX], line[512];
	int nr = 0, lineno = 1, major, minor, i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/sheafinfo", root);
	f = fopen(path, "r");
	if (!f)
		open_failed(path);
	if (!fgets(line, sizeof(line), f))
		fatal("%s: empty", path);
	if (strncmp(line, SHEAFINFO_HEADER, strlen(SHEAFINFO_HEADER)) ||
	    sscanf(line + strlen(SHEAFINFO_HEADER), "%d.%d", &major, &minor) != 2)
		fatal("%s: not a sheafinfo header: '%.*s'", path,
		      (int)strcspn(line, "\n"), line);
	if (major != SHEAFINFO_MAJOR)
		fatal("%s: version %d.%d, this sheafstat reads %d.x", path,
		      major, minor, SHEAFINFO_MAJOR);
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#')
			continue;
		if (nr == MAX_CACHES)
			fatal("%s: more than %d caches", path, MAX_CACHES);
		memset(&caches[nr], 0, sizeof(caches[nr]));
		if (!parse_line(line, &caches[nr]))
			fatal("%s:%d: malformed line: '%.*s'", path, lineno,
			      (int)strcspn(line, "\n"), line);
		nr++;
	}
	fclose(f);
	for (i = 0; i < nr; i++) {
		struct cache *c = &caches[i];
		int k;

		/* sysfs has the live values; sheafinfo's may be older. */
		c->capacity = read_value(c, "capacity", false);
		c->objects = read_value(c, "objects", false);
		c->bytes = read_value(c, "bytes", false);
		c->sheaves = read_value(c, "sheaves", false);
		for (k = 0; k < NR_COUNTERS; k++)
			c->c[k] = read_value(c, counter_file[k], true);
	}
	return nr;
}

static double ratio(unsigned long long hit, unsigned long long miss)
{
	return hit + miss ? 100.0 * hit / (hit + miss) : 0;
}

/* The display columns of @c: since @old (NULL: since load), per second. */
static void compute(struct cache *c, const struct cache *old, double secs)
{
	unsigned long long d[NR_COUNTERS];
	int k;

	/* A counter cleared meanwhile (write 0 to it) counts from 0. */
	for (k = 0; k < NR_COUNTERS; k++)
		d[k] = old && c->c[k] >= old->c[k] ? c->c[k] - old->c[k] : c->c[k];
	if (!old)
		secs = 1;
	c->alloc = (d[ALLOC_FAST] + d[ALLOC_SLOW]) / secs;
	c->free = (d[FREE_FAST] + d[FREE_SLOW]) / secs;
	c->hit = ratio(d[ALLOC_FAST], d[ALLOC_SLOW]);
	c->free_hit = ratio(d[FREE_FAST], d[FREE_SLOW]);
	c->refill = d[REFILL] / secs;
	c->flush = d[FLUSH] / secs;
	c->barn_hit = ratio(d[BARN_GET], d[BARN_GET_FAIL]);
	c->prefill = (d[PREFILL_FAST] + d[PREFILL_SLOW]) / secs;
}

static const struct column *sort_col;
static bool sort_reverse;

static int compare(const void *a, const void *b)
{
	const struct cache *x = a, *y = b;
	int r;

	if (sort_col->is_name) {
		r = strcmp(x->name, y->name);
	} else if (sort_col->is_double) {
		double u = *(const double *)((const char *)x + sort_col->off);
		double v = *(const double *)((const char *)y + sort_col->off);

		/* Largest first, as slabinfo's -S. */
		r = (u < v) - (u > v);
	} else {
		const char *p = (const char *)x + sort_col->off;
		const char *q = (const char *)y + sort_col->off;
		unsigned long long u = *(const unsigned long long *)p;
		unsigned long long v = *(const unsigned long long *)q;

		r = (u < v) - (u > v);
	}
	if (!r)
		r = strcmp(x->name, y->name);
	return sort_reverse ? -r : r;
}

static void print_table(struct cache *caches, int nr, bool rates)
{
	size_t k;
	int i;

	for (k = 0; k < NR_COLUMNS; k++) {
		const char *n = columns[k].name;
		char head[32];

		if (rates && columns[k].is_double && !strchr(n, '%'))
			snprintf(head, sizeof(head), "%s/s", n);
		else
			snprintf(head, sizeof(head), "%s", n);
		printf(k ? " %*s" : "%*s", columns[k].width, head);
	}
	putchar('\n');
	for (i = 0; i < nr; i++) {
		const struct cache *c = &caches[i];

		for (k = 0; k < NR_COLUMNS; k++) {
			const struct column *col = &columns[k];
			const char *p = (const char *)c + col->off;

			if (col->is_name)
				printf("%*s", col->width, c->name);
			else if (col->is_double)
				printf(" %*.*f", col->width,
				       strchr(col->name, '%') ? 1 : 0,
				       *(const double *)p);
			else
				printf(" %*llu", col->width,
				       *(const unsigned long long *)p);
		}
		putchar('\n');
	}
	fflush(stdout);
}

noreturn static void print_usage(FILE *to, int status)
{
	size_t k;

	fprintf(to,
		"usage: %s [-s COLUMN] [-R] [-d SECONDS [-n COUNT] | --once] [--root DIR]\n"
		"  -s, --sort COLUMN   sort by COLUMN (numbers largest first)\n"
		"  -R, --reverse       reverse the order\n"
		"  -d, --delay SECONDS rates per second over each interval, and its hit ratios\n"
		"  -n, --count COUNT   stop after COUNT intervals (default: never)\n"
		"      --once          one table (with -d: one interval) and exit\n"
		"      --root DIR      read DIR/proc/sheafinfo and DIR/sys/kernel/sheafcache\n"
		"  -V, --version       print the version of sheafinfo this reads\n"
		"columns:", prog);
	for (k = 0; k < NR_COLUMNS; k++)
		fprintf(to, " %s", columns[k].name);
	fputc('\n', to);
	exit(status);
}

static const struct column *find_column(const char *name)
{
	size_t k;

	for (k = 0; k < NR_COLUMNS; k++)
		if (!strcmp(columns[k].name, name))
			return &columns[k];
	fatal("no column '%s' (see --help)", name);
}

/* Pairs each cache of @now with its entry in @old by name, if any. */
static const struct cache *find_old(const struct cache *old, int nr,
				    const char *name)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(old[i].name, name))
			return &old[i];
	return NULL;
}

static void sleep_secs(double secs)
{
	struct timespec ts = { (time_t)secs,
			       (long)((secs - (time_t)secs) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sort", required_argument, NULL, 's' },
		{ "reverse", no_argument, NULL, 'R' },
		{ "delay", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "once", no_argument, NULL, 'o' },
		{ "root", required_argument, NULL, 'r' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	static struct cache a[MAX_CACHES], b[MAX_CACHES], zero;
	const struct cache *o;
	struct cache *now = a, *old = b, *t;
	double delay = 0;
	long count = -1;
	int opt, nr, nr_old, i;
	char *end;

	sort_col = &columns[0];
	while ((opt = getopt_long(argc, argv, "s:Rd:n:Vh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sort_col = find_column(optarg);
			break;
		case 'R':
			sort_reverse = true;
			break;
		case 'd':
			delay = strtod(optarg, &end);
			if (*end || !(delay > 0) || delay > 86400)
				fatal("-d: not a number of seconds: '%s'", optarg);
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end || count <= 0)
				fatal("-n: not a count: '%s'", optarg);
			break;
		case 'o':
			count = 1;
			break;
		case 'r':
			root = optarg;
			break;
		case 'V':
			printf("sheafstat, for /proc/sheafinfo version %d.x\n",
			       SHEAFINFO_MAJOR);
			return 0;
		case 'h':
			print_usage(stdout, 0);
		default:
			print_usage(stderr, 2);
		}
	}
	if (optind < argc)
		print_usage(stderr, 2);

	nr = read_caches(now);
	if (!delay) {
		for (i = 0; i < nr; i++)
			compute(&now[i], NULL, 1);
		qsort(now, nr, sizeof(*now), compare);
		print_table(now, nr, false);
		return 0;
	}
	for (; count; count > 0 ? count-- : 0) {
		t = old, old = now, now = t;
		nr_old = nr;
		sleep_secs(delay);
		nr = read_caches(now);
		for (i = 0; i < nr; i++) {
			/* A cache made during the interval starts from 0. */
			o = find_old(old, nr_old, now[i].name);
			compute(&now[i], o ? o : &zero, delay);
		}
		qsort(now, nr, sizeof(*now), compare);
		print_table(now, nr, true);
		if (count != 1)
			putchar('\n');
	}
	return 0;
}
