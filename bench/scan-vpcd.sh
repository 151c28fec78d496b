#!/bin/sh
# scan-vpcd.sh - issue 18: backup and restore of the sample PKCS#15 card
# through pcscd + vpcd + vscemu at card speeds (vscemu --latency 0, 5,
# 40 ms per APDU): APDUs and seconds, each against a reference measured
# in the same run:
#   - the minimal APDU sequence for the same files, computed from what
#     was backed up (one SELECT per DF/EF, ceil(size / 256) READ BINARY
#     per transparent EF, one READ RECORD per record; for the restore one
#     CREATE per file, its UPDATEs, one ACTIVATE and the read back, one
#     SELECT per DF entered). Goal: <= 1.10 for the listed files. Probes
#     for absent applications and files, VERIFY, the target's discovery
#     and the FID scan are printed separately;
#   - opensc-explorer reading the same listed files (cat), as a client
#     that reads them one by one. Goal: <= 0.40 of its APDUs.
# APDUs are counted in vscemu's own transcript. Latency 40 is slow: the
# scan there gets a budget of 200 SELECTs, enough to show its rate.
# Needs pcscd with the vpcd reader; prints "skipped" otherwise.
BENCH_NAME=scan-vpcd
. "${top_srcdir:-.}/bench/vpcd-lib.sh"
secs () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
mark () { wc -l < "$T/emu.log"; }
# APDUs (matching INS filter, default all) logged after line $1.
apdus () {
  tail -n +"$(( $1 + 1 ))" "$T/emu.log" | grep 'apdu: > ' | grep -c "${2:-.}"
}
json () { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" "$2"; }

printf 'app default {\n enable_default_driver = true;\n}\n' > "$T/opensc.conf"
export OPENSC_CONF="$T/opensc.conf"
echo 123456 > "$T/pin"
echo "bench password" > "$T/pw"
KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"

# Minimal reads for the files of a VSC ("vsctool ls -l" lines: type area
# flags size path).
min_backup () {
  "$B/vsctool" ls -l --password-file "$T/pw" "$1" | awk '
    $1 == "mf" || $1 == "df" { n += 1; next }
    $1 == "ef-transparent" {
      n += 1; if ($3 !~ /U/) n += ($4 > 0 ? int(($4 + 255) / 256) : 1); next }
    $1 ~ /^ef-/ { n += 1; next }
    $1 == "record" { n += 1 }
    END { print n + 0 }'
}
# Minimal writes: CREATE per DF (it is current then), per EF CREATE,
# its UPDATEs, ACTIVATE and the read back; one SELECT per DF entered
# again after a DF below it (pre-order).
min_restore () {
  "$B/vsctool" ls -l --password-file "$T/pw" "$1" | awk -v chunk="$2" '
    function depth(p) { return gsub(/\//, "/", p) }
    $1 == "mf" { cur = $5; next }
    $5 ~ /^pins/ || $1 == "key" { next }
    {
      p = $5; parent = p; sub(/\/[^\/]*$/, "", parent)
      if ($1 == "record") { n += 2; next }       # write and read it
      if (parent != cur) { n += 1; cur = parent }  # SELECT the DF
      if ($1 == "df") { n += 1; cur = p; next }    # CREATE, now current
      n += 2                                       # CREATE, ACTIVATE
      if ($1 == "ef-transparent" && $3 !~ /U/ && $4 > 0)
        n += 2 * int(($4 + chunk - 1) / chunk)     # UPDATE, READ
    }
    END { print n + 0 }'
}

for L in 0 5 40; do
  # ---- listed files: backup --no-scan ----------------------------------
  emu_start --latency "$L" "$CARDS/pkcs15.card"
  m=$(mark); t0=$(now)
  "$B/vsctool" backup --reader "$R" --pin-file "$T/pin" --password-file "$T/pw" \
    $KDF --no-scan --json "$T/l$L.vsc" > "$T/l$L.json" 2>/dev/null
  t1=$(now)
  l_all=$(apdus "$m")
  l_probe=$(json scan_apdus "$T/l$L.json")
  l_pin=$(json pin_apdus "$T/l$L.json")
  l_body=$((l_all - l_probe - l_pin))
  l_min=$(min_backup "$T/l$L.vsc")
  l_t=$(secs "$t0" "$t1")
  # The same listed files with opensc-explorer (cat of every EF).
  "$B/vsctool" ls --password-file "$T/pw" "$T/l$L.vsc" | awk '
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
  m=$(mark); t0=$(now)
  opensc-explorer -r "$R" < "$T/explorer.in" > "$T/explorer.out" 2>&1
  t1=$(now)
  x_all=$(apdus "$m")
  x_t=$(secs "$t0" "$t1")
  emu_stop
  echo "bench scan-backup-listed-$L: $l_body APDUs, $l_t s (reference $l_min APDUs minimal for the listed files, ratio $(ratio "$l_body" "$l_min"), goal 1.10; separately $l_probe probes for absent applications/files, $l_pin for the PIN)"
  echo "bench scan-backup-vs-opensc-$L: $l_all APDUs, $l_t s (reference opensc-explorer cat of the same $(grep -c '^cat' "$T/explorer.in") files: $x_all APDUs, $x_t s; ratio $(ratio "$l_all" "$x_all"), goal 0.40)"

  # ---- the scan: a full backup, its cost apart --------------------------
  budget=""
  [ "$L" -ge 40 ] && budget="--scan-budget 200"
  emu_start --latency "$L" "$CARDS/pkcs15.card"
  m=$(mark); t0=$(now)
  "$B/vsctool" backup --reader "$R" --pin-file "$T/pin" --password-file "$T/pw" \
    $KDF $budget --json "$T/f$L.vsc" > "$T/f$L.json" 2>/dev/null
  t1=$(now)
  f_all=$(apdus "$m")
  emu_stop
  f_t=$(secs "$t0" "$t1")
  f_sel=$(json scan_selects "$T/f$L.json")
  f_nodes=$(json nodes "$T/f$L.json")
  l_nodes=$(json nodes "$T/l$L.json")
  s_apdus=$((f_all - l_all))
  s_t=$(awk -v a="$f_t" -v b="$l_t" 'BEGIN { printf "%.2f", a - b }')
  echo "bench scan-cost-$L: $s_apdus APDUs, $s_t s for the FID scan ($f_sel SELECTs${budget:+ of a budget of 200}, $((f_nodes - l_nodes)) nodes found beyond the $l_nodes listed; reference: the listed backup, $l_all APDUs, $l_t s)"

  # ---- restore onto a blank card -----------------------------------------
  src="$T/f$L.vsc"
  [ "$L" -ge 40 ] && src="$T/l$L.vsc"
  rm -f "$T/blank.state"
  emu_start --latency "$L" --state "$T/blank.state" "$CARDS/blank.card"
  m=$(mark)
  "$B/vsctool" restore --dry-run --reader "$R" --password-file "$T/pw" \
    --pin-file "$T/pin" "$src" > /dev/null 2>&1
  r_plan=$(apdus "$m")
  m=$(mark); t0=$(now)
  "$B/vsctool" restore --reader "$R" --password-file "$T/pw" \
    --pin-file "$T/pin" --json "$src" > "$T/r$L.json" 2>/dev/null
  rrc=$?
  t1=$(now)
  r_all=$(apdus "$m")
  r_pin=$(apdus "$m" ' 00 20 ')
  emu_stop
  r_t=$(secs "$t0" "$t1")
  r_write=$((r_all - r_plan - r_pin))
  r_min=$(min_restore "$src" 65526)
  echo "bench scan-restore-$L: $r_write APDUs writing, $r_t s in all (reference $r_min APDUs minimal for the same files, ratio $(ratio "$r_write" "$r_min"), goal 1.10; separately $r_plan for reading the target and planning, $r_pin for the PIN; exit $rrc)"
done
exit 0
