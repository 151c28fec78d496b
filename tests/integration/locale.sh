#!/bin/sh
# locale.sh - uninstalled programs speak German with LANG=de_DE.UTF-8:
# make puts the compiled catalogues into the build tree's po/locale
# (with a marker file) and a program whose executable lies beside that
# directory binds its text domain there (src/common/i18n.c). A copy of
# the program elsewhere does not, and no environment variable changes it.
. "$top_srcdir/tests/lib.sh"
t_begin "uninstalled programs find the build tree's catalogues"

locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$' \
  || t_skip "locale de_DE.UTF-8 is not generated (scripts/setup does it)"
grep -q '^#define ENABLE_NLS 1' "$top_builddir/config.h" \
  || t_skip "built with --disable-nls"
command -v msgfmt >/dev/null 2>&1 || t_skip "msgfmt (gettext) is not installed"

B="$top_builddir"
de () { LANG=de_DE.UTF-8 LC_ALL= LC_MESSAGES= LANGUAGE= "$@"; }
t_check "make put the German catalogue into po/locale" \
  "[ -f '$B/po/locale/de/LC_MESSAGES/vscman.mo' ] && [ -f '$B/po/locale/vscman-build-tree' ]"
t_check "... and it is the current po/de.po, compiled" \
  "msgfmt -o '$T_TMP/de.mo' '$top_srcdir/po/de.po' && cmp -s '$T_TMP/de.mo' '$B/po/locale/de/LC_MESSAGES/vscman.mo'"
t_check "vsctool --help in German" "de '$B/vsctool' --help | grep -q '^Aufruf: vsctool'"
t_check "vscman --help in German" "de '$B/vscman' --help | grep -q '^Aufruf: vscman'"
t_check "vscemu --help in German" "de '$B/vscemu' --help | grep -q '^Aufruf: vscemu'"
t_check "vscd --help in German" "de '$B/vscd' --help | grep -q '^Aufruf: vscd'"
t_check "an error message in German" \
  "de '$B/vsctool' no-such-command 2>&1 | grep -q 'unbekannter Befehl'"
t_check "LANG=C stays English" \
  "LANG=C LC_ALL= LANGUAGE= '$B/vsctool' --help | grep -q '^usage: vsctool'"

# The lookup is by the executable's own directory: a copy beside a
# po/locale of its own (with the marker) reads that one ...
mkdir -p "$T_TMP/tree/po/locale/de/LC_MESSAGES" "$T_TMP/bare"
cp "$B/vsctool" "$T_TMP/tree/vsctool"
cp "$B/vsctool" "$T_TMP/bare/vsctool"
cat > "$T_TMP/x.po" <<'EOP'
msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\n"

msgid "unknown command '%s' (see 'vsctool --help')"
msgstr "MARKER-CATALOGUE '%s'"
EOP
msgfmt -o "$T_TMP/tree/po/locale/de/LC_MESSAGES/vscman.mo" "$T_TMP/x.po"
t_check "without the marker file a po/locale beside the program is ignored" \
  "! de '$T_TMP/tree/vsctool' nope 2>&1 | grep -q MARKER-CATALOGUE"
: > "$T_TMP/tree/po/locale/vscman-build-tree"
t_check "with it, the program reads that catalogue" \
  "de '$T_TMP/tree/vsctool' nope 2>&1 | grep -q \"MARKER-CATALOGUE 'nope'\""
t_check "... also when started through a symlink from elsewhere" \
  "ln -s '$T_TMP/tree/vsctool' '$T_TMP/link' && de '$T_TMP/link' nope 2>&1 | grep -q MARKER-CATALOGUE"
# ... and a copy with no po/locale beside it never reads the build tree's.
# (Unless a catalogue is installed under the configured prefix.)
prefix=$(sed -n 's/^prefix = //p' "$B/Makefile")
if [ -f "$prefix/share/locale/de/LC_MESSAGES/vscman.mo" ]; then
  echo "# $prefix has an installed catalogue: the bare copy may read it"
else
  t_check "a copy elsewhere does not read the build tree's catalogue" \
    "de '$T_TMP/bare/vsctool' --help | grep -q '^usage: vsctool'"
fi
t_check "the old VSCMAN_LOCALEDIR variable has no effect" \
  "! VSCMAN_LOCALEDIR='$T_TMP/tree/po/locale' de '$T_TMP/bare/vsctool' nope 2>&1 | grep -q MARKER-CATALOGUE"
