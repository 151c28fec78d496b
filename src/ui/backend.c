/* backend.c - the manager's link to scapi (reader list, card types,
 * monitor events, emulator insert/remove, the VSC directory) */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/stat.h>

#include "common/util.h"
#include "common/array.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/backend.h"
#include "ui/screens.h"

gpg_error_t
backend_open (ui_t *ui)
{
  gpg_error_t err;
  scapi_t *s = NULL;
  char *spec = NULL;

  if (ui->emu)
    {
      /* "profile=A,profile=B" -> "emu:A,B" */
      size_t n = strlen (ui->emu_opts) + 8;
      const char *p = ui->emu_opts;
      char *q;
      spec = xtrymalloc (n);
      if (!spec)
        return gpg_error_from_syserror ();
      q = spec + sprintf (spec, "emu:");
      while (*p)
        {
          if (!strncmp (p, "profile=", 8))
            p += 8;
          while (*p && *p != ',')
            *q++ = *p++;
          if (*p == ',')
            *q++ = *p++;
        }
      *q = 0;
    }
  err = scapi_new (spec, &s);
  xfree (spec);
  if (err)
    return err;
  ui->sc = s;
  ui->monitor_fd = -1;
  err = scapi_monitor_start (s, &ui->monitor_fd);
  if (err)
    {
      log_warn ("reader monitor: %s", gpg_strerror (err));
      ui->monitor_fd = -1;
      err = 0;   /* the list still works; F5 refreshes */
    }
  return backend_readers (ui);
}

void
backend_close (ui_t *ui)
{
  if (ui->sc)
    {
      scapi_monitor_stop (ui->sc);
      scapi_free (ui->sc);
    }
  ui->sc = NULL;
  screen_card_memo_free (ui);
  xfree (ui->readers);
  ui->readers = NULL;
  ui->n_readers = 0;
}

/* Card type and label of the card in R (a few APDUs). */
static void
backend_identify (ui_t *ui, ui_reader_t *r)
{
  scapi_card_t *card = NULL;
  scapi_card_info_t info;
  gpg_error_t err;

  err = scapi_card_open (ui->sc, r->name, &card);
  if (!err)
    err = scapi_card_identify (card, &info);
  if (err)
    {
      snprintf (r->type, sizeof r->type, "%s", _("(not readable)"));
      log_info ("identify %s: %s", r->name, gpg_strerror (err));
    }
  else
    {
      r->type[0] = 0;
      for (size_t i = 0; i < info.n_agents && i < 8; i++)
        {
          size_t l = strlen (r->type);
          snprintf (r->type + l, sizeof r->type - l, "%s%s", i ? "+" : "",
                    info.agents[i]);
        }
      if (info.blank)
        {
          size_t l = strlen (r->type);
          snprintf (r->type + l, sizeof r->type - l, "%s%s",
                    l ? " " : "", _("(blank)"));
        }
      snprintf (r->label, sizeof r->label, "%.63s",
                info.label[0] ? info.label : info.serial);
    }
  scapi_card_close (card);
}

gpg_error_t
backend_readers (ui_t *ui)
{
  gpg_error_t err;
  reader_info_t *list = NULL;
  size_t n = 0, nn = 0;
  ui_reader_t *nr = NULL;

  err = scapi_readers (ui->sc, &list, &n);
  if (err)
    goto leave;
  nr = xtrycalloc (n ? n : 1, sizeof *nr);
  if (!nr)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  for (size_t i = 0, k = 0; i < n; i++)
    {
      ui_reader_t *r = &nr[k];
      if (ui->reader_filter && !strstr (list[i].name, ui->reader_filter))
        continue;
      k++;
      nn = k;
      r->index = (unsigned) i;
      snprintf (r->name, sizeof r->name, "%s", list[i].name);
      r->present = list[i].present;
      if (r->present)
        {
          size_t al = list[i].atr_len;
          if (al > 36)
            al = 36;
          hex_encode (list[i].atr, al, r->atr);
          /* Known card (same reader and ATR): keep what we found. */
          for (size_t j = 0; j < ui->n_readers; j++)
            if (ui->readers[j].present
                && !strcmp (ui->readers[j].name, r->name)
                && !strcmp (ui->readers[j].atr, r->atr))
              {
                snprintf (r->type, sizeof r->type, "%s", ui->readers[j].type);
                snprintf (r->label, sizeof r->label, "%s", ui->readers[j].label);
              }
          /* Not while an operation runs on the worker: the reader
           * context is not shared between threads; the list is read
           * again when the operation ends. */
          if (!r->type[0] && !ui->task)
            backend_identify (ui, r);
        }
    }
  xfree (ui->readers);
  ui->readers = nr;
  ui->n_readers = nn;
  nr = NULL;
  screen_card_memo_check (ui);
 leave:
  xfree (nr);
  xfree (list);
  return err;
}

bool
backend_monitor_drain (ui_t *ui)
{
  reader_event_t ev;
  bool any = false;
  while (!scapi_monitor_next (ui->sc, &ev))
    {
      any = true;
      log_debug ("reader event %d: %s", (int) ev.type, ev.reader);
    }
  if (any)
    {
      gpg_error_t err = backend_readers (ui);
      if (err)
        ui_status (ui, true, _("Readers: %s"), vsc_strerror (err));
      ui->need_redraw = true;
    }
  return any;
}

gpg_error_t
backend_emu_toggle (ui_t *ui, size_t index)
{
  if (!ui->emu)
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  if (index >= ui->n_readers)
    return gpg_error (GPG_ERR_ENODEV);
  return scapi_emu_set_present (ui->sc, ui->readers[index].index,
                                !ui->readers[index].present);
}

size_t
backend_cards (ui_t *ui, size_t *idx, size_t max)
{
  size_t n = 0;
  for (size_t i = 0; i < ui->n_readers && n < max; i++)
    if (ui->readers[i].present)
      idx[n++] = i;
  return n;
}

static int
backend_cmp (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

gpg_error_t
backend_vsc_list (ui_t *ui, char ***r_paths, size_t *r_n)
{
  DIR *d;
  struct dirent *e;
  char **list = NULL;
  size_t n = 0, cap = 0;
  gpg_error_t err = 0;

  *r_paths = NULL;
  *r_n = 0;
  d = opendir (ui->settings.vsc_dir);
  if (!d)
    return 0;   /* no directory yet: no VSCs */
  while ((e = readdir (d)))
    {
      size_t l = strlen (e->d_name);
      char *p;
      if (l < 5 || strcmp (e->d_name + l - 4, ".vsc") || e->d_name[0] == '.')
        continue;
      err = ARRAY_GROW (list, cap, n, 16);
      if (err)
        break;
      p = xtrymalloc (strlen (ui->settings.vsc_dir) + l + 2);
      if (!p)
        {
          err = gpg_error_from_syserror ();
          break;
        }
      sprintf (p, "%s/%s", ui->settings.vsc_dir, e->d_name);
      list[n++] = p;
    }
  closedir (d);
  if (err)
    {
      backend_free_list (list, n);
      return err;
    }
  if (n)
    qsort (list, n, sizeof *list, backend_cmp);
  *r_paths = list;
  *r_n = n;
  return 0;
}

void
backend_free_list (char **list, size_t n)
{
  if (!list)
    return;
  for (size_t i = 0; i < n; i++)
    xfree (list[i]);
  xfree (list);
}

/* mkdir -p with mode 0700 for the parts we create. */
static void
backend_mkdirs (const char *dir)
{
  char buf[1024];
  snprintf (buf, sizeof buf, "%s", dir);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/')
      {
        *p = 0;
        mkdir (buf, 0700);
        *p = '/';
      }
  mkdir (buf, 0700);
}

void
backend_make_vsc_dir (ui_t *ui)
{
  backend_mkdirs (ui->settings.vsc_dir);
}

char *
backend_new_vsc_path (ui_t *ui, const char *label)
{
  char base[64], *p;
  time_t now = time (NULL);
  struct tm tm;
  size_t k = 0;
  struct stat st;

  for (const char *s = label && *label ? label : "card"; *s && k < 24; s++)
    base[k++] = (char) ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
                        || (*s >= '0' && *s <= '9') || *s == '-' ? *s : '_');
  base[k] = 0;
  gmtime_r (&now, &tm);
  p = xtrymalloc (strlen (ui->settings.vsc_dir) + 80);
  if (!p)
    return NULL;
  backend_mkdirs (ui->settings.vsc_dir);
  for (int i = 0; i < 100; i++)
    {
      sprintf (p, "%s/%s-%04d%02d%02d-%02d%02d%02d%s%.0d.vsc",
               ui->settings.vsc_dir, base, tm.tm_year + 1900, tm.tm_mon + 1,
               tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, i ? "-" : "", i);
      if (stat (p, &st))
        break;
    }
  return p;
}

bool
backend_has_secrets (ui_t *ui)
{
  (void) ui;
  /* Secrets live in the screens above the start screen (open VSCs,
   * card images with private content); leaving them wipes them. */
  return false;
}

void
backend_wipe_secrets (ui_t *ui)
{
  /* Popping to the start screen closed every VSC (scapi_vsc_close
   * wipes) and freed every image (image_free wipes); the card screen's
   * kept scan goes too. */
  screen_card_memo_free (ui);
}
