#!/bin/sh
# progress.sh - vsctool's progress line on a terminal (issue 18): with a
# slow card (1 s per APDU) the elapsed time moves by itself once a second
# between the operation's own reports, and the line names the phase.
# A pty from script(1); in-process emulator, no pcscd.
. "$top_srcdir/tests/lib.sh"
t_begin "vsctool progress line on a slow card"
command -v script >/dev/null 2>&1 || t_skip "script (util-linux) is not installed"

B="$top_builddir"
echo "test password" > "$T_TMP/pw"
cat > "$T_TMP/slow.card" <<'EOC'
atr 3B 02 14 50
latency 1000
df 3F00
ef 3F00/2F00 transparent content=61084F02A00151023F01
EOC
script -q -e -c "'$B/vsctool' backup --emu '$T_TMP/slow.card' --no-scan \
  --password-file '$T_TMP/pw' --kdf-memory 19456 --kdf-iterations 1 \
  --kdf-parallelism 1 '$T_TMP/s.vsc'" "$T_TMP/tty.out" > /dev/null 2>&1
rc=$?
t_check "backup of the slow card succeeds" "[ $rc -eq 0 ] && [ -s '$T_TMP/s.vsc' ]"
# The redraws, one per line, without the erase sequence.
tr '\r' '\n' < "$T_TMP/tty.out" | sed -n 's/^.*\[K//p' > "$T_TMP/lines"
cat "$T_TMP/lines"
# A tick: the line again, the same in everything but the elapsed time.
awk '{ e = $0; sub(/[0-9]+ s elapsed/, "", e)
       if (NR > 1 && e == prev && $0 != prevline) ticks++
       prev = e; prevline = $0 }
     END { print ticks + 0 }' "$T_TMP/lines" > "$T_TMP/ticks"
t_check "the elapsed time moved at least three times by itself" \
  "[ \$(cat '$T_TMP/ticks') -ge 3 ]"
t_check "elapsed seconds counted up to the end" \
  "grep -q ' [5-9] s elapsed\| [1-9][0-9] s elapsed' '$T_TMP/lines'"
t_check "the line names the phase and ends with done" \
  "grep -q '^discovering' '$T_TMP/lines' && grep -q '^done  100%' '$T_TMP/lines'"
