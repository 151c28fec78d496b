#!/bin/sh
# Regenerate the build system (needs autoconf, automake, autopoint, libtool).
set -e
cd "$(dirname "$0")"
autoreconf -fi
