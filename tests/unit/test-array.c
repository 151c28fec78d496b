/* test-array.c - arrays that grow by doubling */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdint.h>
#include <string.h>
#include "cutest.h"
#include "common/array.h"
#include "common/util.h"

typedef struct { int a; char s[13]; } elem_t;

static void
test_grow (void)
{
  elem_t *v = NULL;
  size_t cap = 0, n, i;

  for (n = 0; n < 100; n++)
    {
      CU_ASSERT_EQUAL_FATAL (ARRAY_GROW (v, cap, n, 4), 0);
      CU_ASSERT_FATAL (cap > n);
      v[n].a = (int)n;
      snprintf (v[n].s, sizeof v[n].s, "e%zu", n);
    }
  /* 4, 8, ..., 128: doubled, never more than needed. */
  CU_ASSERT_EQUAL (cap, 128);
  for (i = 0; i < n; i++)
    {
      char want[13];
      snprintf (want, sizeof want, "e%zu", i);
      CU_ASSERT_EQUAL (v[i].a, (int)i);
      CU_ASSERT_STRING_EQUAL (v[i].s, want);
    }
  /* Room already there: nothing moves. */
  {
    elem_t *before = v;
    CU_ASSERT_EQUAL (ARRAY_GROW (v, cap, 127, 4), 0);
    CU_ASSERT_PTR_EQUAL (v, before);
    CU_ASSERT_EQUAL (cap, 128);
  }
  xfree (v);
}

static void
test_first_and_jump (void)
{
  char **v = NULL;
  size_t cap = 0;

  CU_ASSERT_EQUAL (ARRAY_GROW (v, cap, 0, 16), 0);
  CU_ASSERT_EQUAL (cap, 16);
  /* Past the end: doubles until there is room for element N. */
  CU_ASSERT_EQUAL (ARRAY_GROW (v, cap, 40, 16), 0);
  CU_ASSERT_EQUAL (cap, 64);
  v[40] = NULL;
  xfree (v);
}

static void
test_refused (void)
{
  uint64_t *v = NULL;
  size_t cap = 0;

  CU_ASSERT_EQUAL (gpg_err_code (ARRAY_GROW (v, cap, 0, 0)),
                   GPG_ERR_INV_ARG);
  /* Sizes that overflow fail cleanly and change nothing. */
  CU_ASSERT_EQUAL (ARRAY_GROW (v, cap, 0, 8), 0);
  CU_ASSERT_EQUAL (gpg_err_code (ARRAY_GROW (v, cap, SIZE_MAX / 8, 8)),
                   GPG_ERR_ENOMEM);
  CU_ASSERT_EQUAL (gpg_err_code (ARRAY_GROW (v, cap, SIZE_MAX - 1, 8)),
                   GPG_ERR_ENOMEM);
  CU_ASSERT_EQUAL (cap, 8);
  CU_ASSERT_PTR_NOT_NULL (v);
  v[7] = 7;
  xfree (v);
}

/* Elements owning a string; the release records which element it got,
 * so a skipped, repeated or foreign element shows. */
typedef struct { char *name; size_t id; } owner_t;
static size_t test_released[16];
static size_t test_release_calls;

static void
test_owner_release (owner_t *o)
{
  if (test_release_calls < 16)
    test_released[test_release_calls] = o->id;
  test_release_calls++;
  CU_ASSERT_PTR_NOT_NULL (o->name);
  xfree (o->name);
}

static void
test_free (void)
{
  owner_t *v = NULL;
  size_t cap = 0, n, i;

  for (n = 0; n < 9; n++)
    {
      CU_ASSERT_EQUAL_FATAL (ARRAY_GROW (v, cap, n, 4), 0);
      v[n].name = xtrystrdup ("owned");
      v[n].id = n;
      CU_ASSERT_PTR_NOT_NULL_FATAL (v[n].name);
    }
  test_release_calls = 0;
  ARRAY_FREE (v, n, test_owner_release);
  /* Every element once, in order; array gone and count reset. */
  CU_ASSERT_EQUAL (test_release_calls, 9);
  for (i = 0; i < 9; i++)
    CU_ASSERT_EQUAL (test_released[i], i);
  CU_ASSERT_PTR_NULL (v);
  CU_ASSERT_EQUAL (n, 0);

  /* Empty array: no calls, nothing to free, still reset. */
  ARRAY_FREE (v, n, test_owner_release);
  CU_ASSERT_EQUAL (test_release_calls, 9);
  CU_ASSERT_PTR_NULL (v);
  CU_ASSERT_EQUAL (n, 0);
}

/* A list type as the destructors in src use it: the owner holds the
 * array and its count. */
typedef struct { owner_t *items; size_t n; } owner_list_t;

static void
test_free_owner (void)
{
  owner_list_t *list = NULL;
  size_t cap = 0, i;

  /* NULL: nothing released, nothing freed. */
  test_release_calls = 0;
  ARRAY_FREE_OWNER (list, items, n, test_owner_release);
  CU_ASSERT_EQUAL (test_release_calls, 0);

  list = xtrycalloc (1, sizeof *list);
  CU_ASSERT_PTR_NOT_NULL_FATAL (list);
  for (list->n = 0; list->n < 5; list->n++)
    {
      CU_ASSERT_EQUAL_FATAL (ARRAY_GROW (list->items, cap, list->n, 2), 0);
      list->items[list->n].name = xtrystrdup ("owned");
      list->items[list->n].id = list->n;
      CU_ASSERT_PTR_NOT_NULL_FATAL (list->items[list->n].name);
    }
  /* Every element once, in order; the owner itself goes too (the
   * sanitizer build would report a leak or a double free). */
  ARRAY_FREE_OWNER (list, items, n, test_owner_release);
  CU_ASSERT_EQUAL (test_release_calls, 5);
  for (i = 0; i < 5; i++)
    CU_ASSERT_EQUAL (test_released[i], i);

  /* An owner with an empty array. */
  list = xtrycalloc (1, sizeof *list);
  CU_ASSERT_PTR_NOT_NULL_FATAL (list);
  ARRAY_FREE_OWNER (list, items, n, test_owner_release);
  CU_ASSERT_EQUAL (test_release_calls, 5);
}

static const cutest_t tests[] = {
  CUTEST (test_grow),
  CUTEST (test_first_and_jump),
  CUTEST (test_refused),
  CUTEST (test_free),
  CUTEST (test_free_owner),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("array", tests, NULL, NULL);
}
