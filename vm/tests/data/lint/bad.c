// SPDX-License-Identifier: GPL-2.0
/* Lint test input: checkpatch must report the spacing and the braces. */
int bad(int x)
{
	if(x) {
		return 1;
	}
	return 0;
}
