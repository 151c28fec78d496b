#!/bin/sh
# cli.sh - every vsctool command on VSC files: create, info, ls, cat, put,
# rm, passwd, verify, export-public; --json output parsed by python3;
# exit codes as documented in vsctool(1).
. "$top_srcdir/tests/lib.sh"
t_begin "vsctool VSC file commands"

command -v python3 >/dev/null || t_skip "python3 is needed to check --json output"
V=vsctool
# The smallest KDF parameters the format allows keep the test fast.
K="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
D=$T_TMP
cd "$D" || exit 1
# No terminal: password prompts must fail instead of waiting.
nottyrun () { setsid -w "$@" </dev/null; }
json_ok () { python3 -m json.tool >/dev/null 2>&1; }
jget () { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
unset VSC_PASSWORD_FILE

printf 'pw-one\n' > pw1
printf 'pw-two\n' > pw2
printf 'wrong\n' > pwbad

# --- create ---------------------------------------------------------------
t_ok "create with a generated password" $V create $K --label "Test card" gen.vsc
$V create $K gen2.vsc > create.out 2> create.err
t_check "create prints the UUID" "grep -Eq '^UUID: +[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-' create.out"
t_check "create prints a grouped password" "grep -Eq '^Password: [A-Z2-7]{4}(-[A-Z2-7]{4}){6}\$' create.out"
t_check "create warns the password is shown once" "grep -q 'only once' create.err"
GENPW=$(sed -n 's/^Password: //p' create.out)
printf '%s\n' "$GENPW" > genpw
t_ok "generated password opens the VSC" $V verify --password-file genpw gen2.vsc
t_check "VSC file mode is 0600" "[ \"\$(stat -c %a gen2.vsc)\" = 600 ]"
t_ok "create --json with --password-file" sh -c "$V create $K --json --password-file pw1 a.vsc > create.json"
t_check "create --json is JSON" "json_ok < create.json"
t_check "create --json has no password when one was given" "[ \"\$(jget 'd[\"password\"]' < create.json)\" = None ]"
UUID=$(jget 'd["uuid"]' < create.json)
$V create $K --password-file pw1 a.vsc >/dev/null 2>&1; rc=$?
t_check "create refuses an existing file (exit 6)" "[ $rc -eq 6 ]"
$V create $K --kdf-memory 1024 x.vsc >/dev/null 2>&1; rc=$?
t_check "create refuses KDF memory below the bound" "[ $rc -ne 0 ] && [ ! -e x.vsc ]"
$V create >/dev/null 2>&1; rc=$?
t_check "create without FILE is a usage error (exit 2)" "[ $rc -eq 2 ]"

# --- put / info / ls ------------------------------------------------------
printf 'public dir bytes' > pub.bin
printf 'PRIVATE PIN DATA' > priv.bin
head -c 3000 /dev/urandom > key.bin
t_ok "put a public EF" $V put --password-file pw1 a.vsc 3F00/2F00 pub.bin
t_ok "put a private DO" $V put --password-file pw1 --area private a.vsc openpgp/0103 priv.bin
t_ok "put a secret key" $V put --password-file pw1 a.vsc openpgp/key-sig key.bin --area secret-key
t_ok "put from stdin" sh -c "printf 'https://example.org' | $V put --password-file pw1 a.vsc openpgp/5F50 -"
$V put --password-file pwbad a.vsc 3F00/0001 pub.bin >/dev/null 2>err; rc=$?
t_check "put with a wrong password fails (exit 3)" "[ $rc -eq 3 ]"
t_check "wrong password message" "grep -q 'wrong password or damaged file' err"
nottyrun $V put a.vsc 3F00/0001 pub.bin >/dev/null 2>&1; rc=$?
t_check "put without any password source fails (exit 3)" "[ $rc -eq 3 ]"
$V put --password-file pw1 --area nowhere a.vsc 3F00/0001 pub.bin >/dev/null 2>&1; rc=$?
t_check "put with an unknown area is a usage error (exit 2)" "[ $rc -eq 2 ]"
$V put --password-file pw1 a.vsc 3F00/2F00/0001 pub.bin >/dev/null 2>&1; rc=$?
t_check "put below an EF is refused" "[ $rc -ne 0 ]"
$V put --password-file pw1 --type do a.vsc openpgp/key-sig key.bin >/dev/null 2>err; rc=$?
t_check "put of another type onto an existing node is a conflict (exit 6)" "[ $rc -eq 6 ] && grep -q 'exists with type key' err"

t_ok "info" sh -c "$V info a.vsc > info.out"
t_check "info shows the UUID" "grep -q '$UUID' info.out"
t_check "info says not verified" "grep -qi 'not verified' info.out"
t_check "info shows the generation" "grep -Eq '^Generation: +5\$' info.out"
t_ok "info --json" sh -c "$V info --json a.vsc > info.json"
t_check "info --json is JSON" "json_ok < info.json"
t_check "info --json uuid" "[ \"\$(jget 'd[\"uuid\"]' < info.json)\" = $UUID ]"
t_check "info --json verified false" "[ \"\$(jget 'd[\"verified\"]' < info.json)\" = False ]"
t_check "info --json KDF" "[ \"\$(jget 'd[\"kdf\"][\"memory_kib\"]' < info.json)\" = 19456 ]"
t_check "info --json areas" "[ \"\$(jget '\",\".join(a[\"name\"] for a in d[\"areas\"])' < info.json)\" = header,identifier,public,private,secret-key,mac ]"
t_check "info --json public node count" "[ \"\$(jget '[a for a in d[\"areas\"] if a[\"name\"]==\"public\"][0][\"nodes\"]' < info.json)\" = 4 ]"
$V info --json --password-file pw1 a.vsc > infov.json
t_check "info --json with the password: verified, private node count" "json_ok < infov.json && [ \"\$(jget 'str(d[\"verified\"])+\" \"+str([a for a in d[\"areas\"] if a[\"name\"]==\"private\"][0][\"nodes\"])' < infov.json)\" = 'True 1' ]"
$V info gen.vsc > ginfo.out
t_check "create --label is stored" "grep -q 'Test card' ginfo.out"

$V ls a.vsc > ls.out 2>ls.err
t_check "ls lists public nodes" "grep -qx '3F00/2F00' ls.out && grep -qx 'openpgp/5F50' ls.out"
t_check "ls without password hides private nodes" "! grep -q 0103 ls.out && ! grep -q key-sig ls.out"
t_check "ls says not verified" "grep -q 'not verified' ls.err"
$V ls -l -a --password-file pw1 a.vsc > lsl.out
t_check "ls -l -a shows private and secret-key nodes with areas" "grep -Eq '^do +private .*openpgp/0103' lsl.out && grep -Eq '^key +secret-key .* 3000 +openpgp/key-sig' lsl.out"
$V ls --json -a --password-file pw1 a.vsc > ls.json
t_check "ls --json is JSON" "json_ok < ls.json"
t_check "ls --json verified and node count" "[ \"\$(jget 'str(d[\"verified\"])+\" \"+str(len(d[\"nodes\"]))' < ls.json)\" = 'True 6' ]"
t_check "ls --json node fields" "[ \"\$(jget '[n[\"area\"] for n in d[\"nodes\"] if n[\"path\"]==\"openpgp/0103\"][0]' < ls.json)\" = private ]"
t_ok "ls PATH lists a subtree" sh -c "$V ls a.vsc 3F00 > sub.out && [ \$(wc -l < sub.out) -eq 2 ]"
$V ls a.vsc 3F00/9999 >/dev/null 2>&1; rc=$?
t_check "ls of a missing path fails (exit 1)" "[ $rc -eq 1 ]"

# --- cat ------------------------------------------------------------------
t_ok "cat a public node without password" sh -c "setsid -w $V cat a.vsc 3F00/2F00 > out.bin"
t_check "cat gives the raw bytes" "cmp -s out.bin pub.bin"
t_ok "cat a private node with the password" sh -c "$V cat --password-file pw1 a.vsc openpgp/0103 > out.bin"
t_check "cat private bytes" "cmp -s out.bin priv.bin"
t_ok "cat a secret key" sh -c "$V cat --password-file pw1 a.vsc openpgp/key-sig > out.bin"
t_check "cat secret-key bytes (binary)" "cmp -s out.bin key.bin"
nottyrun $V cat a.vsc openpgp/0103 > out.bin 2>/dev/null; rc=$?
t_check "cat private without password fails (exit 3), nothing written" "[ $rc -eq 3 ] && [ ! -s out.bin ]"
$V cat --password-file pwbad a.vsc openpgp/0103 > out.bin 2>/dev/null; rc=$?
t_check "cat with a wrong password fails (exit 3)" "[ $rc -eq 3 ] && [ ! -s out.bin ]"
t_ok "--password-fd reads the password from a descriptor" sh -c "$V cat --password-fd 3 a.vsc openpgp/0103 3<pw1 | cmp -s - priv.bin"
t_ok "VSC_PASSWORD_FILE is used" sh -c "VSC_PASSWORD_FILE=pw1 setsid -w $V cat a.vsc openpgp/0103 | cmp -s - priv.bin"
$V cat --password-file pw1 a.vsc openpgp/nope >/dev/null 2>&1; rc=$?
t_check "cat of a missing node fails (exit 1)" "[ $rc -eq 1 ]"
t_check "no private plaintext in the file" "! grep -q 'PRIVATE PIN DATA' a.vsc"

# --- verify ---------------------------------------------------------------
t_ok "verify with the password" $V verify --password-file pw1 a.vsc
$V verify --json --password-file pw1 a.vsc > v.json
t_check "verify --json is JSON and ok" "json_ok < v.json && [ \"\$(jget 'd[\"ok\"]' < v.json)\" = True ]"
t_ok "verify --structure-only without password" sh -c "setsid -w $V verify --structure-only a.vsc | grep -q 'not verified'"
# Flip the last byte of the private area (offsets from info --json).
cp a.vsc bad.vsc
python3 - bad.vsc <<'PY'
import json, subprocess, sys
f = sys.argv[1]
info = json.loads(subprocess.check_output(["vsctool", "info", "--json", f]))
sizes = {a["name"]: a["size"] for a in info["areas"]}
total = info["file_size"]
outer = total - 8 - sum(sizes.values())       # E1 tag + length bytes
off = 8 + outer + sizes["header"] + sizes["identifier"] + sizes["public"] + sizes["private"] - 1
b = bytearray(open(f, "rb").read()); b[off] ^= 1
open(f, "wb").write(b)
PY
$V verify --json --password-file pw1 bad.vsc > bad.json; rc=$?
t_check "verify of an altered private area fails (exit 3)" "[ $rc -eq 3 ]"
t_check "verify --json names the private area" "json_ok < bad.json && [ \"\$(jget 'd[\"area\"]' < bad.json)\" = private ]"
$V verify --password-file pw1 bad.vsc 2> bad.err; rc=$?
t_check "verify message names the private area" "grep -q 'private area' bad.err"
$V cat --password-file pw1 bad.vsc openpgp/0103 > out.bin 2>/dev/null; rc=$?
t_check "cat from an altered VSC gives nothing (exit 3)" "[ $rc -eq 3 ] && [ ! -s out.bin ]"
head -c 200 a.vsc > trunc.vsc
$V verify --password-file pw1 trunc.vsc >/dev/null 2>&1; rc=$?
t_check "verify of a truncated VSC fails (exit 4)" "[ $rc -eq 4 ]"
$V info trunc.vsc >/dev/null 2>&1; rc=$?
t_check "info of a truncated VSC fails (exit 4)" "[ $rc -eq 4 ]"
echo "not a vsc at all" > junk.vsc
$V info junk.vsc >/dev/null 2>err; rc=$?
t_check "info of a non-VSC fails (exit 4) with a message" "[ $rc -eq 4 ] && grep -q 'not a VSC' err"
$V verify --password-file pwbad a.vsc >/dev/null 2>&1; rc=$?
t_check "verify with a wrong password fails (exit 3)" "[ $rc -eq 3 ]"

# --- rm -------------------------------------------------------------------
t_ok "rm a node" $V rm --password-file pw1 a.vsc openpgp/5F50
t_check "removed node is gone" "! $V ls a.vsc 2>/dev/null | grep -q 5F50"
$V rm --password-file pw1 a.vsc openpgp/5F50 >/dev/null 2>&1; rc=$?
t_check "rm of a missing node fails (exit 1)" "[ $rc -eq 1 ]"

# --- export-public --------------------------------------------------------
t_ok "export-public" $V export-public --password-file pw1 a.vsc exp
t_check "exported public file" "cmp -s exp/3F00/2F00 pub.bin"
t_check "private nodes not exported" "[ ! -e exp/openpgp/0103 ] && [ ! -e exp/openpgp/key-sig ]"
t_check "export index.json is JSON" "json_ok < exp/index.json"
t_check "export index verified" "[ \"\$(jget 'd[\"verified\"]' < exp/index.json)\" = True ]"
$V export-public --password-file pw1 a.vsc exp >/dev/null 2>&1; rc=$?
t_check "export-public does not overwrite (exit 1)" "[ $rc -eq 1 ]"
t_ok "export-public --unverified needs no password" sh -c "setsid -w $V export-public --unverified a.vsc exp2 && cmp -s exp2/3F00/2F00 pub.bin"

# --- passwd ---------------------------------------------------------------
cp a.vsc old-copy.vsc
t_ok "passwd with --new-password-file" $V passwd $K --password-file pw1 --new-password-file pw2 a.vsc
$V verify --password-file pw1 a.vsc >/dev/null 2>&1; rc=$?
t_check "old password no longer opens the VSC (exit 3)" "[ $rc -eq 3 ]"
t_ok "new password opens the VSC" sh -c "$V cat --password-file pw2 a.vsc openpgp/0103 | cmp -s - priv.bin"
t_ok "old copy still opens with the old password" $V verify --password-file pw1 old-copy.vsc
$V verify --password-file pw2 old-copy.vsc >/dev/null 2>&1; rc=$?
t_check "old copy does not open with the new password" "[ $rc -eq 3 ]"
$V passwd $K --json --password-file pw2 a.vsc > pw.json
t_check "passwd --json gives a generated password" "json_ok < pw.json && jget 'd[\"password\"]' < pw.json | grep -Eq '^[A-Z2-7]{4}(-[A-Z2-7]{4}){6}\$'"
jget 'd["password"]' < pw.json > pw3
t_ok "generated password opens the VSC" $V verify --password-file pw3 a.vsc
$V verify --password-file pw2 a.vsc >/dev/null 2>&1; rc=$?
t_check "previous password refused after passwd (exit 3)" "[ $rc -eq 3 ]"
t_check "UUID unchanged by passwd" "$V info a.vsc | grep -q $UUID"

# --- misc -----------------------------------------------------------------
$V info >/dev/null 2>&1; rc=$?
t_check "missing argument is a usage error (exit 2)" "[ $rc -eq 2 ]"
$V ls --bogus a.vsc >/dev/null 2>&1; rc=$?
t_check "unknown option is a usage error (exit 2)" "[ $rc -eq 2 ]"
t_check "no temp files left" "[ -z \"\$(ls | grep '\\.tmp-')\" ]"
