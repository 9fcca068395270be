// SPDX-License-Identifier: GPL-2.0
/* Lint test input: known false positives that make lint must let pass. */
#include <signal.h>

#include "../kselftest_harness.h"

static volatile sig_atomic_t stop;

FIXTURE(f) {
	int x;
};

static int use(FIXTURE_DATA(f) *self)
{
	return self->x + stop;
}
