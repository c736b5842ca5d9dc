#!/usr/bin/env bash
# Installs what this checkout needs (Node 22 if the machine's is older, Yarn 4,
# dependencies). Safe to run again: it skips what is already done.
source "$(dirname "$0")/lib/toolchain.sh"
kebap_setup
