/* screen-list.h - every screen of the manager, one line each.
 *
 * Adding a screen: write src/ui/screen-NAME.c defining
 * "const ui_screen_ops_t screen_NAME_ops" (enter/draw/event/leave, its
 * help paragraph and its key table), add one line UI_SCREEN (NAME) here,
 * and the file to src/ui/local.mk and po/POTFILES.in. Other screens push
 * it with ui_push (ui, &screen_NAME_ops, arg). No include guard: the
 * includer defines UI_SCREEN. */
UI_SCREEN (main)
UI_SCREEN (card)
UI_SCREEN (vsc)
UI_SCREEN (backup)
UI_SCREEN (restore)
UI_SCREEN (diff)
UI_SCREEN (progress)
UI_SCREEN (password)
UI_SCREEN (confirm)
UI_SCREEN (view)
UI_SCREEN (settings)
UI_SCREEN (log)
UI_SCREEN (help)
UI_SCREEN (pick)
UI_SCREEN (server)
UI_SCREEN (history)
