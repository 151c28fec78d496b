/* test-remote.c - vscd frame codec, name validation, vault CAS, URLs */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include "cutest.h"
#include "common/util.h"
#include "remote/proto.h"
#include "remote/vault.h"
#include "remote/vault-dir.h"
#include "remote/client.h"
#include "remote/slots.h"
#include <sys/mman.h>
#include <signal.h>

#define U1 "0123abcd-4567-89ef-0123-456789abcdef"
/* U1 as hex. */
#define UH "30313233616263642d343536372d383965662d303132332d343536373839616263646566"
#define U2 "ffffffff-0000-1111-2222-333333333333"

static char tmpdir[256];

static int
suite_init (void)
{
  snprintf (tmpdir, sizeof tmpdir, "%s/test-remote.XXXXXX",
            getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  return mkdtemp (tmpdir) ? 0 : -1;
}

static int
suite_cleanup (void)
{
  char cmd[400];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system (cmd) == 0 ? 0 : -1;
}

static void
test_uuid_valid (void)
{
  CU_ASSERT_TRUE (proto_uuid_valid (U1, 36));
  CU_ASSERT_FALSE (proto_uuid_valid (U1, 35));
  CU_ASSERT_FALSE (proto_uuid_valid ("0123ABCD-4567-89ef-0123-456789abcdef", 36));
  CU_ASSERT_FALSE (proto_uuid_valid ("0123abcd_4567-89ef-0123-456789abcdef", 36));
  CU_ASSERT_FALSE (proto_uuid_valid ("../../../../../../../../etc/passwd..", 36));
  CU_ASSERT_FALSE (proto_uuid_valid ("0123abcd-4567-89ef-0123-456789abcde/", 36));
  CU_ASSERT_FALSE (proto_uuid_valid ("0123abcd-4567-89ef-0123-456789abcd\0f", 36));
  CU_ASSERT_FALSE (proto_uuid_valid ("", 0));
  CU_ASSERT_FALSE (proto_uuid_valid (NULL, 36));
}

static void
test_vault_names (void)
{
  char name[96], u[37];
  uint64_t g;
  vault_dir_name (name, sizeof name, U1, 42);
  CU_ASSERT_STRING_EQUAL (name, U1 ".42.vsc");
  CU_ASSERT_TRUE (vault_dir_name_parse (name, u, &g));
  CU_ASSERT_STRING_EQUAL (u, U1);
  CU_ASSERT_EQUAL (g, 42);
  CU_ASSERT_TRUE (vault_dir_name_parse (U1 ".18446744073709551615.vsc", u, &g));
  CU_ASSERT_EQUAL (g, UINT64_MAX);
  CU_ASSERT_FALSE (vault_dir_name_parse (U1 ".18446744073709551616.vsc", u, &g));
  CU_ASSERT_FALSE (vault_dir_name_parse (U1 ".0.vsc", u, &g));
  CU_ASSERT_FALSE (vault_dir_name_parse (U1 ".01.vsc", u, &g));
  CU_ASSERT_FALSE (vault_dir_name_parse (U1 "..vsc", u, &g));
  CU_ASSERT_FALSE (vault_dir_name_parse (U1 ".1.vsc.tmp", u, &g));
  CU_ASSERT_FALSE (vault_dir_name_parse ("." U1 ".lock", u, &g));
  CU_ASSERT_FALSE (vault_dir_name_parse ("x", u, &g));
}

/* Build a frame, strip the length, parse it back. */
static gpg_error_t
roundtrip (const proto_msg_t *m, buf_t *b, proto_msg_t *out)
{
  gpg_error_t err;
  buf_clear (b);
  err = proto_msg_build (b, m);
  if (err)
    return err;
  CU_ASSERT_EQUAL (get_be32 (b->data), b->len - 4);
  return proto_msg_parse (b->data + 4, b->len - 4, out);
}

static void
test_frame_roundtrip (void)
{
  proto_msg_t m, r;
  buf_t b = BUF_INIT;
  static uint8_t big[70000];
  proto_entry_t ents[3] = {
    { U1, 1, 100, 1700000000 }, { U2, 7, 65536, 0 }, { U1, 3, 0, 5 } };
  size_t off = 0;
  proto_entry_t e;

  memset (&m, 0, sizeof m);
  m.type = PROTO_HELLO;
  m.have = PROTO_F_VMIN | PROTO_F_VMAX | PROTO_F_NAME;
  m.vmin = 1;
  m.vmax = 3;
  m.name = "test";
  m.namelen = 4;
  CU_ASSERT_EQUAL (roundtrip (&m, &b, &r), 0);
  CU_ASSERT_EQUAL (r.type, PROTO_HELLO);
  CU_ASSERT_EQUAL (r.vmin, 1);
  CU_ASSERT_EQUAL (r.vmax, 3);
  CU_ASSERT_EQUAL (r.namelen, 4);

  memset (big, 0xA5, sizeof big);
  memset (&m, 0, sizeof m);
  m.type = PROTO_PUT;
  m.have = PROTO_F_UUID | PROTO_F_GEN | PROTO_F_DATA;
  strcpy (m.uuid, U1);
  m.gen = 0x1234567890ULL;
  m.data = big;
  m.datalen = sizeof big;
  CU_ASSERT_EQUAL (roundtrip (&m, &b, &r), 0);
  CU_ASSERT_STRING_EQUAL (r.uuid, U1);
  CU_ASSERT_EQUAL (r.gen, 0x1234567890ULL);
  CU_ASSERT_EQUAL (r.datalen, sizeof big);
  CU_ASSERT_EQUAL (memcmp (r.data, big, sizeof big), 0);

  memset (&m, 0, sizeof m);
  m.type = PROTO_LIST | PROTO_REPLY;
  m.have = PROTO_F_ENTRY;
  m.entry_array = ents;
  m.nentries = 3;
  CU_ASSERT_EQUAL (roundtrip (&m, &b, &r), 0);
  CU_ASSERT_EQUAL (r.nentries, 3);
  CU_ASSERT_EQUAL (proto_entry_next (&r, &off, &e), 0);
  CU_ASSERT_STRING_EQUAL (e.uuid, U1);
  CU_ASSERT_EQUAL (e.mtime, 1700000000);
  CU_ASSERT_EQUAL (proto_entry_next (&r, &off, &e), 0);
  CU_ASSERT_EQUAL (e.gen, 7);
  CU_ASSERT_EQUAL (e.size, 65536);
  CU_ASSERT_EQUAL (proto_entry_next (&r, &off, &e), 0);
  CU_ASSERT_EQUAL (gpg_err_code (proto_entry_next (&r, &off, &e)), GPG_ERR_EOF);

  buf_clear (&b);
  CU_ASSERT_EQUAL (proto_build_error (&b, gpg_error (GPG_ERR_CONFLICT), "busy"), 0);
  CU_ASSERT_EQUAL (proto_msg_parse (b.data + 4, b.len - 4, &r), 0);
  CU_ASSERT_EQUAL (r.type, PROTO_ERROR);
  CU_ASSERT_EQUAL (gpg_err_code (proto_msg_error (&r)), GPG_ERR_CONFLICT);
  CU_ASSERT_EQUAL (r.errtextlen, 4);

  /* Building refuses what parsing would refuse. */
  memset (&m, 0, sizeof m);
  m.type = PROTO_GET;
  CU_ASSERT_EQUAL (gpg_err_code (proto_msg_build (&b, &m)), GPG_ERR_MISSING_VALUE);
  m.have = PROTO_F_UUID;
  strcpy (m.uuid, "../x");
  CU_ASSERT_EQUAL (gpg_err_code (proto_msg_build (&b, &m)), GPG_ERR_INV_NAME);
  buf_free (&b);
}

/* Golden frames: every message type with every field it allows, built
 * by the codec as it was before it became table-driven. The bytes on the
 * wire must never change; each one is also parsed back field by field. */
static const proto_entry_t golden_entries[2] = {
  { U1, 1, 100, 1700000000 }, { U2, 0x1234567890ULL, 0, 0 } };
static const proto_version_t golden_versions[3] = {
  { 3, 4096, 1700000003, "alice", "unix:/run/vscd.sock" },
  { 2, 0, 0, "", "" },
  { 1, 255, 256, "b\tob\x01", "" } };

static void
golden_template (proto_msg_t *m, unsigned type, unsigned have)
{
  static const uint8_t data[] = { 0x00, 0x01, 'V', 'S', 'C', 0xff };
  memset (m, 0, sizeof *m);
  m->type = type;
  m->have = have;
  m->vmin = 1;
  m->vmax = 2;
  m->name = "vscd 1.0";
  m->namelen = 8;
  strcpy (m->uuid, U1);
  m->gen = 0x1234567890ULL;
  m->data = data;
  m->datalen = sizeof data;
  m->password = "pw-Secret";
  m->passwordlen = 9;
  m->size = 65536;
  m->mtime = 1700000000;
  m->maxframe = PROTO_MAX_FRAME_DEFAULT;
  m->errcode = GPG_ERR_CONFLICT;
  m->errtext = "no\tsuch";
  m->errtextlen = 7;
  m->entry_array = golden_entries;
  m->nentries = 2;
  m->version_array = golden_versions;
  m->nversions = 3;
}

static void
test_frame_golden (void)
{
  static const struct {
    unsigned type, have;
    const char *hex;
  } g[] = {
    { PROTO_HELLO, PROTO_F_VMIN | PROTO_F_VMAX | PROTO_F_NAME,
      "000000110180010181010282087673636420312e30" },
    { PROTO_HELLO, PROTO_F_VMIN | PROTO_F_VMAX,
      "0000000701800101810102" },
    { PROTO_CREATE, 0,
      "0000000102" },
    { PROTO_LIST, 0,
      "0000000103" },
    { PROTO_STAT, PROTO_F_UUID,
      "0000002704832430313233616263642d343536372d383965662d3031"
      "32332d343536373839616263646566" },
    { PROTO_GET, PROTO_F_UUID,
      "0000002705832430313233616263642d343536372d383965662d3031"
      "32332d343536373839616263646566" },
    { PROTO_GET, PROTO_F_UUID | PROTO_F_GEN,
      "0000002e05832430313233616263642d343536372d383965662d3031"
      "32332d34353637383961626364656684051234567890" },
    { PROTO_PUT, PROTO_F_UUID | PROTO_F_GEN | PROTO_F_DATA,
      "0000003606832430313233616263642d343536372d383965662d3031"
      "32332d34353637383961626364656684051234567890850600015653"
      "43ff" },
    { PROTO_DELETE, PROTO_F_UUID | PROTO_F_GEN,
      "0000002e07832430313233616263642d343536372d383965662d3031"
      "32332d34353637383961626364656684051234567890" },
    { PROTO_BYE, 0,
      "0000000108" },
    { PROTO_HISTORY, PROTO_F_UUID,
      "0000002709832430313233616263642d343536372d383965662d3031"
      "32332d343536373839616263646566" },
    { PROTO_ERROR, PROTO_F_ERRCODE | PROTO_F_ERRTEXT,
      "0000000d7f8a01468b076e6f0973756368" },
    { PROTO_ERROR, PROTO_F_ERRCODE,
      "000000047f8a0146" },
    { PROTO_HELLO | PROTO_REPLY,
      PROTO_F_VMAX | PROTO_F_MAXFRAME | PROTO_F_NAME,
      "000000148181010282087673636420312e30890401000000" },
    { PROTO_CREATE | PROTO_REPLY,
      PROTO_F_UUID | PROTO_F_GEN | PROTO_F_PASSWORD | PROTO_F_DATA,
      "0000004182832430313233616263642d343536372d383965662d3031"
      "32332d34353637383961626364656684051234567890850600015653"
      "43ff860970772d536563726574" },
    { PROTO_LIST | PROTO_REPLY, PROTO_F_ENTRY,
      "0000006a83a032832430313233616263642d343536372d383965662d"
      "303132332d34353637383961626364656684010187016488046553f1"
      "00a033832466666666666666662d303030302d313131312d32323232"
      "2d33333333333333333333333384051234567890870100880100" },
    { PROTO_LIST | PROTO_REPLY, 0,
      "0000000183" },
    { PROTO_STAT | PROTO_REPLY,
      PROTO_F_UUID | PROTO_F_GEN | PROTO_F_SIZE | PROTO_F_MTIME,
      "0000003984832430313233616263642d343536372d383965662d3031"
      "32332d34353637383961626364656684051234567890870301000088"
      "046553f100" },
    { PROTO_GET | PROTO_REPLY,
      PROTO_F_UUID | PROTO_F_GEN | PROTO_F_DATA | PROTO_F_MTIME,
      "0000003c85832430313233616263642d343536372d383965662d3031"
      "32332d34353637383961626364656684051234567890850600015653"
      "43ff88046553f100" },
    { PROTO_PUT | PROTO_REPLY, PROTO_F_UUID | PROTO_F_GEN,
      "0000002e86832430313233616263642d343536372d383965662d3031"
      "32332d34353637383961626364656684051234567890" },
    { PROTO_DELETE | PROTO_REPLY, PROTO_F_UUID,
      "0000002787832430313233616263642d343536372d383965662d3031"
      "32332d343536373839616263646566" },
    { PROTO_BYE | PROTO_REPLY, 0,
      "0000000188" },
    { PROTO_HISTORY | PROTO_REPLY, PROTO_F_UUID | PROTO_F_VERSION,
      "0000007089832430313233616263642d343536372d383965662d3031"
      "32332d343536373839616263646566a1298401038702100088046553"
      "f1038c05616c6963658d13756e69783a2f72756e2f767363642e736f"
      "636ba109840102870100880100a1118401018701ff880201008c0562"
      "3f6f623f" },
    { PROTO_HISTORY | PROTO_REPLY, PROTO_F_UUID,
      "0000002789832430313233616263642d343536372d383965662d3031"
      "32332d343536373839616263646566" }
  };
  proto_msg_t m, r;
  proto_entry_t e;
  proto_version_t v;
  buf_t b = BUF_INIT;
  char hex[1024];
  size_t i, j, off;

  for (i = 0; i < DIM (g); i++)
    {
      golden_template (&m, g[i].type, g[i].have);
      buf_clear (&b);
      CU_ASSERT_EQUAL_FATAL (proto_msg_build (&b, &m), 0);
      CU_ASSERT_FATAL (b.len * 2 < sizeof hex);
      for (j = 0; j < b.len; j++)
        snprintf (hex + 2 * j, 3, "%02x", b.data[j]);
      if (strcmp (hex, g[i].hex))
        printf ("golden %zu: %s\n", i, hex);
      CU_ASSERT_STRING_EQUAL (hex, g[i].hex);

      /* The bytes parse back to the fields they came from. */
      CU_ASSERT_EQUAL_FATAL (proto_msg_parse (b.data + 4, b.len - 4, &r), 0);
      CU_ASSERT_EQUAL (r.type, m.type);
      CU_ASSERT_EQUAL (r.have, m.have);
      if (r.have & PROTO_F_VMIN)
        CU_ASSERT_EQUAL (r.vmin, m.vmin);
      if (r.have & PROTO_F_VMAX)
        CU_ASSERT_EQUAL (r.vmax, m.vmax);
      if (r.have & PROTO_F_NAME)
        CU_ASSERT (r.namelen == m.namelen
                   && !memcmp (r.name, m.name, m.namelen));
      if (r.have & PROTO_F_UUID)
        CU_ASSERT_STRING_EQUAL (r.uuid, m.uuid);
      if (r.have & PROTO_F_GEN)
        CU_ASSERT_EQUAL (r.gen, m.gen);
      if (r.have & PROTO_F_DATA)
        CU_ASSERT (r.datalen == m.datalen
                   && !memcmp (r.data, m.data, m.datalen));
      if (r.have & PROTO_F_PASSWORD)
        CU_ASSERT (r.passwordlen == m.passwordlen
                   && !memcmp (r.password, m.password, m.passwordlen));
      if (r.have & PROTO_F_SIZE)
        CU_ASSERT_EQUAL (r.size, m.size);
      if (r.have & PROTO_F_MTIME)
        CU_ASSERT_EQUAL (r.mtime, m.mtime);
      if (r.have & PROTO_F_MAXFRAME)
        CU_ASSERT_EQUAL (r.maxframe, m.maxframe);
      if (r.have & PROTO_F_ERRCODE)
        CU_ASSERT_EQUAL (r.errcode, m.errcode);
      if (r.have & PROTO_F_ERRTEXT)
        CU_ASSERT (r.errtextlen == m.errtextlen
                   && !memcmp (r.errtext, m.errtext, m.errtextlen));
      CU_ASSERT_EQUAL (r.nentries, (m.have & PROTO_F_ENTRY) ? m.nentries : 0);
      for (off = 0, j = 0; !proto_entry_next (&r, &off, &e); j++)
        {
          CU_ASSERT_FATAL (j < m.nentries);
          CU_ASSERT_STRING_EQUAL (e.uuid, golden_entries[j].uuid);
          CU_ASSERT_EQUAL (e.gen, golden_entries[j].gen);
          CU_ASSERT_EQUAL (e.size, golden_entries[j].size);
          CU_ASSERT_EQUAL (e.mtime, golden_entries[j].mtime);
        }
      CU_ASSERT_EQUAL (j, r.nentries);
      CU_ASSERT_EQUAL (r.nversions,
                       (m.have & PROTO_F_VERSION) ? m.nversions : 0);
      for (off = 0, j = 0; !proto_version_next (&r, &off, &v); j++)
        {
          CU_ASSERT_FATAL (j < m.nversions);
          CU_ASSERT_EQUAL (v.gen, golden_versions[j].gen);
          CU_ASSERT_EQUAL (v.size, golden_versions[j].size);
          CU_ASSERT_EQUAL (v.mtime, golden_versions[j].mtime);
          /* Control characters (TAB too) in 8C/8D are sent as '?'. */
          CU_ASSERT_STRING_EQUAL (v.by, j == 2 ? "b?ob?"
                                  : golden_versions[j].by);
          CU_ASSERT_STRING_EQUAL (v.from, golden_versions[j].from);
        }
      CU_ASSERT_EQUAL (j, r.nversions);
    }

  /* The names in the log. */
  CU_ASSERT_STRING_EQUAL (proto_type_name (PROTO_HISTORY | PROTO_REPLY),
                          "history");
  CU_ASSERT_STRING_EQUAL (proto_type_name (PROTO_DELETE), "delete");
  CU_ASSERT_STRING_EQUAL (proto_type_name (PROTO_ERROR), "error");
  CU_ASSERT_STRING_EQUAL (proto_type_name (0x42), "?");
  CU_ASSERT_STRING_EQUAL (proto_type_name (0x42 | PROTO_REPLY), "?");
  CU_ASSERT_STRING_EQUAL (proto_type_name (PROTO_ERROR | PROTO_REPLY), "error");
  CU_ASSERT_STRING_EQUAL (proto_type_name (0x109), "?");

  /* The error convenience frame. */
  buf_clear (&b);
  CU_ASSERT_EQUAL (proto_build_error (&b, gpg_error (GPG_ERR_NO_DATA),
                                      "not here"), 0);
  for (j = 0; j < b.len; j++)
    snprintf (hex + 2 * j, 3, "%02x", b.data[j]);
  if (strcmp (hex, "0000000e7f8a013a8b086e6f742068657265"))
    printf ("golden error: %s\n", hex);
  CU_ASSERT_STRING_EQUAL (hex, "0000000e7f8a013a8b086e6f742068657265");
  buf_free (&b);
}

static gpg_error_t
parse_hex (const char *hex, proto_msg_t *m)
{
  uint8_t b[256];
  size_t n = 0;
  unsigned v;
  while (*hex && n < sizeof b)
    {
      if (*hex == ' ')
        {
          hex++;
          continue;
        }
      sscanf (hex, "%2x", &v);
      b[n++] = (uint8_t)v;
      hex += 2;
    }
  return proto_msg_parse (b, n, m);
}

static void
test_frame_malformed (void)
{
  proto_msg_t m;
  /* Valid: GET with a UUID. */
  CU_ASSERT_EQUAL (parse_hex ("05 83 24 30313233616263642d343536372d383965662d"
                              "303132332d343536373839616263646566", &m), 0);
  /* Upper-case UUID, a path, wrong length. */
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("05 83 24 30313233414243442d343536372d383965662d"
                                            "303132332d343536373839616263646566", &m)),
                   GPG_ERR_INV_NAME);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("05 83 05 2e2e2f2e2e", &m)), GPG_ERR_INV_NAME);
  /* Unknown type, reply type as request is parsed (server rejects). */
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("42", &m)), GPG_ERR_INV_OBJ);
  /* No message 0, no reply to nothing, no reply to an error. */
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("00", &m)), GPG_ERR_INV_OBJ);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("80", &m)), GPG_ERR_INV_OBJ);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("FF 8A 01 01", &m)),
                   GPG_ERR_INV_OBJ);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("C2", &m)), GPG_ERR_INV_OBJ);
  CU_ASSERT_EQUAL (parse_hex ("88", &m), 0);
  CU_ASSERT_EQUAL (m.type, PROTO_BYE | PROTO_REPLY);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("", &m)), GPG_ERR_TOO_SHORT);
  /* Missing field, forbidden field, unknown tag, duplicate. */
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("05", &m)), GPG_ERR_MISSING_VALUE);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("03 84 01 01", &m)), GPG_ERR_INV_TAG);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("03 8F 01 01", &m)), GPG_ERR_INV_TAG);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("01 80 01 01 80 01 01 81 01 01", &m)),
                   GPG_ERR_INV_TAG);
  /* Truncated TLV, over-long length, indefinite length. */
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("01 80 05 01", &m)), GPG_ERR_TOO_SHORT);
  CU_ASSERT_NOT_EQUAL (parse_hex ("01 80 85 01 00 00 00 00 01", &m), 0);
  CU_ASSERT_NOT_EQUAL (parse_hex ("01 80 80 01 00 00", &m), 0);
  /* Non-minimal and over-long integers. */
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("01 80 02 00 01 81 01 01", &m)),
                   GPG_ERR_INV_VALUE);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("01 80 09 010000000000000000 81 01 01", &m)),
                   GPG_ERR_INV_LENGTH);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("01 80 00 81 01 01", &m)), GPG_ERR_INV_LENGTH);
  /* Control characters in text. */
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("01 80 01 01 81 01 01 82 02 41 0a", &m)),
                   GPG_ERR_INV_VALUE);
  /* A list entry missing its generation. */
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("83 A0 26 83 24 30313233616263642d343536372d383965662d"
                                            "303132332d343536373839616263646566", &m)),
                   GPG_ERR_MISSING_VALUE);
  /* A duplicate field inside an entry. */
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("83 A0 32 83 24 " UH " 84 01 01"
                                            " 84 01 02 87 01 00 88 01 00", &m)),
                   GPG_ERR_INV_TAG);
  /* The password of a created VSC is never empty. */
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("82 83 24 " UH " 84 01 01 85 00"
                                            " 86 00", &m)), GPG_ERR_INV_VALUE);
  /* Error codes are 16 bits. */
  CU_ASSERT_EQUAL (parse_hex ("7f 8a 02 ffff", &m), 0);
  CU_ASSERT_EQUAL (m.errcode, 0xffff);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("7f 8a 03 010000", &m)),
                   GPG_ERR_INV_VALUE);
  /* Generations: a valid one, one without its time, a duplicate, an
   * unknown tag, a control character, an over-long account name, and
   * generations that are not consecutive. */
  CU_ASSERT_EQUAL (parse_hex ("89 83 24 " UH " A1 0C 84 01 01 87 01 00"
                              " 88 01 00 8C 01 41", &m), 0);
  CU_ASSERT_EQUAL (m.nversions, 1);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("89 83 24 " UH " A1 06 84 01 01"
                                            " 87 01 00", &m)),
                   GPG_ERR_MISSING_VALUE);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("89 83 24 " UH " A1 0F 84 01 01"
                                            " 87 01 00 88 01 00 8C 01 41"
                                            " 8C 01 42", &m)), GPG_ERR_INV_TAG);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("89 83 24 " UH " A1 0C 84 01 01"
                                            " 87 01 00 88 01 00 85 01 41", &m)),
                   GPG_ERR_INV_TAG);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("89 83 24 " UH " A1 0C 84 01 01"
                                            " 87 01 00 88 01 00 8D 01 0A", &m)),
                   GPG_ERR_INV_VALUE);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("89 83 24 " UH " A1 4C 84 01 01"
                                            " 87 01 00 88 01 00 8C 41"
                                            " 4141414141414141414141414141414141"
                                            "41414141414141414141414141414141"
                                            "41414141414141414141414141414141"
                                            "41414141414141414141414141414141", &m)),
                   GPG_ERR_TOO_LARGE);
  CU_ASSERT_EQUAL (gpg_err_code (parse_hex ("89 A1 09 84 01 01 87 01 00 88 01 00"
                                            " 83 24 " UH
                                            " A1 09 84 01 02 87 01 00 88 01 00",
                                            &m)), GPG_ERR_INV_TAG);
}

static void
test_frame_io (void)
{
  int sv[2];
  proto_io_t w, r;
  buf_t f = BUF_INIT;
  uint8_t hdr[8];

  CU_ASSERT_EQUAL_FATAL (socketpair (AF_UNIX, SOCK_STREAM, 0, sv), 0);
  w.in = w.out = sv[0];
  r.in = r.out = sv[1];
  w.cancel_fd = r.cancel_fd = -1;
  w.timeout_ms = -1;
  r.timeout_ms = 2000;
  /* A frame, then a zero length, then an oversized one. */
  put_be32 (hdr, 3);
  memcpy (hdr + 4, "\x03\x00\x00", 3);
  CU_ASSERT_EQUAL (proto_write_all (&w, hdr, 7), 0);
  CU_ASSERT_EQUAL (proto_read_frame (&r, 100, &f), 0);
  CU_ASSERT_EQUAL (f.len, 3);
  put_be32 (hdr, 0);
  CU_ASSERT_EQUAL (proto_write_all (&w, hdr, 4), 0);
  CU_ASSERT_EQUAL (gpg_err_code (proto_read_frame (&r, 100, &f)), GPG_ERR_INV_LENGTH);
  put_be32 (hdr, 101);
  CU_ASSERT_EQUAL (proto_write_all (&w, hdr, 4), 0);
  CU_ASSERT_EQUAL (gpg_err_code (proto_read_frame (&r, 100, &f)), GPG_ERR_TOO_LARGE);
  /* Nothing more arrives: timeout. */
  r.timeout_ms = 50;
  CU_ASSERT_EQUAL (gpg_err_code (proto_read_frame (&r, 100, &f)), GPG_ERR_TIMEOUT);
  /* Truncated frame, then EOF. */
  put_be32 (hdr, 10);
  CU_ASSERT_EQUAL (proto_write_all (&w, hdr, 6), 0);
  shutdown (sv[0], SHUT_WR);
  CU_ASSERT_EQUAL (gpg_err_code (proto_read_frame (&r, 100, &f)), GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (gpg_err_code (proto_read_frame (&r, 100, &f)), GPG_ERR_EOF);
  close (sv[0]);
  close (sv[1]);
  buf_free (&f);
}

static vault_t *
open_vault (const char *sub)
{
  char path[400];
  vault_t *v = NULL;
  snprintf (path, sizeof path, "%s/%s/deeper", tmpdir, sub);
  CU_ASSERT_EQUAL (vault_open (path, true, &v), 0);
  /* These tests count files: one generation per VSC (history is in
   * tests/unit/test-vault.c). */
  if (v)
    vault_set_keep (v, 1);
  return v;
}

static int
count_files (const char *sub)
{
  char path[400];
  DIR *d;
  struct dirent *de;
  int n = 0;
  snprintf (path, sizeof path, "%s/%s/deeper", tmpdir, sub);
  d = opendir (path);
  if (!d)
    return -1;
  while ((de = readdir (d)))
    if (de->d_name[0] != '.')
      n++;
  closedir (d);
  return n;
}

static void
test_vault_cas (void)
{
  vault_t *v = open_vault ("cas");
  buf_t d = BUF_INIT;
  proto_entry_t e, *list = NULL;
  uint64_t g = 0;
  size_t n = 0;
  struct stat st;
  char path[400];

  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  snprintf (path, sizeof path, "%s/cas/deeper", tmpdir);
  CU_ASSERT_EQUAL (stat (path, &st), 0);
  CU_ASSERT_EQUAL (st.st_mode & 0777, 0700);

  CU_ASSERT_EQUAL (gpg_err_code (vault_get (v, U1, 1000, &d, &e)), GPG_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL (gpg_err_code (vault_put (v, U1, 1, "x", 1, &g)), GPG_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL (vault_put (v, U1, 0, "one", 3, &g), 0);
  CU_ASSERT_EQUAL (g, 1);
  CU_ASSERT_EQUAL (gpg_err_code (vault_put (v, U1, 0, "dup", 3, &g)), GPG_ERR_CONFLICT);
  CU_ASSERT_EQUAL (vault_put (v, U1, 1, "two!", 4, &g), 0);
  CU_ASSERT_EQUAL (g, 2);
  /* A writer still based on generation 1 loses. */
  CU_ASSERT_EQUAL (gpg_err_code (vault_put (v, U1, 1, "lost", 4, &g)), GPG_ERR_CONFLICT);
  CU_ASSERT_EQUAL (vault_get (v, U1, 1000, &d, &e), 0);
  CU_ASSERT_EQUAL (e.gen, 2);
  CU_ASSERT_EQUAL (d.len, 4);
  CU_ASSERT_EQUAL (memcmp (d.data, "two!", 4), 0);
  CU_ASSERT_EQUAL (gpg_err_code (vault_get (v, U1, 3, &d, &e)), GPG_ERR_TOO_LARGE);
  CU_ASSERT_EQUAL (count_files ("cas"), 1);   /* old generation removed */

  /* Files are 0600. */
  snprintf (path, sizeof path, "%s/cas/deeper/%s.2.vsc", tmpdir, U1);
  CU_ASSERT_EQUAL (stat (path, &st), 0);
  CU_ASSERT_EQUAL (st.st_mode & 0777, 0600);

  CU_ASSERT_EQUAL (vault_put (v, U2, 0, "other", 5, &g), 0);
  CU_ASSERT_EQUAL (vault_list (v, &list, &n), 0);
  CU_ASSERT_EQUAL_FATAL (n, 2);
  CU_ASSERT_STRING_EQUAL (list[0].uuid, U1);
  CU_ASSERT_EQUAL (list[0].gen, 2);
  CU_ASSERT_EQUAL (list[0].size, 4);
  CU_ASSERT_STRING_EQUAL (list[1].uuid, U2);
  xfree (list);

  CU_ASSERT_EQUAL (gpg_err_code (vault_delete (v, U1, 1)), GPG_ERR_CONFLICT);
  CU_ASSERT_EQUAL (vault_delete (v, U1, 2), 0);
  CU_ASSERT_EQUAL (gpg_err_code (vault_stat (v, U1, &e)), GPG_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL (gpg_err_code (vault_delete (v, U1, 0)), GPG_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL (vault_delete (v, U2, 0), 0);
  CU_ASSERT_EQUAL (count_files ("cas"), 0);

  /* Names that are not canonical UUIDs never reach the file system. */
  CU_ASSERT_EQUAL (gpg_err_code (vault_put (v, "../../etc/passwd", 0, "x", 1, &g)),
                   GPG_ERR_INV_NAME);
  CU_ASSERT_EQUAL (gpg_err_code (vault_get (v, "", 10, &d, &e)), GPG_ERR_INV_NAME);
  CU_ASSERT_EQUAL (gpg_err_code (vault_delete (v, U1 "/", 0)), GPG_ERR_INV_NAME);
  buf_free (&d);
  vault_close (v);
}

/* A crash after the rename but before the cleanup leaves two
 * generations: the highest one is current, the next writer cleans. */
static void
test_vault_leftovers (void)
{
  vault_t *v = open_vault ("left");
  buf_t d = BUF_INIT;
  proto_entry_t e;
  uint64_t g;
  char path[400];
  FILE *fp;

  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  CU_ASSERT_EQUAL (vault_put (v, U1, 0, "old", 3, &g), 0);
  snprintf (path, sizeof path, "%s/left/deeper/%s.2.vsc", tmpdir, U1);
  fp = fopen (path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL (fp);
  fputs ("new", fp);
  fclose (fp);
  snprintf (path, sizeof path, "%s/left/deeper/.tmp-%s-0000000000000000", tmpdir, U1);
  fp = fopen (path, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL (fp);
  fputs ("partial", fp);
  fclose (fp);
  CU_ASSERT_EQUAL (vault_get (v, U1, 100, &d, &e), 0);
  CU_ASSERT_EQUAL (e.gen, 2);
  CU_ASSERT_EQUAL (memcmp (d.data, "new", 3), 0);
  CU_ASSERT_EQUAL (count_files ("left"), 2);
  CU_ASSERT_EQUAL (vault_put (v, U1, 2, "newer", 5, &g), 0);
  CU_ASSERT_EQUAL (g, 3);
  CU_ASSERT_EQUAL (count_files ("left"), 1);
  CU_ASSERT_NOT_EQUAL (access (path, F_OK), 0);   /* stale temp gone */
  buf_free (&d);
  vault_close (v);
}

/* Many processes race on one generation: exactly one wins each round. */
static void
test_vault_race (void)
{
  vault_t *v = open_vault ("race");
  enum { NPROC = 8, ROUNDS = 20 };
  uint64_t g;
  int round, i, wins, status;
  proto_entry_t e;

  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  CU_ASSERT_EQUAL (vault_put (v, U1, 0, "start", 5, &g), 0);
  for (round = 0; round < ROUNDS; round++)
    {
      pid_t pids[NPROC];
      uint64_t base = g;
      for (i = 0; i < NPROC; i++)
        {
          pids[i] = fork ();
          if (!pids[i])
            {
              uint64_t ng;
              char data[32];
              snprintf (data, sizeof data, "writer %d", i);
              gpg_error_t err = vault_put (v, U1, base, data, strlen (data), &ng);
              _exit (!err ? 0 : gpg_err_code (err) == GPG_ERR_CONFLICT ? 1 : 2);
            }
        }
      wins = 0;
      for (i = 0; i < NPROC; i++)
        {
          CU_ASSERT_EQUAL (waitpid (pids[i], &status, 0), pids[i]);
          CU_ASSERT_TRUE (WIFEXITED (status) && WEXITSTATUS (status) < 2);
          if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
            wins++;
        }
      CU_ASSERT_EQUAL (wins, 1);
      CU_ASSERT_EQUAL (vault_stat (v, U1, &e), 0);
      CU_ASSERT_EQUAL (e.gen, base + 1);
      g = e.gen;
    }
  CU_ASSERT_EQUAL (g, 1 + ROUNDS);
  CU_ASSERT_EQUAL (count_files ("race"), 1);
  vault_close (v);
}

static int
count_locks (const char *sub)
{
  char path[400];
  DIR *d;
  struct dirent *de;
  int n = 0;
  snprintf (path, sizeof path, "%s/%s/deeper", tmpdir, sub);
  d = opendir (path);
  if (!d)
    return -1;
  while ((de = readdir (d)))
    if (strstr (de->d_name, ".lock"))
      n++;
  closedir (d);
  return n;
}

/* The quota is counted and applied in one step: many processes putting
 * new UUIDs into a vault with room for 3 store exactly 3 (issue 13.5:
 * 100 concurrent puts into a vault of 5 stored 8). */
static void
test_vault_quota_race (void)
{
  vault_t *v = open_vault ("quota");
  enum { NPROC = 16 };
  pid_t pids[NPROC];
  int i, status, stored = 0, full = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  vault_set_fsync (v, false);
  vault_set_max_vscs (v, 3);
  for (i = 0; i < NPROC; i++)
    {
      pids[i] = fork ();
      if (!pids[i])
        {
          char u[40];
          uint64_t g;
          gpg_error_t err;
          snprintf (u, sizeof u, "00000000-0000-0000-0000-%012d", i);
          err = vault_put (v, u, 0, "data", 4, &g);
          _exit (!err ? 0 : gpg_err_code (err) == GPG_ERR_LIMIT_REACHED
                 ? 1 : 2);
        }
    }
  for (i = 0; i < NPROC; i++)
    {
      CU_ASSERT_EQUAL (waitpid (pids[i], &status, 0), pids[i]);
      if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
        stored++;
      else if (WIFEXITED (status) && WEXITSTATUS (status) == 1)
        full++;
    }
  CU_ASSERT_EQUAL (stored, 3);
  CU_ASSERT_EQUAL (full, NPROC - 3);
  CU_ASSERT_EQUAL (count_files ("quota"), 3);
  CU_ASSERT_EQUAL (count_locks ("quota"), 3);   /* the refused left none */
  vault_close (v);
}

/* Requests about UUIDs that do not exist leave no lock files (3000
 * deletes of random UUIDs left 3000). */
static void
test_vault_no_stray_locks (void)
{
  vault_t *v = open_vault ("locks");
  uint64_t g;
  int i;

  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  for (i = 0; i < 50; i++)
    {
      char u[40];
      snprintf (u, sizeof u, "00000000-0000-0000-0000-%012d", i);
      CU_ASSERT_EQUAL (gpg_err_code (vault_delete (v, u, 0)),
                       GPG_ERR_NOT_FOUND);
      CU_ASSERT_EQUAL (gpg_err_code (vault_put (v, u, 7, "x", 1, &g)),
                       GPG_ERR_NOT_FOUND);
    }
  CU_ASSERT_EQUAL (count_locks ("locks"), 0);
  vault_set_max_vscs (v, 1);
  CU_ASSERT_EQUAL (vault_put (v, U1, 0, "x", 1, &g), 0);
  CU_ASSERT_EQUAL (gpg_err_code (vault_put (v, U2, 0, "x", 1, &g)),
                   GPG_ERR_LIMIT_REACHED);
  CU_ASSERT_EQUAL (count_locks ("locks"), 1);   /* U1's only */
  CU_ASSERT_EQUAL (vault_delete (v, U1, 0), 0);
  CU_ASSERT_EQUAL (count_locks ("locks"), 0);
  vault_close (v);
}

/* The cap on concurrent key derivations: at most N holders, one per
 * owner, and a holder killed with SIGKILL frees its slot. */
static void
slots_run (slots_t *s, int nproc, bool same_owner, int *shared)
{
  pid_t pids[16];
  int i, status;

  for (i = 0; i < nproc; i++)
    {
      pids[i] = fork ();
      if (!pids[i])
        {
          int slot, now;
          if (slots_acquire (s, same_owner ? 1000 : 1000 + i, &slot))
            _exit (2);
          now = __atomic_add_fetch (&shared[0], 1, __ATOMIC_SEQ_CST);
          if (now > __atomic_load_n (&shared[1], __ATOMIC_SEQ_CST))
            __atomic_store_n (&shared[1], now, __ATOMIC_SEQ_CST);
          usleep (30000);
          __atomic_sub_fetch (&shared[0], 1, __ATOMIC_SEQ_CST);
          slots_release (s, same_owner ? 1000 : 1000 + i, slot);
          _exit (0);
        }
    }
  for (i = 0; i < nproc; i++)
    {
      CU_ASSERT_EQUAL (waitpid (pids[i], &status, 0), pids[i]);
      CU_ASSERT_TRUE (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    }
}

static void
test_slots (void)
{
  slots_t *s = NULL;
  int *shared, slot, status, p[2];
  pid_t holder;
  char c;

  shared = mmap (NULL, 4096, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CU_ASSERT_FATAL (shared != MAP_FAILED);
  CU_ASSERT_EQUAL_FATAL (slots_new_anon (2, &s), 0);
  shared[0] = shared[1] = 0;
  slots_run (s, 8, false, shared);
  CU_ASSERT_EQUAL (shared[1], 2);       /* never more than 2 at once */
  shared[0] = shared[1] = 0;
  slots_run (s, 4, true, shared);
  CU_ASSERT_EQUAL (shared[1], 1);       /* one per owner */

  /* A holder killed with SIGKILL: its slot comes back. */
  CU_ASSERT_EQUAL_FATAL (pipe (p), 0);
  holder = fork ();
  if (!holder)
    {
      if (slots_acquire (s, 7, &slot))
        _exit (2);
      (void)!write (p[1], "x", 1);
      pause ();
      _exit (0);
    }
  CU_ASSERT_EQUAL (read (p[0], &c, 1), 1);
  kill (holder, SIGKILL);
  waitpid (holder, &status, 0);
  shared[0] = shared[1] = 0;
  slots_run (s, 2, true, shared);       /* owner 1000 gets through */
  CU_ASSERT_EQUAL (slots_acquire (s, 7, &slot), 0);   /* owner 7 too */
  slots_release (s, 7, slot);
  close (p[0]);
  close (p[1]);
  slots_free (s);
  munmap (shared, 4096);
}

static void
test_vault_symlink_refused (void)
{
  char path[400], target[400];
  vault_t *v = NULL;
  snprintf (target, sizeof target, "%s/real", tmpdir);
  snprintf (path, sizeof path, "%s/link", tmpdir);
  CU_ASSERT_EQUAL (mkdir (target, 0700), 0);
  CU_ASSERT_EQUAL (symlink (target, path), 0);
  CU_ASSERT_NOT_EQUAL (vault_open (path, false, &v), 0);
  CU_ASSERT_PTR_NULL (v);
}

static void
test_url_parse (void)
{
  char kind, *user, *host, *path;
  unsigned port;

  CU_ASSERT_EQUAL (remote_parse_url ("ssh://alice@example.org:2222/srv/vault",
                                     &kind, &user, &host, &port, &path), 0);
  CU_ASSERT_EQUAL (kind, 's');
  CU_ASSERT_STRING_EQUAL (user, "alice");
  CU_ASSERT_STRING_EQUAL (host, "example.org");
  CU_ASSERT_EQUAL (port, 2222);
  CU_ASSERT_STRING_EQUAL (path, "/srv/vault");
  xfree (user); xfree (host); xfree (path);

  CU_ASSERT_EQUAL (remote_parse_url ("ssh://[::1]:22", &kind, &user, &host,
                                     &port, &path), 0);
  CU_ASSERT_PTR_NULL (user);
  CU_ASSERT_STRING_EQUAL (host, "::1");
  CU_ASSERT_PTR_NULL (path);
  xfree (host);

  CU_ASSERT_EQUAL (remote_parse_url ("unix:/run/vscd.sock", &kind, &user,
                                     &host, &port, &path), 0);
  CU_ASSERT_EQUAL (kind, 'u');
  CU_ASSERT_STRING_EQUAL (path, "/run/vscd.sock");
  xfree (path);

  /* Option injection and junk. */
  CU_ASSERT_NOT_EQUAL (remote_parse_url ("ssh://-oProxyCommand=x/", &kind, &user, &host, &port, &path), 0);
  CU_ASSERT_NOT_EQUAL (remote_parse_url ("ssh://-l@h", &kind, &user, &host, &port, &path), 0);
  CU_ASSERT_NOT_EQUAL (remote_parse_url ("ssh://h:0", &kind, &user, &host, &port, &path), 0);
  CU_ASSERT_NOT_EQUAL (remote_parse_url ("ssh://h:65536", &kind, &user, &host, &port, &path), 0);
  CU_ASSERT_NOT_EQUAL (remote_parse_url ("ssh://h:22x", &kind, &user, &host, &port, &path), 0);
  CU_ASSERT_NOT_EQUAL (remote_parse_url ("ssh://a b", &kind, &user, &host, &port, &path), 0);
  CU_ASSERT_NOT_EQUAL (remote_parse_url ("ssh:///x", &kind, &user, &host, &port, &path), 0);
  CU_ASSERT_NOT_EQUAL (remote_parse_url ("http://h/", &kind, &user, &host, &port, &path), 0);
  CU_ASSERT_NOT_EQUAL (remote_parse_url ("unix:", &kind, &user, &host, &port, &path), 0);
  CU_ASSERT_PTR_NULL (user);
  CU_ASSERT_PTR_NULL (host);
  CU_ASSERT_PTR_NULL (path);
}

static const cutest_t tests[] = {
  CUTEST (test_uuid_valid),
  CUTEST (test_vault_names),
  CUTEST (test_frame_roundtrip),
  CUTEST (test_frame_malformed),
  CUTEST (test_frame_golden),
  CUTEST (test_frame_io),
  CUTEST (test_vault_cas),
  CUTEST (test_vault_leftovers),
  CUTEST (test_vault_race),
  CUTEST (test_vault_symlink_refused),
  CUTEST (test_vault_quota_race),
  CUTEST (test_vault_no_stray_locks),
  CUTEST (test_slots),
  CUTEST (test_url_parse),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("remote", tests, suite_init, suite_cleanup);
}
