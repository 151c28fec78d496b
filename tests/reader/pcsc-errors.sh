#!/bin/sh
# pcsc-errors.sh - the PC/SC backend reports reset, removal, busy and
# unknown readers as documented (tests/reader/pcsc-check.c).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
t_begin "PC/SC backend errors through pcscd + vpcd"
need_vpcd

CARD="$top_srcdir/tests/cards/pkcs15.card"
i=0
while [ $i -lt 50 ] && ! vsctool readers 2>/dev/null | grep -q "^$VPCD_READER: no card"; do
  sleep 0.1; i=$((i + 1))
done
t_check "'$VPCD_READER' starts without a card" \
  "vsctool readers | grep -q '^$VPCD_READER: no card'"

t_check "vscemu is built" "command -v vscemu >/dev/null"
vscemu --vpcd "$VPCD_PORT" "$CARD" >"$T_TMP/vscemu.log" 2>&1 &
EMU_PID=$!
t_on_exit "kill $EMU_PID"
i=0
while [ $i -lt 100 ] && ! vsctool readers 2>/dev/null | grep -q "^$VPCD_READER: card present"; do
  sleep 0.1; i=$((i + 1))
done
t_check "card visible" "vsctool readers | grep -q '^$VPCD_READER: card present'"

"$top_builddir/tests/reader/pcsc-check" "$VPCD_READER" $EMU_PID >"$T_TMP/check" 2>&1
rc=$?
sed 's/^/    /' "$T_TMP/check"
t_check "pcsc-check: every check passed (exit $rc)" "[ $rc -eq 0 ]"
t_check "pcsc-check ran to the end" "grep -q '^0 failed' '$T_TMP/check'"
