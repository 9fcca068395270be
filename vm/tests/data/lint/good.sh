#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lint test input: nothing to report.
f=$1
rm -f -- "$f"
