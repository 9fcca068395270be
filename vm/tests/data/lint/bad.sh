#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lint test input: an unquoted expansion shellcheck must report (SC2086).
f=$1
rm -f $f
