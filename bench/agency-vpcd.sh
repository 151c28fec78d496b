#!/bin/sh
# agency-vpcd.sh - backup/restore through pcscd + vpcd + vscemu
#
# 1. APDUs and time: opensc-explorer scripted `cat` of every file of the
#    sample card (after VERIFY) against `vsctool backup` of the same card
#    in the same run; APDUs counted by vscemu's own transcript.
# 2. A 64 KiB card (extended length): backup + restore time, and the
#    share of it spent in the password KDF (Argon2id, default parameters).
# Needs pcscd with the vpcd reader; prints "skipped" otherwise.
BENCH_NAME=agency-vpcd
. "${top_srcdir:-.}/bench/vpcd-lib.sh"
apdus () { grep -c 'apdu: > ' "$T/emu.log"; }

printf 'app default {\n enable_default_driver = true;\n}\n' > "$T/opensc.conf"
export OPENSC_CONF="$T/opensc.conf"
echo 123456 > "$T/pin"
echo "bench password" > "$T/pw"
SCAN="--scan-range 4B00-4B03 --scan-range 4F00-4F03 --scan-range 5100-5103 --scan-range 7000-7003"

# ---- 1. vsctool backup vs opensc-explorer cat ----------------------------
emu_start "$CARDS/pkcs15.card"
t0=$(now)
"$B/vsctool" backup --reader "$R" --pin-file "$T/pin" --password-file "$T/pw" \
  --kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1 $SCAN --json \
  "$T/s.vsc" > "$T/s.json" 2>/dev/null
t1=$(now)
ours=$(apdus)
ours_t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
scan=$(sed -n 's/.*"scan_apdus":\([0-9]*\).*/\1/p' "$T/s.json")
# The same files with OpenSC: cat of every EF the backup found.
"$B/vsctool" ls --password-file "$T/pw" "$T/s.vsc" | awk '
  { p[NR] = $0; n = NR }
  END {
    print "verify CHV1 \"123456\""
    for (i = 1; i <= n; i++) {
      if (p[i] ~ /#/ || p[i] ~ /key-/ || p[i] == "3F00") continue
      kids = 0
      for (j = 1; j <= n; j++) if (index(p[j], p[i] "/") == 1 && p[j] !~ /#/) kids++
      if (kids) continue
      c = split(p[i], a, "/")
      for (d = 2; d < c; d++) print "cd " a[d]
      print "cat " a[c]
      for (d = 2; d < c; d++) print "cd .."
    }
  }' > "$T/explorer.in"
: > "$T/emu.log"
t0=$(now)
opensc-explorer -r "$R" < "$T/explorer.in" > "$T/explorer.out" 2>&1
t1=$(now)
theirs=$(apdus)
theirs_t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
emu_stop
echo "bench agency-vs-opensc-apdus: $ours APDUs (reference opensc-explorer cat of the same $(grep -c '^cat' "$T/explorer.in") files: $theirs APDUs, ratio $(ratio "$ours" "$theirs"); $scan of ours are FID-scan misses)"
echo "bench agency-vs-opensc-time: $ours_t s (reference opensc-explorer $theirs_t s, ratio $(ratio "$ours_t" "$theirs_t"))"

# ---- 2. 64 KiB card: backup + restore, KDF share --------------------------
mkdir -p "$T/big"
for i in 1 2 3 4; do
  head -c 16384 /dev/urandom > "$T/big/f$i.bin"
done
cat > "$T/big/big.card" <<EOF
atr 3B8C800180730000C056767363656D7573
protocol t1
extended-length yes
pin 0x01 name=CHV1 value=123456 retries=3 min=4 max=8
df 3F00 create=always delete=always admin=always
df 3F00/5000 create=always delete=always admin=always
ef 3F00/5000/5001 transparent content=@f1.bin
ef 3F00/5000/5002 transparent content=@f2.bin
ef 3F00/5000/5003 transparent content=@f3.bin
ef 3F00/5000/5004 transparent content=@f4.bin
EOF
emu_start "$T/big/big.card"
t0=$(now)
"$B/vsctool" backup --reader "$R" --password-file "$T/pw" --scan-range 5000-5007 \
  --json "$T/big.vsc" > "$T/big.json" 2>/dev/null
t1=$(now)
b_apdus=$(apdus)
emu_stop
b_t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
save_t=$(sed -n 's/.*"save_seconds":\([0-9.]*\).*/\1/p' "$T/big.json")
emu_start --state "$T/big.state" "$CARDS/blank.card"
t0=$(now)
"$B/vsctool" restore --reader "$R" --password-file "$T/pw" "$T/big.vsc" > "$T/big.restore" 2>&1
rrc=$?
t1=$(now)
r_apdus=$(apdus)
emu_stop
r_t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
# The KDF alone: opening the VSC with its password (Argon2id + decrypt).
t0=$(now)
"$B/vsctool" verify --password-file "$T/pw" "$T/big.vsc" > /dev/null 2>&1
t1=$(now)
kdf_t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
total=$(awk -v a="$b_t" -v b="$r_t" 'BEGIN { printf "%.3f", a + b }')
kdf2=$(awk -v a="$save_t" -v k="$kdf_t" 'BEGIN { printf "%.3f", a + k }')
echo "bench agency-64k-backup-restore: $total s (backup $b_t s / $b_apdus APDUs, restore $r_t s / $r_apdus APDUs, restore exit $rrc)"
echo "bench agency-64k-kdf-share: $kdf2 s in the KDF and saving (reference total $total s, ratio $(ratio "$kdf2" "$total"))"
exit 0
