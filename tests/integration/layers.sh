#!/bin/sh
# Layering check (issue 14): every directory of src/ includes only the
# headers of the layers below it, the manager and vsctool reach the card
# and the VSC files only through the facade (scapi), and the facade does
# no APDU work. The rules are what the code should be; doc/HACKING.md
# ("Layers") explains them. Comments are stripped before the call and
# literal checks, so a comment may name anything.
. "$top_srcdir/tests/lib.sh"
t_begin "layers: includes per directory, no layer skipped"

src="$top_srcdir/src"

# DIR: the headers it may include, as "dir/" (all of a directory) or
# "dir/file.h" (that header only). A header without a directory is the
# directory's own.
allowed () {
  case "$1" in
    common) echo "common/" ;;
    image)  echo "common/ image/" ;;
    vsc)    echo "common/ image/ vsc/" ;;
    map)    echo "common/ image/ map/" ;;
    emu)    echo "common/ image/ vsc/ emu/" ;;
    reader) echo "common/ reader/ emu/" ;;
    agency) echo "common/ image/ reader/ agency/" ;;
    # the facade: the agency's public header and the key algorithms of
    # agent-keys.c (libgcrypt only, no card I/O), never an agent's own
    # header; the mapping planner's public headers, not map-int.h
    scapi)  echo "common/ image/ reader/reader.h vsc/vsc.h agency/agency.h
                  agency/agent-apps.h map/map.h map/map-x509.h scapi/" ;;
    remote) echo "common/ image/ scapi/ remote/" ;;
    # the manager and vsctool: the facade, the image, the common layer;
    # remote/client.h is vscd's client, a peer of the facade (it does no
    # card or file work of its own)
    ui)     echo "common/ image/ scapi/ remote/client.h ui/" ;;
    cli)    echo "common/ image/ scapi/ remote/client.h cli/" ;;
    *)      echo "" ;;
  esac
}

# The text of FILE without comments.
code () {
  perl -0777 -pe 's{/\*.*?\*/}{ }gs; s{//[^\n]*}{}g' "$1"
}

# The includes of the files in DIR that its rules (directory NAME) do
# not allow, as FILE:HEADER.
include_violations () {
  rules=$(allowed "$2")
  for f in "$1"/*.[ch]; do
    [ -f "$f" ] || continue
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
      case "$inc" in */*) ;; *) continue ;; esac
      ok=no
      for r in $rules; do
        case "$r" in
          */) case "$inc" in "$r"*) ok=yes ;; esac ;;
          *)  [ "$inc" = "$r" ] && ok=yes ;;
        esac
      done
      [ $ok = yes ] || echo "$(basename "$f"):$inc"
    done
  done
}

for dir in "$src"/*/; do
  d=$(basename "$dir")
  t_check "src/$d has include rules" "[ -n \"\$(allowed $d)\" ]"
  bad=$(include_violations "$dir" "$d")
  t_check "src/$d includes only its own and lower layers" "[ -z \"\$bad\" ]"
  [ -z "$bad" ] || printf "%s\n" "$bad" | sed 's/^/    /'
done

# grep over the comment-free code of the files FILES...; prints FILE: LINE.
code_grep () {
  re="$1"; shift
  for f in "$@"; do
    code "$f" | grep -nE "$re" | sed "s|^|$(basename "$f"):|"
  done
}

# The manager and vsctool call no function of a layer below the facade.
# reader_strerror and vsc_strerror (common/error.h) are error texts;
# reader_info_t and reader_event_t come with scapi.h.
call_violations () {
  for f in "$@"; do
    code "$f" | sed -E 's/\b(reader|vsc)_strerror\b/strerror/g' \
      | grep -nE '\b(reader|agency|agent|apdu|iso7816|emu|vsc|vault|server)_[a-z0-9_]+[[:space:]]*\(|\bscapi_reader_ctx\b' \
      | sed "s|^|$(basename "$f"):|"
  done
}
for d in ui cli; do
  hits=$(call_violations "$src/$d"/*.[ch])
  t_check "src/$d calls nothing below the facade" "[ -z \"\$hits\" ]"
  [ -z "$hits" ] || printf "%s\n" "$hits" | sed 's/^/    /'
done

# The facade does no APDU work: no APDU codec or channel, no command
# builders, no agent internals (agents are reached through agency.h), no
# status-word literals (the agents and error.c own them).
hits=$(code_grep '\bapdu_(t|chan_t|cmd_t)\b|\bapdu_[a-z_]+[[:space:]]*\(|\biso7816_[a-z0-9_]+|\breader_(transmit|chan_[a-z_]*)[[:space:]]*\(|\bagent_(iso7816|pkcs15|openpgp|piv)_[a-z0-9_]*|\bagency_card_s\b|0[xX][69][0-9A-Fa-f]{3}\b' \
         "$src/scapi"/*.[ch])
t_check "src/scapi does no APDU work" "[ -z \"\$hits\" ]"
[ -z "$hits" ] || printf "%s\n" "$hits" | sed 's/^/    /'

# The checks themselves see a violation.
mkdir -p "$T_TMP/ui"
printf '#include "agency/agency.h"\n#include "ui/ui.h"\nint f (void) { return reader_emu_set_present (0, 0, 1); }\n' \
  > "$T_TMP/ui/bad.c"
printf 'int g (void) { return 0x6982; }\n' > "$T_TMP/bad-scapi.c"
t_check "the include rule catches a skipped layer" \
  "[ \"\$(include_violations '$T_TMP/ui' ui)\" = bad.c:agency/agency.h ]"
t_check "the call rule catches reader_emu_set_present" \
  "[ -n \"\$(call_violations '$T_TMP/ui/bad.c')\" ]"
t_check "the facade rule catches a status word" \
  "[ -n \"\$(code_grep '0[xX][69][0-9A-Fa-f]{3}\\b' '$T_TMP/bad-scapi.c')\" ]"
