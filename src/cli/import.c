/* import.c — `qun import members|events FILE [--db PATH]`: all or nothing. */
#include "cli/cli.h"
#include "cli/team.h"
#include "ingest/import.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int import_exec(const struct qun_cmd *self, int argc, char **argv) {
  const char *what = NULL, *file = NULL, *db = NULL, *config = NULL;
  for (int i = 1; i < argc; i++) {
    const char *val;
    int r = qun_cli_optarg(argc, argv, &i, "--db", &val), rc2 = 0;
    if (r == 0)
      rc2 = qun_cli_optarg(argc, argv, &i, "--config", &val);
    if (r < 0 || (r > 0 && !*val) || rc2 < 0 || (rc2 > 0 && !*val))
      return qun_cli_usage(self, "%s needs a value", r ? "--db" : "--config");
    if (r > 0)
      db = val;
    else if (rc2 > 0)
      config = val;
    else if (argv[i][0] == '-' && argv[i][1])
      return qun_cli_usage(self, "unknown option '%s'", argv[i]);
    else if (!what)
      what = argv[i];
    else if (!file)
      file = argv[i];
    else
      return qun_cli_usage(self, "one file at a time");
  }
  if (!what || (strcmp(what, "members") != 0 && strcmp(what, "events") != 0))
    return qun_cli_usage(self, "import what? members or events");
  if (!file)
    return qun_cli_usage(self, "which file?");
  /* The config's time zone reads the local times in the file. */
  struct qun_cli_load ld = {.file = file, .config = config, .db = db};
  struct qun_team team;
  if (qun_team_open(&ld, QUN_TEAM_STORE, &team) != 0)
    return QUN_EXIT_FAIL;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  char err[1024];
  int64_t n = strcmp(what, "members") == 0 ? qun_import_members(team.store, file, now, err, sizeof err)
                                           : qun_import_events(team.store, file, now, err, sizeof err);
  int rc = QUN_EXIT_OK;
  if (n < 0)
    rc = qun_cli_fail("%s (nothing was imported)", err);
  else
    printf("%s: %lld %.*s%s imported\n", file, (long long)n, (int)strlen(what) - 1, what,
           n == 1 ? "" : "s");
  qun_team_close(&team);
  return rc;
}

const struct qun_cmd qun_cmd_import = {
    .name = "import",
    .args = "members|events FILE [--config F] [--db PATH]",
    .summary = "import members (CSV or JSON lines) or events (JSON lines), all or nothing",
    .help = "members: CSV with a header row: id (required), name, joined_at, groups (g1;g2),\n"
            "         and any other column as an attribute (birthday, store, ...);\n"
            "         or JSON lines: {\"id\", \"name\", \"joined_at\", \"groups\": [...], \"attrs\": {...}}\n"
            "events:  JSON lines: {\"type\", \"member\", \"group\", \"at\", \"data\": {...}, \"id\"}\n"
            "Local times are read in the config's timezone (default Asia/Shanghai).\n"
            "A re-import updates instead of duplicating; one bad row imports nothing.\n",
    .exec = import_exec,
};
