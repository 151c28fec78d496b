/* cmd-restore.c - vsctool restore: VSC file -> card (claim 2) */
#include <config.h>
#include <stdio.h>
#include <string.h>

#include "common/sanitize.h"
#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-card.h"
#include "scapi/scapi-keys.h"
#include "cli/cli-map.h"

CLI_COMMAND (restore, "restore", "IN.vsc",
             N_("plan and write a VSC onto a card, read back and compare"),
             CLI_CMD_PW | CLI_CMD_JSON | CLI_CMD_READER | CLI_CMD_PINFILE
             | CLI_CMD_QUIET, 1, 1,
             { "dry-run", N_("show the plan only; write nothing") },
             { "force", N_("also onto a card that is not blank or another "
                           "model") },
             { "set-pins", N_("set the PINs stored in the VSC (asks the "
                              "card's current PIN)") },
             { "keys-only", N_("write only the keys of the VSC's secret-key "
                               "area") },
             { "map=auto|pkcs15|openpgp|piv|FILE",
               N_("onto another card model: every key, certificate and "
                  "data object to its place there (auto), all to one "
                  "application, or as a map file says") },
             { "holder", N_("with --map: cardholder name and login for "
                            "OpenPGP from the certificate") });

static const char *
cmd_restore_state (const plan_entry_t *e)
{
  if (e->action != PLAN_CREATE && e->action != PLAN_UPDATE)
    return "";
  if (e->verified)
    return "written";
  if (e->written)
    return "written-differs";
  if (e->err)
    return "failed";
  return "not-written";
}

/* Is entry E shown? With --keys-only only the keys (and the stored
 * PINs with --set-pins): the applet roots and what is only on the card
 * are left alone and not listed. */
static bool
cmd_restore_shown (const plan_entry_t *e, const scapi_restore_opts_t *ro,
                   bool keys_only)
{
  return !keys_only || scapi_keys_only_node (e->src, ro->set_pins);
}

static void
cmd_restore_print (const plan_t *plan, const scapi_restore_report_t *rep,
                   bool json, const scapi_restore_opts_t *ro, bool keys_only,
                   bool done, const map_t *map)
{
  size_t i, counts[PLAN_ACTION_MAX + 1];
  bool dry_run = ro->dry_run, first = true;

  memset (counts, 0, sizeof counts);
  for (i = 0; i < plan->n; i++)
    if (cmd_restore_shown (&plan->entries[i], ro, keys_only))
      counts[plan->entries[i].action]++;

  if (json)
    {
      printf ("{\"dry_run\":%s,\"target_blank\":%s,\"same_model\":%s,",
              dry_run ? "true" : "false",
              plan->target_blank ? "true" : "false",
              plan->same_model ? "true" : "false");
      if (map)
        {
          printf ("\"mapping\":");
          cli_map_print (map, true, stdout);
          printf (",");
        }
      printf ("\"entries\":[");
      for (i = 0; i < plan->n; i++)
        {
          const plan_entry_t *e = &plan->entries[i];
          if (!cmd_restore_shown (e, ro, keys_only))
            continue;
          printf ("%s{\"path\":", first ? "" : ",");
          first = false;
          cli_json_str (stdout, e->path);
          printf (",\"action\":\"%s\",\"reason\":",
                  plan_action_name (e->action));
          if (e->reason)
            cli_json_str (stdout, e->reason);
          else
            printf ("null");
          printf (",\"result\":\"%s\"", cmd_restore_state (e));
          if (e->sw)
            printf (",\"sw\":\"%04X\"", e->sw);
          printf ("}");
        }
      printf ("],\"written\":%zu,\"verified\":%zu,\"failed\":%zu,"
              "\"apdus\":%lu,\"seconds\":%.3f,\"stopped_at\":",
              rep->written, rep->verified, rep->failed, rep->apdus,
              rep->seconds);
      if (rep->stopped_at[0])
        cli_json_str (stdout, rep->stopped_at);
      else
        printf ("null");
      printf (",\"keys_only\":%s}\n", keys_only ? "true" : "false");
      return;
    }

  if (map && !done)
    {
      cli_map_print (map, false, stdout);
      printf ("\n");
    }
  printf (_("Plan (%zu create, %zu update, %zu same, %zu conflict, "
            "%zu not restorable, %zu only on the card):\n"),
          counts[PLAN_CREATE], counts[PLAN_UPDATE], counts[PLAN_SAME],
          counts[PLAN_CONFLICT], counts[PLAN_NOT_RESTORABLE],
          counts[PLAN_EXTRA]);
  for (i = 0; i < plan->n; i++)
    {
      const plan_entry_t *e = &plan->entries[i];
      const char *st = done ? cmd_restore_state (e) : "";
      if (!cmd_restore_shown (e, ro, keys_only))
        continue;
      printf ("  %-15s %-26s", plan_action_label (e->action),
              sanitize_str (e->path));
      if (*st)
        printf (" [%s]", st);
      if (e->reason)
        printf (" %s", sanitize_str (e->reason));
      printf ("\n");
    }
  if (!done)
    return;
  printf (_("Written %zu nodes, %zu read back equal, %zu failed "
            "(%lu APDUs, %.2f s)\n"), rep->written, rep->verified,
          rep->failed, rep->apdus, rep->seconds);
  if (rep->stopped_at[0])
    printf (_("Stopped at %s; the nodes marked [written] above are on "
              "the card, nothing after them was written.\n"),
            sanitize_str (rep->stopped_at));
}

static int
cmd_restore_exec (cli_ctx_t *c)
{
  scapi_restore_opts_t ro;
  scapi_restore_report_t rep;
  cli_card_t cs = CLI_CARD_INIT;
  scapi_vsc_t *vsc = NULL;
  plan_t *plan = NULL;
  image_t *keys = NULL, *mapped = NULL;
  map_t *map = NULL;
  map_choices_t *choices = NULL;
  scapi_map_opts_t mo;
  const image_t *src;
  const char *path = c->argv[0];
  char *pw = NULL;
  gpg_error_t err;
  int rc = CLI_EXIT_OK;
  bool keys_only = cli_has (c, "keys-only");
  size_t i;

  memset (&ro, 0, sizeof ro);
  memset (&rep, 0, sizeof rep);
  memset (&mo, 0, sizeof mo);
  ro.dry_run = cli_has (c, "dry-run");
  ro.force = cli_has (c, "force");
  ro.set_pins = cli_has (c, "set-pins");
  if (cli_has (c, "map"))
    {
      rc = cli_map_option (cli_get (c, "map"), &mo, &choices);
      if (rc)
        return rc;
      if (cli_has (c, "holder"))
        mo.opts.holder = true;
    }
  else if (cli_has (c, "holder"))
    {
      cli_msg (_("--holder goes with --map"));
      return CLI_EXIT_USAGE;
    }

  err = cli_read_password (&c->pw, _("Password of the VSC: "), false, &pw);
  if (!err)
    err = scapi_vsc_open (path, pw, &vsc);
  xfree_secure (pw);
  pw = NULL;
  if (err)
    {
      rc = cli_card_fail (err, path);
      goto leave;
    }

  src = scapi_vsc_image (vsc);
  if (keys_only)
    {
      /* Only the keys go onto the card, so a card that already holds
       * data (or is another model) is no reason to refuse. */
      err = scapi_keys_only_image (src, ro.set_pins, &keys);
      if (gpg_err_code (err) == GPG_ERR_NOT_FOUND)
        {
          cli_msg (_("%s holds no keys in its secret-key area"), path);
          rc = CLI_EXIT_FAIL;
          goto leave;
        }
      if (err)
        {
          rc = cli_card_fail (err, path);
          goto leave;
        }
      src = keys;
      ro.force = true;
    }

  rc = cli_card_open (c, &cs);
  if (rc)
    goto leave;
  cli_card_cb (c, &cs.cb);
  if (cli_has (c, "map"))
    {
      err = scapi_map_plan (cs.card, src, &mo, &cs.cb, &map, &mapped, &plan);
      if (!err)
        src = mapped;
      else if (gpg_err_code (err) == GPG_ERR_NOT_FOUND
               || gpg_err_code (err) == GPG_ERR_INV_VALUE)
        {
          cli_msg ("%s:%s", cli_get (c, "map"), scapi_last_error_text ());
          cli_msg (_("nothing was written to the card"));
          rc = CLI_EXIT_USAGE;
          goto leave;
        }
    }
  else
    err = scapi_restore_plan (cs.card, src, &cs.cb, &plan);
  if (err)
    {
      rc = cli_card_fail (err, _("cannot read the target card"));
      cli_msg (_("nothing was written to the card"));
      goto leave;
    }
  if (map && !ro.dry_run && !c->json)
    {
      /* What goes where, before anything is written. */
      cli_map_print (map, false, stdout);
      printf ("\n");
    }
  err = scapi_restore (cs.card, src, plan, &ro, &cs.cb, &rep);
  cli_card_cb_done ();
  cmd_restore_print (plan, &rep, c->json, &ro, keys_only, !ro.dry_run, map);
  if (err)
    {
      rc = cli_card_fail (err, _("restore failed"));
      if ((rc == CLI_EXIT_FAIL || rc == CLI_EXIT_FORMAT) && rep.failed)
        rc = CLI_EXIT_CARD;      /* the card refused or garbled a write */
      if (!rep.written)
        cli_msg (_("nothing was written to the card"));
      goto leave;
    }
  if (ro.dry_run)
    {
      if (!c->json)
        printf (_("Dry run: nothing was written.\n"));
      goto leave;
    }
  /* Partial: something the VSC holds could not go onto this card. Keys
   * that were never extractable and files the source card refused to
   * read were already reported by the backup. */
  for (i = 0; i < plan->n; i++)
    {
      const plan_entry_t *e = &plan->entries[i];
      if (scapi_pin_path (e->path, NULL))
        continue;      /* skipped on purpose without --set-pins */
      if (!cmd_restore_shown (e, &ro, keys_only))
        continue;      /* --keys-only: not written on purpose */
      if (e->action == PLAN_CONFLICT
          || (e->action == PLAN_NOT_RESTORABLE && e->src
              && !(e->src->flags & (IMAGE_FLAG_NOT_EXTRACTABLE
                                    | IMAGE_FLAG_UNREADABLE))))
        rc = CLI_EXIT_PARTIAL;
    }
  /* ... or the mapping left an object of the VSC behind that could
   * have moved (not a key born on the old card, not the user's "none"). */
  for (i = 0; map && i < map->n; i++)
    {
      const map_entry_t *e = &map->e[i];
      bool cert_of_born = e->kind == MAP_KIND_CERT && e->key >= 0
        && (map->e[e->key].born_on_card || !map->e[e->key].escrowed
            || (map->e[e->key].fixed
                && map->e[e->key].slot.app == MAP_APP_NONE));
      if (e->slot.app == MAP_APP_NONE && !e->fixed && !e->stays
          && !e->born_on_card && !cert_of_born
          && !(e->kind == MAP_KIND_KEY && !e->escrowed))
        rc = CLI_EXIT_PARTIAL;
    }

 leave:
  cli_card_cb_done ();     /* (again: does nothing if done) */
  plan_free (plan);
  image_free (keys);
  image_free (mapped);
  map_free (map);
  map_choices_free (choices);
  scapi_vsc_close (vsc);
  cli_card_close (&cs);
  fflush (stdout);
  return rc;
}
