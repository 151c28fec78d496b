/* test-emu.c - the emulated card driven through emu_card_apdu: SELECT,
 * binary and record commands, CREATE/DELETE/ACTIVATE/DEACTIVATE, GET
 * CHALLENGE, malformed APDUs, T=0/T=1 GET RESPONSE, chaining */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "emu-helper.h"

static int
setup (void)
{
  return 0;
}

static void
open_pkcs15 (void)
{
  uint8_t atr[64];
  size_t al = sizeof atr;

  emu_card_free (card);
  card = load_card ("pkcs15.card");
  CU_ASSERT_EQUAL (emu_card_power_on (card, atr, &al), 0);
}

static void
open_blank (void)
{
  emu_card_free (card);
  card = load_card ("blank.card");
  emu_card_power_on (card, NULL, NULL);
}

static void
test_atr (void)
{
  uint8_t atr[64];
  size_t al = sizeof atr;
  static const uint8_t want[] = {
    0x3B, 0x8C, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0x80, 0x56, 0x76,
    0x73, 0x63, 0x65, 0x6D, 0x75, 0x33
  };

  open_pkcs15 ();
  CU_ASSERT_EQUAL (emu_card_power_on (card, atr, &al), 0);
  CU_ASSERT_EQUAL (al, sizeof want);
  CU_ASSERT (!memcmp (atr, want, sizeof want));
  al = 4;
  CU_ASSERT_NOT_EQUAL (emu_card_get_atr (card, atr, &al), 0);
}

static void
test_select (void)
{
  open_pkcs15 ();
  /* MF by FID, by empty data, by P1 00 with FCP. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 0);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 00 04 02 3F 00 00"), 0x9000);
  CU_ASSERT_EQUAL (resp[0], 0x62);
  CU_ASSERT (data_has ("82 01 38"));
  CU_ASSERT (data_has ("83 02 3F 00"));
  CU_ASSERT (data_has ("8A 01 05"));
  /* FCI template with P2 00. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 00 02 3F 00 00"), 0x9000);
  CU_ASSERT_EQUAL (resp[0], 0x6F);
  /* FMD. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 08 02 3F 00 00"), 0x9000);
  CU_ASSERT_EQUAL (resp[0], 0x64);
  /* Child DF (P1 01), EF (P1 02), wrong kind refused. */
  CU_ASSERT_EQUAL (tx ("00 A4 01 04 02 50 15 00"), 0x9000);
  CU_ASSERT (data_has ("84 0C A0 00 00 00 63 50 4B 43 53 2D 31 35"));
  CU_ASSERT_EQUAL (tx ("00 A4 02 04 02 50 32 00"), 0x9000);
  CU_ASSERT (data_has ("80 02 00 2C"));
  CU_ASSERT (data_has ("82 01 01"));
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 01 0C 02 2F 00"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 02 0C 02 50 15"), 0x6A82);
  /* Parent (P1 03). */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 50 15"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 03 04 00"), 0x9000);
  CU_ASSERT (data_has ("83 02 3F 00"));
  CU_ASSERT_EQUAL (tx ("00 A4 03 0C"), 0x6A82);   /* the MF has none */
  /* By DF name, full and partial. */
  CU_ASSERT_EQUAL (tx ("00 A4 04 04 0C A0 00 00 00 63 50 4B 43 53 2D 31 35 00"),
                   0x9000);
  CU_ASSERT (data_has ("83 02 50 15"));
  CU_ASSERT_EQUAL (tx ("00 A4 04 04 05 D2 76 00 01 FF 00"), 0x9000);
  CU_ASSERT (data_has ("83 02 70 00"));
  CU_ASSERT_EQUAL (tx ("00 A4 04 0C 05 D2 76 00 01 FE"), 0x6A82);
  /* Path from MF (08), with and without a leading 3F00; from DF (09). */
  CU_ASSERT_EQUAL (tx ("00 A4 08 04 04 50 15 50 31 00"), 0x9000);
  CU_ASSERT (data_has ("83 02 50 31"));
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 06 3F 00 50 15 50 32"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 99 99"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 2F 00 50 15"), 0x6A82); /* EF as DF */
  CU_ASSERT_EQUAL (tx ("00 A4 04 0C 05 D2 76 00 01 FF"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 09 0C 02 70 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x9000);
  CU_ASSERT (data_is ("hidden DF content"));
  /* Sibling DF by FID from inside a DF (P1 00 search order). */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 50 15"), 0x9000);
  /* Bad parameters and lengths. */
  CU_ASSERT_EQUAL (tx ("00 A4 05 0C 02 3F 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 A4 00 1C 02 3F 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 A4 00 01 02 3F 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 03 3F 00 00"), 0x6A87);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 03 50 15 50"), 0x6A87);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 12 34"), 0x6A82);
  /* P2 0C with Le: still no data. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 0);
}

static void
test_read_binary (void)
{
  open_pkcs15 ();
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 10"), 0x6986);   /* no current EF */
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 70 00"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 70 00 70 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 17);
  CU_ASSERT_EQUAL (tx ("00 B0 00 07 04"), 0x9000);
  CU_ASSERT (data_is ("DF c"));
  CU_ASSERT_EQUAL (tx ("00 B0 00 0B 10"), 0x6282);   /* 6 of 16 bytes */
  CU_ASSERT (data_is ("ontent"));
  CU_ASSERT_EQUAL (tx ("00 B0 00 11 01"), 0x6282);   /* at the end */
  CU_ASSERT_EQUAL (dlen, 0);
  CU_ASSERT_EQUAL (tx ("00 B0 00 12 01"), 0x6B00);   /* past the end */
  CU_ASSERT_EQUAL (tx ("00 B0 00 00"), 0x6700);      /* no Le */
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 01 00"), 0x6700); /* data field */
  /* Odd INS B1: offset in DO 54, data in DO 53. */
  CU_ASSERT_EQUAL (tx ("00 B1 00 00 03 54 01 07 00"), 0x9000);
  CU_ASSERT_EQUAL (resp[0], 0x53);
  CU_ASSERT_EQUAL (resp[1], 10);
  CU_ASSERT (!memcmp (resp + 2, "DF content", 10));
  CU_ASSERT_EQUAL (tx ("00 B1 00 00 03 54 01 07 06"), 0x9000);
  CU_ASSERT_EQUAL (resp[1], 4);
  CU_ASSERT_EQUAL (tx ("00 B1 00 00 02 53 00 00"), 0x6A80); /* no DO 54 */
  CU_ASSERT_EQUAL (tx ("00 B1 00 00 03 54 02 07 00"), 0x6A80); /* broken */
  /* B1 naming the EF by FID in P1-P2. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 70 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B1 70 01 03 54 01 00 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 19);
  /* Record EF and DF are not transparent. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 70 02"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x6981);
  /* Access condition: 4F01 needs CHV1; 4B01 never. */
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 4F 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 4B 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x6982);
  /* By SFI: the linear fixed EF has SFI 1 but is a record EF. */
  CU_ASSERT_EQUAL (tx ("00 B0 81 00 00"), 0x6981);
  CU_ASSERT_EQUAL (tx ("00 B0 83 00 00"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 B0 E1 00 00"), 0x6A86);
  /* A long file: the certificate, in pieces. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 43 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 256);
  CU_ASSERT_EQUAL (resp[0], 0x30);
  CU_ASSERT_EQUAL (tx ("00 B0 03 00 00"), 0x9000);   /* last 61 bytes */
  CU_ASSERT_EQUAL (dlen, 829 - 768);
}

static void
test_update_binary (void)
{
  open_pkcs15 ();
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 70 00 70 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 06 48 49 44 44 45 4E"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 06"), 0x9000);
  CU_ASSERT (data_is ("HIDDEN"));
  CU_ASSERT_EQUAL (tx ("00 D6 00 10 02 41 42"), 0x6A84);  /* past end */
  CU_ASSERT_EQUAL (tx ("00 D6 00 20 01 41"), 0x6B00);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00"), 0x6700);
  /* Odd INS D7. */
  CU_ASSERT_EQUAL (tx ("00 D7 00 00 07 54 01 0F 53 02 58 59"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 0F 02"), 0x9000);
  CU_ASSERT (data_is ("XY"));
  CU_ASSERT_EQUAL (tx ("00 D7 00 00 07 54 01 10 53 02 58 59"), 0x6A84);
  CU_ASSERT_EQUAL (tx ("00 D7 00 00 03 54 01 10"), 0x6A80);
  /* ERASE BINARY from offset 6 to 8, then to the end. */
  CU_ASSERT_EQUAL (tx ("00 0E 00 06 02 00 08"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 05 04"), 0x9000);
  CU_ASSERT (!memcmp (resp, "N\0\0F", 4));
  CU_ASSERT_EQUAL (tx ("00 0E 00 0C"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 0C 05"), 0x9000);
  CU_ASSERT (!memcmp (resp, "\0\0\0\0\0", 5));
  /* EF.DIR may never be updated; the certificate needs CHV1. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 2F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 01 00"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 43 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 01 00"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 01 31"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 01"), 0x9000);
  CU_ASSERT_EQUAL (resp[0], 0x31);
}

static void
test_records (void)
{
  open_pkcs15 ();
  CU_ASSERT_EQUAL (tx ("00 A4 04 0C 0C A0 00 00 00 63 50 4B 43 53 2D 31 35"),
                   0x9000);
  /* Linear fixed by SFI 1: records 1-4, 5 does not exist. */
  CU_ASSERT_EQUAL (tx ("00 B2 01 0C 00"), 0x9000);
  CU_ASSERT (data_is ("record one      "));
  CU_ASSERT_EQUAL (tx ("00 B2 03 04 00"), 0x9000);   /* current EF now */
  CU_ASSERT (data_is ("record three    "));
  CU_ASSERT_EQUAL (tx ("00 B2 00 04 00"), 0x9000);   /* current record */
  CU_ASSERT (data_is ("record three    "));
  CU_ASSERT_EQUAL (tx ("00 B2 05 04 00"), 0x6A83);
  CU_ASSERT_EQUAL (tx ("00 B2 00 02 00"), 0x9000);   /* next */
  CU_ASSERT_EQUAL (dlen, 16);
  CU_ASSERT_EQUAL (resp[0], 0);
  CU_ASSERT_EQUAL (tx ("00 B2 00 02 00"), 0x6A83);   /* no next */
  CU_ASSERT_EQUAL (tx ("00 B2 00 03 00"), 0x9000);   /* previous */
  CU_ASSERT (data_is ("record three    "));
  CU_ASSERT_EQUAL (tx ("00 B2 00 00 00"), 0x9000);   /* first */
  CU_ASSERT (data_is ("record one      "));
  CU_ASSERT_EQUAL (tx ("00 B2 00 01 00"), 0x9000);   /* last */
  CU_ASSERT_EQUAL (resp[0], 0);
  CU_ASSERT_EQUAL (tx ("00 B2 72 00 00"), 0x9000);   /* first 'r' */
  CU_ASSERT (data_is ("record one      "));
  CU_ASSERT_EQUAL (tx ("00 B2 72 02 00"), 0x9000);   /* next 'r' */
  CU_ASSERT (data_is ("record two      "));
  CU_ASSERT_EQUAL (tx ("00 B2 01 05 00"), 0x9000);   /* 1 to last */
  CU_ASSERT_EQUAL (dlen, 64);
  CU_ASSERT_EQUAL (tx ("00 B2 01 04 08"), 0x6108);   /* Ne shorter */
  CU_ASSERT_EQUAL (dlen, 8);
  CU_ASSERT_EQUAL (tx ("00 C0 00 00 08"), 0x9000);
  CU_ASSERT (data_is ("ne      "));
  CU_ASSERT_EQUAL (tx ("00 B2 01 04 20"), 0x6282);   /* Ne longer */
  CU_ASSERT_EQUAL (tx ("00 B2 01 04"), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 B2 01 07 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 B2 01 FC 00"), 0x6A86);   /* SFI 31 */
  CU_ASSERT_EQUAL (tx ("00 B2 01 1C 00"), 0x6A82);   /* SFI 3 absent */
  /* Update needs CHV1 there; length must match the record size. */
  CU_ASSERT_EQUAL (tx ("00 DC 01 0C 10 41 41 41 41 41 41 41 41 41 41 41 41 "
                       "41 41 41 41"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DC 01 0C 02 41 41"), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 DC 04 0C 10 41 41 41 41 41 41 41 41 41 41 41 41 "
                       "41 41 41 41"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B2 04 0C 00"), 0x9000);
  CU_ASSERT (data_is ("AAAAAAAAAAAAAAAA"));
  /* Linear fixed is full: APPEND refused. */
  CU_ASSERT_EQUAL (tx ("00 E2 00 08 10 41 41 41 41 41 41 41 41 41 41 41 41 "
                       "41 41 41 41"), 0x6A84);
  CU_ASSERT_EQUAL (tx ("00 E2 01 08 01 41"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 E2 00 0C 01 41"), 0x6A86);
  /* Cyclic (SFI 2, 3 records of 8, two present): append rotates. */
  CU_ASSERT_EQUAL (tx ("00 B2 01 14 00"), 0x9000);
  CU_ASSERT (data_is ("newest.."));
  CU_ASSERT_EQUAL (tx ("00 E2 00 10 08 33 33 33 33 33 33 33 33"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E2 00 10 08 34 34 34 34 34 34 34 34"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B2 01 14 00"), 0x9000);
  CU_ASSERT (data_is ("44444444"));
  CU_ASSERT_EQUAL (tx ("00 B2 03 14 00"), 0x9000);
  CU_ASSERT (data_is ("newest.."));
  CU_ASSERT_EQUAL (tx ("00 B2 04 14 00"), 0x6A83);
  CU_ASSERT_EQUAL (tx ("00 B2 00 04 00"), 0x9000);   /* still record 3 */
  CU_ASSERT (data_is ("newest.."));
  CU_ASSERT_EQUAL (tx ("00 E2 00 10 07 34 34 34 34 34 34 34"), 0x6700);
  /* Cyclic: next after the last wraps to record 1. */
  CU_ASSERT_EQUAL (tx ("00 B2 03 14 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B2 00 12 00"), 0x9000);
  CU_ASSERT (data_is ("44444444"));
  /* Linear variable: shorter and longer records, append, update. */
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 70 00 70 02"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B2 01 04 00"), 0x9000);
  CU_ASSERT (data_is ("short"));
  CU_ASSERT_EQUAL (tx ("00 E2 00 00 03 6E 65 77"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B2 00 04 00"), 0x9000);   /* appended = current */
  CU_ASSERT (data_is ("new"));
  CU_ASSERT_EQUAL (tx ("00 DC 01 04 0A 6C 6F 6E 67 65 72 20 6F 6E 65"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B2 01 04 00"), 0x9000);
  CU_ASSERT (data_is ("longer one"));
  CU_ASSERT_EQUAL (tx ("00 DC 01 04 21 00 01 02 03 04 05 06 07 08 09 0A 0B 0C "
                       "0D 0E 0F 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E "
                       "1F 20"), 0x6700);               /* 33 > 32 */
  /* Record command on a transparent EF. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 70 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B2 01 04 00"), 0x6981);
}

/* ISO 7816-4 5.3.3.2 / 7816-9: a file created in initialisation state
 * (8A 03) is personalised before its access conditions apply; ACTIVATE
 * FILE moves it to the operational state. */
static void
test_initialisation_state (void)
{
  open_blank ();
  /* EF 1005, 4 bytes, UPDATE BINARY never (8C 02 02 FF), LCS 03. */
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 14 62 12 80 02 00 04 82 01 01 83 02 10 05 "
                       "8A 01 03 8C 02 02 FF"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 02 AA BB"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 00 04 02 10 05 00"), 0x9000);
  CU_ASSERT (data_has ("8A 01 03"));
  CU_ASSERT_EQUAL (tx ("00 44 00 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 02 CC DD"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 02"), 0x9000);
  CU_ASSERT (dlen == 2 && data_has ("AA BB"));
  CU_ASSERT_EQUAL (tx ("00 A4 00 04 02 10 05 00"), 0x9000);
  CU_ASSERT (data_has ("8A 01 05"));
  /* Created operational (8A 05): enforced at once. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 14 62 12 80 02 00 04 82 01 01 83 02 10 06 "
                       "8A 01 05 8C 02 02 FF"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 02 AA BB"), 0x6982);
}

static void
test_create_delete (void)
{
  open_blank ();
  /* Transparent EF from an FCP template; duplicates refused. */
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 0D 62 0B 80 02 00 20 82 01 01 83 02 10 01"),
                   0x9000);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 03 61 62 63"), 0x9000); /* current */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 0D 62 0B 80 02 00 20 82 01 01 83 02 10 01"),
                   0x6A89);
  /* OpenSC's FCI form (6F, 81 size). */
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 0D 6F 0B 81 02 00 08 82 01 01 83 02 10 02"),
                   0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 00 04 02 10 02 00"), 0x9000);
  CU_ASSERT (data_has ("80 02 00 08"));
  /* DF with a name, then an EF in it with access conditions (8C: read
   * always, update after PIN 1). */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 10 62 0E 82 01 38 83 02 60 00 84 05 "
                       "F0 01 02 03 04"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 04 0C 05 F0 01 02 03 04"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 12 62 10 80 01 04 82 01 01 83 02 60 01 "
                       "8C 04 07 11 11 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 4);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 01 01"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 01 01"), 0x9000);
  /* Linear fixed record EF: 3 records of 4 bytes, SFI 5. */
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 13 62 11 82 05 02 21 00 04 03 83 02 60 02 "
                       "88 01 28 8A 01 05"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DC 02 2C 04 01 02 03 04"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B2 02 2C 00"), 0x9000);
  CU_ASSERT (data_has ("01 02 03 04"));
  CU_ASSERT_EQUAL (tx ("00 B2 04 2C 00"), 0x6A83);
  /* Cyclic EF created empty. */
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 0D 62 0B 82 05 06 21 00 02 02 83 02 60 03"),
                   0x9000);
  CU_ASSERT_EQUAL (tx ("00 B2 01 04 00"), 0x6A83);
  CU_ASSERT_EQUAL (tx ("00 E2 00 00 02 AA BB"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B2 01 04 00"), 0x9000);
  /* Bad templates. */
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 05 62 03 82 01 01"), 0x6A80); /* no FID */
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 09 62 07 82 01 01 83 02 3F 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 09 63 07 82 01 01 83 02 10 09"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 09 62 08 82 01 01 83 02 10 09"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 0D 62 0B 80 02 FF FF 82 01 01 83 02 10 09"),
                   0x9000);                                    /* 65535 ok */
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 0E 62 0C 80 03 01 00 00 82 01 01 83 02 10 0A"),
                   0x6A84);                                    /* too big */
  CU_ASSERT_EQUAL (tx ("00 E0 01 00 09 62 07 82 01 01 83 02 10 09"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 E0 00 00"), 0x6700);
  /* Delete by FID in the current DF, the current file, a DF subtree. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E4 00 00 02 10 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 10 01"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 E4 00 00 02 10 01"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 10 02"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E4 00 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 10 02"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 E4 00 00 02 60 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 04 0C 05 F0 01 02 03 04"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 60 00 60 01"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E4 00 00"), 0x6985);           /* not the MF */
  CU_ASSERT_EQUAL (tx ("00 E4 00 01 02 10 09"), 0x6A86);
  /* On the PKCS#15 card creating needs CHV1, deleting ODF is never. */
  open_pkcs15 ();
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 02 50 15"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 0D 62 0B 80 02 00 20 82 01 01 83 02 10 01"),
                   0x6982);
  CU_ASSERT_EQUAL (tx ("00 E4 00 00 02 50 31"), 0x6982);
}

static void
test_activate (void)
{
  open_blank ();
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 0D 62 0B 80 02 00 04 82 01 01 83 02 20 01"),
                   0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 04 00 00 02 20 01"), 0x9000);   /* deactivate */
  CU_ASSERT_EQUAL (tx ("00 A4 00 04 02 20 01 00"), 0x6283);
  CU_ASSERT (data_has ("8A 01 04"));
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x6985);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 01 00"), 0x6985);
  CU_ASSERT_EQUAL (tx ("00 44 00 00"), 0x9000);            /* current */
  CU_ASSERT_EQUAL (tx ("00 A4 00 04 02 20 01 00"), 0x9000);
  CU_ASSERT (data_has ("8A 01 05"));
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 44 00 00 02 99 99"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 44 01 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 44 00 00 03 20 01 00"), 0x6700);
  /* On the PKCS#15 card nobody may deactivate the application DF. */
  open_pkcs15 ();
  CU_ASSERT_EQUAL (tx ("00 04 00 00 02 50 15"), 0x6982);
}

static void
test_challenge (void)
{
  uint8_t first[8];

  open_pkcs15 ();
  CU_ASSERT_EQUAL (tx ("00 84 00 00 08"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 8);
  memcpy (first, resp, 8);
  CU_ASSERT_EQUAL (tx ("00 84 00 00 08"), 0x9000);
  CU_ASSERT (memcmp (first, resp, 8) != 0);
  CU_ASSERT_EQUAL (tx ("00 84 00 00 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 256);
  CU_ASSERT_EQUAL (tx ("00 84 00 00"), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 84 01 00 08"), 0x6A86);
}

static void
test_malformed (void)
{
  static const uint8_t three[] = { 0x00, 0xA4, 0x00 };
  uint8_t big[300];

  open_pkcs15 ();
  CU_ASSERT_EQUAL (txb (three, 3), 0x6700);
  CU_ASSERT_EQUAL (txb (three, 0), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 03 3F 00"), 0x6700);   /* Lc past end */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 01 3F 00 00 00"), 0x6700); /* trailing */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 00 00"), 0x6700);      /* 00 00: short */
  /* Extended length on a card whose ATR does not announce it. */
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00 01 00"), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 00 00 02 3F 00"), 0x6700);
  /* Unknown INS / CLA, channels, secure messaging. */
  CU_ASSERT_EQUAL (tx ("00 AA 00 00"), 0x6D00);
  CU_ASSERT_EQUAL (tx ("00 CA 00 00 00"), 0x6D00);
  CU_ASSERT_EQUAL (tx ("80 A4 00 0C 02 3F 00"), 0x6E00);
  CU_ASSERT_EQUAL (tx ("FF A4 00 0C 02 3F 00"), 0x6E00);
  CU_ASSERT_EQUAL (tx ("20 A4 00 0C 02 3F 00"), 0x6E00);
  CU_ASSERT_EQUAL (tx ("01 A4 00 0C 02 3F 00"), 0x6881);
  CU_ASSERT_EQUAL (tx ("40 A4 00 0C 02 3F 00"), 0x6881);
  CU_ASSERT_EQUAL (tx ("0C A4 00 0C 02 3F 00"), 0x6882);
  CU_ASSERT_EQUAL (tx ("80 16 03 00 00"), 0x6E00);   /* no list-files here */
  /* A maximal short command with garbage. */
  memset (big, 0xEE, sizeof big);
  big[0] = 0x00;
  big[1] = 0xD6;
  big[2] = 0x00;
  big[3] = 0x00;
  big[4] = 0xFF;
  CU_ASSERT_EQUAL (txb (big, 5 + 255), 0x6986);
  CU_ASSERT_EQUAL (txb (big, 5 + 254), 0x6700);
  CU_ASSERT_EQUAL (txb (big, sizeof big), 0x6700);

  /* Extended length where the ATR announces it. */
  open_blank ();
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 00 00 0D 62 0B 80 02 02 00 82 01 01 83 02 "
                       "10 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00 02 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 512);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00 00 00"), 0x9000);  /* Ne 65536 */
  CU_ASSERT_EQUAL (dlen, 512);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00 01 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 256);
  CU_ASSERT_EQUAL (tx ("00 B0 01 00 00 03 00"), 0x6282);  /* 256 of 768 */
  CU_ASSERT_EQUAL (dlen, 256);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00 02"), 0x6700);     /* 6 bytes */
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 00 00 02 41 42 00 00 00"), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 00 00 00"), 0x6700);  /* 2E, no data */
}

static void
test_get_response_t1 (void)
{
  open_pkcs15 ();
  /* FCP longer than Ne: the first Ne bytes, 61xx, the rest later. */
  tx ("00 A4 00 04 02 3F 00 04");
  CU_ASSERT_EQUAL (sw, 0x6112);
  CU_ASSERT_EQUAL (dlen, 4);
  CU_ASSERT_EQUAL (resp[0], 0x62);
  {
    unsigned left = sw & 0xFF;
    CU_ASSERT_EQUAL (tx ("00 C0 00 00 02"), 0x6100 | (left - 2));
    CU_ASSERT_EQUAL (dlen, 2);
    CU_ASSERT_EQUAL (tx ("00 C0 00 00 00"), 0x9000);
    CU_ASSERT_EQUAL (dlen, left - 2);
  }
  CU_ASSERT_EQUAL (tx ("00 C0 00 00 00"), 0x6985);       /* nothing left */
  /* Any other command drops pending data. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 04 02 3F 00 04"), 0x6112);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 C0 00 00 00"), 0x6985);
  CU_ASSERT_EQUAL (tx ("00 A4 00 04 02 3F 00 04"), 0x6112);
  CU_ASSERT_EQUAL (tx ("00 C0 01 00 00"), 0x6A86);
  /* No Le: no data (case 3), per ISO 7816-4. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 04 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 0);
}

static void
test_get_response_t0 (void)
{
  emu_card_t *c;

  CU_ASSERT_EQUAL_FATAL (load_text ("atr 3B 02 14 50\nprotocol t0\n"
                                    "df 3F00\n"
                                    "ef 3F00/0001 transparent content=01020304\n",
                                    &c), 0);
  emu_card_free (card);
  card = c;
  /* Case 4 over T=0: 61xx, then everything by GET RESPONSE. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 04 02 00 01 00"), 0x611A);
  CU_ASSERT_EQUAL (dlen, 0);
  {
    unsigned n = sw & 0xFF;
    CU_ASSERT_EQUAL (tx ("00 C0 00 00 05"), 0x6100 | (n - 5));
    CU_ASSERT_EQUAL (dlen, 5);
    CU_ASSERT_EQUAL (resp[0], 0x62);
    CU_ASSERT_EQUAL (tx ("00 C0 00 00 00"), 0x9000);
    CU_ASSERT_EQUAL (dlen, n - 5);
  }
  /* Case 2 answers directly. */
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 04"), 0x9000);
  CU_ASSERT (data_has ("01 02 03 04"));
  /* GET RESPONSE with no Le. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 04 02 00 01 00"), 0x611A);
  CU_ASSERT_EQUAL (tx ("00 C0 00 00"), 0x6700);
}

static void
test_chaining (void)
{
  open_blank ();
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 0D 62 0B 80 02 00 08 82 01 01 83 02 10 01"),
                   0x9000);
  /* UPDATE BINARY in three fragments. */
  CU_ASSERT_EQUAL (tx ("10 D6 00 00 02 41 42"), 0x9000);
  CU_ASSERT_EQUAL (tx ("10 D6 00 00 03 43 44 45"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 01 46"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 06"), 0x9000);
  CU_ASSERT (data_is ("ABCDEF"));
  /* A different command inside a chain: 6883, chain dropped. */
  CU_ASSERT_EQUAL (tx ("10 D6 00 00 02 58 58"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 06"), 0x6883);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 06"), 0x9000);
  CU_ASSERT (data_is ("ABCDEF"));
  /* Chained CREATE FILE template. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("10 E0 00 00 06 62 0B 80 02 00 08"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 07 82 01 01 83 02 10 02"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 10 02"), 0x9000);
  /* Power off in the middle of a chain forgets it. */
  CU_ASSERT_EQUAL (tx ("10 D6 00 00 02 5A 5A"), 0x9000);
  emu_card_power_off (card);
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 10 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 01 30"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 02"), 0x9000);
  CU_ASSERT (data_is ("0B"));
}

static void
test_list_files (void)
{
  emu_card_t *c;

  CU_ASSERT_EQUAL_FATAL (load_text ("atr 3B 02 14 50\nlist-files yes\n"
                                    "ef 3F00/0001 transparent size=1\n"
                                    "df 3F00/0002\n"
                                    "ef 3F00/0003 linear-variable\n", &c), 0);
  emu_card_free (card);
  card = c;
  CU_ASSERT_EQUAL (tx ("80 16 03 00 00"), 0x9000);
  CU_ASSERT (data_has ("00 01 00 02 00 03"));
  CU_ASSERT_EQUAL (tx ("80 16 01 00 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 2);
  CU_ASSERT_EQUAL (tx ("80 16 04 00 00"), 0x6A86);
}

static int
teardown (void)
{
  emu_card_free (card);
  card = NULL;
  return 0;
}

static const cutest_t tests[] = {
  CUTEST (test_atr),
  CUTEST (test_select),
  CUTEST (test_read_binary),
  CUTEST (test_update_binary),
  CUTEST (test_records),
  CUTEST (test_create_delete),
  CUTEST (test_initialisation_state),
  CUTEST (test_activate),
  CUTEST (test_challenge),
  CUTEST (test_malformed),
  CUTEST (test_get_response_t1),
  CUTEST (test_get_response_t0),
  CUTEST (test_chaining),
  CUTEST (test_list_files),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("emu", tests, setup, teardown);
}
