// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the function_graph parser (trace.c) on traces recorded
 * in the devmem guest (tests/data/graph-*.txt, Debian 6.12 under TCG)
 * and on malformed input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kselftest_harness.h>

#include "trace.h"

static char *slurp(const char *name)
{
	char path[512];
	long len;
	char *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, len + 1);
	if (buf && fread(buf, 1, len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static uint64_t get(const struct dm_graph_times *t, const char *f)
{
	uint64_t ns = 0;

	return dm_graph_get(t, f, &ns) ? ns : UINT64_MAX;
}

TEST(durations_are_exact_ns)
{
	uint64_t ns;

	ASSERT_EQ(0, dm_graph_parse_duration("45621.23", &ns));
	EXPECT_EQ(45621230, ns);
	ASSERT_EQ(0, dm_graph_parse_duration("508.716", &ns));
	EXPECT_EQ(508716, ns);
	ASSERT_EQ(0, dm_graph_parse_duration("137753.6 us", &ns));
	EXPECT_EQ(137753600, ns);
	ASSERT_EQ(0, dm_graph_parse_duration("7", &ns));
	EXPECT_EQ(7000, ns);
	/* More than three decimals: truncated to ns. */
	ASSERT_EQ(0, dm_graph_parse_duration("1.23456", &ns));
	EXPECT_EQ(1234, ns);
	EXPECT_EQ(-EINVAL, dm_graph_parse_duration("us", &ns));
	EXPECT_EQ(-EINVAL, dm_graph_parse_duration("", &ns));
	EXPECT_EQ(-ERANGE, dm_graph_parse_duration("99999999999999999999", &ns));
}

/* Two adds and a remove, with a context-switch banner in between. */
TEST(devdax_trace_with_context_switch)
{
	struct dm_graph_times t;
	char *text = slurp("graph-devdax-switch.txt");

	ASSERT_NE(NULL, text);
	EXPECT_EQ(10, dm_graph_parse(text, &t));
	EXPECT_EQ(77860420ull + 69610950ull, get(&t, "memremap_pages"));
	EXPECT_EQ(45621230ull + 42968950ull, get(&t, "arch_add_memory"));
	EXPECT_EQ(508716ull + 64167ull, get(&t, "move_pfn_range_to_zone"));
	EXPECT_EQ(12360200ull + 9571466ull, get(&t, "memmap_init_zone_device"));
	EXPECT_EQ(55867920ull, get(&t, "memunmap_pages"));
	EXPECT_EQ(1915320ull, get(&t, "arch_remove_memory"));
	EXPECT_EQ(UINT64_MAX, get(&t, "kernfs_fop_write_iter"));
	EXPECT_EQ(0, t.unparsed);
	free(text);
}

/* funcgraph-tail names every closing brace. */
TEST(fsdax_trace_with_tail)
{
	struct dm_graph_times t;
	char *text = slurp("graph-fsdax-dev-tail.txt");

	ASSERT_NE(NULL, text);
	EXPECT_EQ(8, dm_graph_parse(text, &t));
	EXPECT_EQ(137753600ull + 46406310ull, get(&t, "kernfs_fop_write_iter"));
	EXPECT_EQ(66682270ull, get(&t, "memunmap_pages"));
	EXPECT_EQ(1331955ull, get(&t, "arch_remove_memory"));
	EXPECT_EQ(42977750ull, get(&t, "memremap_pages"));
	EXPECT_EQ(15649960ull, get(&t, "memmap_init_zone_device"));
	free(text);
}

/*
 * Without funcgraph-tail, bare closing braces are matched per CPU; the
 * write began on CPU 1 and finished on CPU 0, where ftrace names it.
 */
TEST(fsdax_trace_without_tail_and_migration)
{
	struct dm_graph_times t;
	char *text = slurp("graph-fsdax-dev-notail.txt");

	ASSERT_NE(NULL, text);
	EXPECT_EQ(8, dm_graph_parse(text, &t));
	EXPECT_EQ(109745500ull + 30448980ull,
		  get(&t, "kernfs_fop_write_iter"));
	EXPECT_EQ(54013290ull, get(&t, "memunmap_pages"));
	EXPECT_EQ(26517210ull, get(&t, "memremap_pages"));
	EXPECT_EQ(6312353ull, get(&t, "memmap_init_zone_device"));
	free(text);
}

/* Garbage, truncation and absurd values: no crash, nothing invented. */
TEST(malformed_input)
{
	static const char *const inputs[] = {
		"",
		"# tracer: function_graph\n",
		" 1)   |\n 1) * 12.0 us |\n",
		" 99999999) * 1.0 us |  foo();\n",
		" 0) * 45621.23 us |    arch_add_memory(",
		" 0)               |  }\n 0)  }}}} \n",
		" 0) * 999999999999999999999.0 us |  big();\n",
		" 0) x | y\n\n\n 0) 1.0 us no bar\n",
	};
	struct dm_graph_times t;
	size_t i;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		EXPECT_LE(0, dm_graph_parse(inputs[i], &t));
		EXPECT_EQ(UINT64_MAX, get(&t, "arch_add_memory"));
		EXPECT_EQ(UINT64_MAX, get(&t, "big"));
	}
}

/* A very deep or very long trace stays bounded. */
TEST(deep_and_long)
{
	struct dm_graph_times t;
	size_t len = 200000, off = 0;
	char *text = malloc(len);
	int i;

	ASSERT_NE(NULL, text);
	for (i = 0; i < 100; i++)
		off += snprintf(text + off, len - off, " 0)      |  f%d() {\n", i);
	for (i = 0; i < 100; i++)
		off += snprintf(text + off, len - off,
				" 0) 1.000 us |  }\n");
	for (i = 0; i < 50; i++)
		off += snprintf(text + off, len - off,
				" 0) 2.000 us |  leaf%d();\n", i);
	EXPECT_LT(0, dm_graph_parse(text, &t));
	EXPECT_EQ(DM_GRAPH_MAX_FUNCS, t.n);
	EXPECT_LT(0, t.unparsed);
	free(text);
}

TEST_HARNESS_MAIN
