#!/bin/sh
# kill9.sh - kill -9 of `vsctool put` at random moments, many times: the
# VSC is always the old or the new one and opens cleanly with the
# password; temp files left by a killed save are removed by the next save.
. "$top_srcdir/tests/lib.sh"
t_begin "vsctool put killed with SIGKILL at random moments"

V=vsctool
K="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
RUNS=${KILL9_RUNS:-30}
cd "$T_TMP" || exit 1
printf 'kill9-pw\n' > pw
# Big enough that encryption, write and fsync take a moment.
head -c 2000000 /dev/urandom > a.bin
head -c 2000001 /dev/urandom > b.bin
$V create $K --password-file pw k.vsc >/dev/null || { t_failed "create"; exit 1; }
$V put --password-file pw --area private k.vsc 3F00/0001 a.bin || { t_failed "first put"; exit 1; }

# How long one put takes, to spread the kills over it.
start=$(date +%s%N)
$V put --password-file pw --area private k.vsc 3F00/0001 a.bin
end=$(date +%s%N)
span_us=$(( (end - start) / 1000 ))
[ "$span_us" -lt 1000 ] && span_us=1000
echo "# one put takes about $((span_us / 1000)) ms; $RUNS runs"

bad=0; killed=0; finished=0; tmpseen=0
for i in $(seq 1 "$RUNS"); do
  if [ $((i % 2)) -eq 0 ]; then src=a.bin; else src=b.bin; fi
  $V put --password-file pw k.vsc 3F00/0001 "$src" 2>/dev/null &
  pid=$!
  rnd=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
  delay_us=$(( rnd % (span_us + span_us / 4) ))
  sleep "$(printf '0.%06d' "$delay_us")"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null
  [ "$?" -eq 0 ] && finished=$((finished + 1))
  ls k.vsc.tmp-* >/dev/null 2>&1 && tmpseen=$((tmpseen + 1))
  if ! $V verify --password-file pw k.vsc >/dev/null 2>err; then
    bad=$((bad + 1)); echo "# run $i: verify failed: $(cat err)"; continue
  fi
  $V cat --password-file pw k.vsc 3F00/0001 > got.bin 2>/dev/null
  if ! cmp -s got.bin a.bin && ! cmp -s got.bin b.bin; then
    bad=$((bad + 1)); echo "# run $i: content is neither the old nor the new"
  fi
  ls | grep -v -E '^(pw|a\.bin|b\.bin|k\.vsc|k\.vsc\.tmp-......|got\.bin|err|out)$' | sed 's/^/# unexpected file: /'
done
echo "# killed $killed, completed $finished, temp file left behind in $tmpseen runs"
t_check "after every kill the VSC verifies and holds the old or the new content" "[ $bad -eq 0 ]"
t_check "some runs were really killed mid-way" "[ $killed -gt 0 ]"
t_ok "a save after the kills works" $V put --password-file pw k.vsc 3F00/0001 a.bin
t_check "stale temp files are removed by the next save" "! ls k.vsc.tmp-* >/dev/null 2>&1"
t_check "no other files appeared" "[ \"\$(ls | grep -c vsc)\" -eq 1 ]"
