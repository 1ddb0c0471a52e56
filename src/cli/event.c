/* event.c — `qun event TYPE --member ID [--group ID] [--data JSON]
 * [--db PATH]`: appends one event to the store; a running daemon
 * dispatches it to its `on` handlers. */
#include "cli/cli.h"
#include "cli/team.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int valid_type(const char *t) {
  if (!*t)
    return 0;
  for (const char *p = t; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
      return 0;
  return 1;
}

static int event_exec(const struct qun_cmd *self, int argc, char **argv) {
  const char *type = NULL, *member = NULL, *group = NULL, *data = NULL, *db = NULL;
  for (int i = 1; i < argc; i++) {
    const char **slot = NULL, *val;
    static const char *const names[] = {"--member", "--group", "--data", "--db"};
    const char **slots[] = {&member, &group, &data, &db};
    for (int k = 0; k < 4 && !slot; k++) {
      int r = qun_cli_optarg(argc, argv, &i, names[k], &val);
      if (r < 0 || (r > 0 && !*val))
        return qun_cli_usage(self, "%s needs a value", names[k]);
      if (r > 0)
        slot = slots[k], *slot = val;
    }
    if (slot)
      continue;
    if (argv[i][0] == '-')
      return qun_cli_usage(self, "unknown option '%s'", argv[i]);
    if (type)
      return qun_cli_usage(self, "one event type at a time ('%s' and '%s')", type, argv[i]);
    type = argv[i];
  }
  if (!type)
    return qun_cli_usage(self, "which event type? e.g. qun event checkin --member m1");
  if (!valid_type(type))
    return qun_cli_usage(self, "event type '%s': use lower-case letters, digits and . _ - "
                               "(e.g. link.click)", type);
  if (!member)
    return qun_cli_usage(self, "--member ID is required");
  char *text = NULL;
  if (data) {
    json_error_t jerr;
    json_t *j = json_loads(data, 0, &jerr);
    if (!j)
      return qun_cli_fail("qun event: --data is not JSON: %s (column %d)", jerr.text, jerr.column);
    if (!json_is_object(j)) {
      json_decref(j);
      return qun_cli_fail("qun event: --data must be a JSON object, e.g. '{\"order\":\"A1\"}'");
    }
    text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
  }
  struct qun_team team;
  if (qun_team_open_store(db, &team) != 0) {
    free(text);
    return QUN_EXIT_FAIL;
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  int64_t id = qun_store_event_add(team.store, type, member, group, now, text, now);
  int rc = QUN_EXIT_OK;
  if (id < 0)
    rc = qun_cli_fail("qun event: %s", qun_store_errmsg(team.store));
  else
    printf("event %lld stored\n", (long long)id);
  free(text);
  qun_team_close(&team);
  return rc;
}

const struct qun_cmd qun_cmd_event = {
    .name = "event",
    .args = "TYPE --member ID [--group ID] [--data JSON] [--db PATH]",
    .summary = "record an event (a check-in, a click, a purchase) for the running playbooks",
    .help = "options:\n"
            "  --member ID   the member it is about (required)\n"
            "  --group ID    the group it happened in\n"
            "  --data JSON   details, a JSON object\n"
            "  --db PATH     the database (default ./qun.db)\n",
    .exec = event_exec,
};
