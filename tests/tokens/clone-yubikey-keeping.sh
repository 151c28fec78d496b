#!/bin/sh
# clone-yubikey-keeping.sh - clone-yubikey.sh against tokens that are keeping their security
# state across SELECTs (TOKEN_MODE in tokens-lib.sh).
TOKEN_MODE=keeping
export TOKEN_MODE
. "$(dirname "$0")/clone-yubikey.sh"
