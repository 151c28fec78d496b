#!/bin/sh
# escrow-openpgp-dropping.sh - escrow-openpgp.sh against tokens that are dropping their security
# state across SELECTs (TOKEN_MODE in tokens-lib.sh).
TOKEN_MODE=dropping
export TOKEN_MODE
. "$(dirname "$0")/escrow-openpgp.sh"
