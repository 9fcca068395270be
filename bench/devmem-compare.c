// SPDX-License-Identifier: GPL-2.0
/*
 * devmem-compare: did a kernel change hot-add, hot-remove or memmap init
 * cost, and can the answer be trusted?
 *
 * Reads devmem-bench results files (results/SCHEMA.md), matches the
 * configurations of every revision with the baseline by id, and for each
 * metric prints the medians with bootstrap confidence intervals, the
 * relative change of the median, a Mann-Whitney p-value adjusted over the
 * revision's rows, and a verdict.  Exit status: 0 no regression, 1 a
 * regression beyond --threshold, 2 unusable input; so it can drive
 * `git bisect run`.
 *
 * A side given as several run files (comma-separated: the rounds of
 * `make compare`, one boot each) is compared run by run: Welch's t-test on
 * the per-run medians, because timings move between boots by more than
 * they vary within one, and cycles of one boot are not independent
 * evidence about the kernel.
 *
 * This is a front end: options in, the comparison engine
 * (bench/lib/compare.h, which the dashboard calls too) does the rest, its
 * output printed and its verdicts turned into the exit status.
 * Configurations are matched by id whatever their workload.
 *
 * To use:
 *	devmem-compare base.json new.json [more.json ...]
 *	devmem-compare --format=markdown --threshold=3 base.json new.json
 *	devmem-compare a1.json,a2.json,a3.json b1.json,b2.json,b3.json
 *	devmem-compare --pair=devdax-mem-4K-1G=devdax-mem-2M-1G run.json run.json
 *	devmem-compare --merge=a.json a-round1.json a-round2.json
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "results.h"

#define EXIT_NO_REGRESSION	0
#define EXIT_REGRESSION		1
#define EXIT_UNUSABLE		2

#define MAX_GLOBS		64
#define MAX_PAIRS		64

/* The engine's options (compare.h), and what they point to. */
static struct dm_compare_opts param;
static const char *metric_globs[MAX_GLOBS];
static const char *config_globs[MAX_GLOBS];
static struct dm_compare_pair pairs[MAX_PAIRS];
static char base_ids[MAX_PAIRS][DM_MAX_NAME + 1];
static enum dm_compare_format format = DM_COMPARE_TABLE;
static const char *merge;		/* --merge=OUT */

static void __attribute__((format(printf, 1, 2))) error(const char *fmt, ...)
{
	va_list ap;

	fputs("devmem-compare: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: devmem-compare [options] BASE.json NEW.json [MORE.json ...]\n"
"       devmem-compare [options] A1.json,A2.json,... B1.json,B2.json,...\n"
"       devmem-compare --merge=OUT.json ROUND.json [ROUND.json ...]\n"
"\n"
"Compare devmem-bench results: every revision against the baseline (the\n"
"first file), configuration by configuration and metric by metric.  A side\n"
"given as comma-separated run files (one boot each, e.g. the rounds of\n"
"make compare) is compared run by run: Welch's t-test on per-run medians.\n"
"\n"
"Options:\n"
"  -t, --threshold=PCT     smallest relative change of the median that\n"
"                          counts, in percent (default: 5; 1 for\n"
"                          tcg-icount results, which count instructions)\n"
"      --calibration=R1.json,R2.json,...\n"
"                          runs of one kernel in perturbed boots (same\n"
"                          machine and accel): a row whose K run medians\n"
"                          spread by S there needs a change beyond the\n"
"                          threshold and beyond max(1, 2.77 / d2(K)) x S\n"
"                          (what two boots may differ by; 2.46 S for 2\n"
"                          boots, 1.64 S for 3) to be flagged\n"
"  -c, --confidence=LEVEL  confidence level, 0.5 to 0.999 or 50 to 99.9\n"
"                          (default: 0.95)\n"
"  -f, --format=FORMAT     table, json or markdown (default: table)\n"
"  -B, --resamples=N       bootstrap resamples, 100 to 1000000 (default: 2000)\n"
"  -s, --seed=N            bootstrap seed (default: 0x6465766d656d)\n"
"      --correction=METHOD multiple comparisons over a revision's rows:\n"
"                          holm (family-wise), bh (false discovery rate)\n"
"                          or none (default: holm)\n"
"  -m, --metric=GLOB       compare only metrics matching GLOB (repeatable)\n"
"  -C, --config=GLOB       compare only configurations matching GLOB\n"
"  -p, --pair=BASE_ID=NEW_ID\n"
"                          compare configuration BASE_ID of the baseline\n"
"                          with NEW_ID of each revision (repeatable); only\n"
"                          the pairs are compared, and the files may be\n"
"                          the same one (e.g. align 4K against 2M)\n"
"  -l, --labels=A,B,...    names of the files in the output (default: file\n"
"                          names without .json)\n"
"      --force             compare even if the environments differ\n"
"      --merge=OUT         merge rounds of one kernel into OUT and exit\n"
"  -h, --help              this help\n"
"\n"
"Verdicts: \"regressed\"/\"improved\": the Mann-Whitney p, adjusted, is below\n"
"1 - LEVEL and the median moved by at least the threshold; \"no significant\n"
"change\": the confidence interval of the change lies within the threshold;\n"
"\"too noisy to tell\": neither, or too few samples (fewer than 6 per side\n"
"at 95%%; by run: 2 runs per side, or 3 against 1) to tell anything.\n"
"Exact rows (3 or more cycles a side, all equal on each side) are judged\n"
"by their exact change; under tcg-icount, near-exact rows (each side's\n"
"(max - min) / median at most half the threshold) by the range of\n"
"differences between any cycle of one side and any of the other.\n"
"\n"
"Exit status: 0 no regression, 1 a regression beyond the threshold,\n"
"2 unusable input (bad option or file, different environments).\n");
}

/* Parse a double that must use the whole string (an optional '%' aside). */
static int parse_double(const char *s, double *out, bool *percent)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || errno)
		return -EINVAL;
	*percent = *end == '%';
	if (*percent)
		end++;
	return *end || !isfinite(*out) ? -EINVAL : 0;
}

static int parse_options(int argc, char **argv)
{
	enum { OPT_CORRECTION = 256, OPT_FORCE, OPT_MERGE, OPT_CALIBRATION };
	struct dm_compare_pair *pair;
	const char *eq;
	static const struct option longopts[] = {
		{ "threshold",	required_argument, NULL, 't' },
		{ "confidence",	required_argument, NULL, 'c' },
		{ "format",	required_argument, NULL, 'f' },
		{ "resamples",	required_argument, NULL, 'B' },
		{ "seed",	required_argument, NULL, 's' },
		{ "correction",	required_argument, NULL, OPT_CORRECTION },
		{ "metric",	required_argument, NULL, 'm' },
		{ "config",	required_argument, NULL, 'C' },
		{ "pair",	required_argument, NULL, 'p' },
		{ "labels",	required_argument, NULL, 'l' },
		{ "force",	no_argument,	   NULL, OPT_FORCE },
		{ "merge",	required_argument, NULL, OPT_MERGE },
		{ "calibration", required_argument, NULL, OPT_CALIBRATION },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	double d;
	bool pct;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:c:f:B:s:m:C:p:l:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_double(optarg, &d, &pct) || d <= 0 || d > 1000) {
				error("--threshold: '%s' is not a percentage in (0, 1000]",
				      optarg);
				return -EINVAL;
			}
			param.threshold = d / 100.0;
			break;
		case 'c':
			if (parse_double(optarg, &d, &pct)) {
				error("--confidence: '%s' is not a number", optarg);
				return -EINVAL;
			}
			if (pct || d > 1.0)
				d /= 100.0;
			if (d < 0.5 || d > 0.999) {
				error("--confidence: '%s' is outside 0.5 to 0.999 (50%% to 99.9%%)",
				      optarg);
				return -EINVAL;
			}
			param.confidence = d;
			break;
		case 'f':
			if (strcmp(optarg, "table") == 0) {
				format = DM_COMPARE_TABLE;
			} else if (strcmp(optarg, "json") == 0) {
				format = DM_COMPARE_JSON;
			} else if (strcmp(optarg, "markdown") == 0 ||
				   strcmp(optarg, "md") == 0) {
				format = DM_COMPARE_MARKDOWN;
			} else {
				error("--format: unknown format '%s' (table, json, markdown)",
				      optarg);
				return -EINVAL;
			}
			break;
		case 'B': {
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 100 ||
			    v > 1000000 || optarg[0] == '-') {
				error("--resamples: '%s' is not an integer from 100 to 1000000",
				      optarg);
				return -EINVAL;
			}
			param.resamples = (unsigned int)v;
			break;
		}
		case 's':
			errno = 0;
			param.seed = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || optarg[0] == '-') {
				error("--seed: '%s' is not an unsigned integer",
				      optarg);
				return -EINVAL;
			}
			break;
		case OPT_CORRECTION:
			if (strcmp(optarg, "holm") == 0) {
				param.correction = DM_P_ADJUST_HOLM;
			} else if (strcmp(optarg, "bh") == 0) {
				param.correction = DM_P_ADJUST_BH;
			} else if (strcmp(optarg, "none") == 0) {
				param.correction = DM_P_ADJUST_NONE;
			} else {
				error("--correction: unknown method '%s' (holm, bh, none)",
				      optarg);
				return -EINVAL;
			}
			break;
		case 'm':
		case 'C': {
			const char **globs = c == 'm' ? metric_globs :
					     config_globs;
			size_t *nr = c == 'm' ? &param.nr_metric_globs :
				     &param.nr_config_globs;

			if (!*optarg || *nr == MAX_GLOBS) {
				error("--%s: empty pattern or more than %d patterns",
				      c == 'm' ? "metric" : "config", MAX_GLOBS);
				return -EINVAL;
			}
			globs[(*nr)++] = optarg;
			break;
		}
		case 'p':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1] ||
			    strchr(eq + 1, '=') || eq - optarg > DM_MAX_NAME ||
			    param.nr_pairs == MAX_PAIRS) {
				error("--pair: '%s' is not BASE_ID=NEW_ID (at most %d pairs)",
				      optarg, MAX_PAIRS);
				return -EINVAL;
			}
			pair = &pairs[param.nr_pairs];
			pair->base_id = base_ids[param.nr_pairs++];
			memcpy(base_ids[param.nr_pairs - 1], optarg,
			       (size_t)(eq - optarg));
			base_ids[param.nr_pairs - 1][eq - optarg] = '\0';
			pair->rev_id = eq + 1;
			break;
		case 'l':
			param.labels = optarg;
			break;
		case OPT_FORCE:
			param.force = true;
			break;
		case OPT_MERGE:
			if (!*optarg) {
				error("--merge: empty output file name");
				return -EINVAL;
			}
			merge = optarg;
			break;
		case OPT_CALIBRATION:
			if (!*optarg) {
				error("--calibration: no run files");
				return -EINVAL;
			}
			param.calibration = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_NO_REGRESSION);
		case ':':
			error("option '%s' needs an argument", argv[optind - 1]);
			return -EINVAL;
		default:
			if (optopt)
				error("unknown option '-%c'", optopt);
			else
				error("unknown option '%s'", argv[optind - 1]);
			return -EINVAL;
		}
	}
	return 0;
}

static int do_merge(char **paths, size_t n)
{
	char err[DM_COMPARE_ERR_LEN];

	if (dm_compare_merge_files(paths, n, merge, err, sizeof(err))) {
		error("%s", err);
		return EXIT_UNUSABLE;
	}
	return EXIT_NO_REGRESSION;
}

int main(int argc, char **argv)
{
	char err[DM_COMPARE_ERR_LEN];
	int status = EXIT_UNUSABLE;
	struct dm_compare *cmp;
	int i, rc;

	dm_compare_opts_init(&param);
	param.metric_globs = metric_globs;
	param.config_globs = config_globs;
	param.pairs = pairs;
	if (parse_options(argc, argv)) {
		fprintf(stderr, "Try 'devmem-compare --help'.\n");
		return EXIT_UNUSABLE;
	}
	if (merge) {
		if (optind >= argc) {
			error("--merge: no input files");
			return EXIT_UNUSABLE;
		}
		return do_merge(argv + optind, (size_t)(argc - optind));
	}
	if (argc - optind < 2) {
		error("need a baseline and at least one more results file");
		fprintf(stderr, "Try 'devmem-compare --help'.\n");
		return EXIT_UNUSABLE;
	}

	if (dm_compare_new(&param, &cmp)) {
		error("out of memory");
		return EXIT_UNUSABLE;
	}
	for (i = optind; i < argc; i++) {
		if (dm_compare_add_side(cmp, argv[i])) {
			error("out of memory");
			goto out_free;
		}
	}
	rc = dm_compare_run(cmp, err, sizeof(err));
	if (dm_compare_warning(cmp))
		fprintf(stderr, "devmem-compare: %s", dm_compare_warning(cmp));
	if (rc) {
		error("%s", err);
		goto out_free;
	}
	rc = dm_compare_render(cmp, stdout, format);
	if (fflush(stdout) || rc) {
		error("writing the output: %s", rc ? strerror(-rc) : "I/O error");
		goto out_free;
	}
	status = dm_compare_regressed(cmp) ? EXIT_REGRESSION :
		 EXIT_NO_REGRESSION;

out_free:
	dm_compare_free(cmp);
	return status;
}
