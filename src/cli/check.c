/* check.c — `qun check FILE [--config F] [--set k=v]... [--days D]
 * [--audience N] [--start TIME]`: loads the playbook in the sandbox with
 * no side effects, validates its header and params, then rehearses it in
 * a short dry-run (a private in-memory store, a small simulated audience,
 * nothing sent) to find what only running it shows: sends in quiet hours,
 * members over the daily cap, texts over a channel's limit, countdown
 * marks past their deadline, template variables that do not exist,
 * red packets over the limits — each named by file and line. */
#include "cli/cli.h"
#include "cli/team.h"
#include "host/config.h"
#include "host/playbook.h"
#include "host/run.h"
#include "sim/sim.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_DAYS 7
#define CHECK_AUDIENCE 50

/* The top level alone, as it would run live: header, params, load errors. */
static int load_once(const struct qun_cli_load *ld, const struct qun_team *team, int64_t start_ms) {
  struct qun_store *st = NULL;
  struct qun_run *run = NULL;
  char err[1024];
  int rc = QUN_EXIT_OK;
  if (qun_store_open_private(&st, err, sizeof err) < 0)
    return qun_cli_fail("qun check: %s", err);
  struct qun_run_opts o = {
      .path = ld->file, .sets = team->sets, .nsets = team->nsets, .store = st, .start_ms = start_ms,
      .grace_ms = team->grace_ms, .mode = "check", .echo = stdout, .echo_bare = 1, .seed = 1,
      .cfg = team->cfg};
  if (qun_run_open(&o, &run, err, sizeof err) < 0) {
    rc = qun_cli_fail("%s", err);
  } else {
    const struct qun_playbook *pb = qun_run_playbook(run);
    printf("%s: ok (%s %s, %zu param%s)\n", pb->path, pb->name, pb->version, pb->nparams,
           pb->nparams == 1 ? "" : "s");
  }
  qun_run_close(run);
  qun_store_close(st);
  return rc;
}

static int check_exec(const struct qun_cmd *self, int argc, char **argv) {
  struct qun_cli_load ld;
  static const char *const flags[] = {"--days=", "--audience=", "--start=", NULL};
  const char *val[3] = {NULL};
  long days = CHECK_DAYS, audience = CHECK_AUDIENCE;
  int rc = qun_cli_parse_load(self, argc, argv, QUN_OPT_CONFIG, &ld, flags, val);
  if (rc || (rc = qun_cli_int(self, "--days", val[0], 0, 366, &days)) ||
      (rc = qun_cli_int(self, "--audience", val[1], 1, 100000, &audience)))
    return rc;
  struct qun_team team;
  int64_t start_ms;
  if ((rc = qun_team_open_dry(self, &ld, val[2], &team, &start_ms)))
    return rc;
  rc = load_once(&ld, &team, start_ms);
  for (size_t i = 0; rc == QUN_EXIT_OK && team.cfg && i < team.cfg->nunset; i++)
    printf("%s: note: env(\"%s\") is not set: fine for check and sim (nothing is sent); qun run "
           "needs it\n", team.cfg->path, team.cfg->unset[i]);
  if (rc == QUN_EXIT_OK && days > 0) {
    struct qun_sim_opts so = {.playbook = ld.file, .cfg = team.cfg, .sets = team.sets,
                              .nsets = team.nsets, .audience = (int)audience, .seed = 1,
                              .start_ms = start_ms, .end_ms = start_ms + days * 86400000LL,
                              .grace_ms = team.grace_ms};
    struct qun_sim_result res;
    char err[1024];
    if (qun_sim_run(&so, &res, err, sizeof err) < 0) {
      rc = qun_cli_fail("%s", err);
    } else {
      size_t i;
      json_t *x;
      json_array_foreach(res.warnings, i, x)
        printf("%s\n", json_string_value(x));
      /* Handler errors, once each, with when the dry-run met them first. */
      json_t *seen = json_object();
      json_array_foreach(res.errors, i, x) {
        const char *msg = json_string_value(json_object_get(x, "message"));
        if (!msg || json_object_get(seen, msg))
          continue;
        json_object_set_new(seen, msg, json_true());
        fprintf(stderr, "%s (in %s, first at %s of the %ld-day dry-run)\n", msg,
                json_string_value(json_object_get(x, "job")), json_string_value(json_object_get(x, "t")),
                days);
        rc = QUN_EXIT_FAIL;
      }
      json_decref(seen);
      qun_sim_result_free(&res);
    }
  }
  qun_team_close(&team);
  return rc;
}

const struct qun_cmd qun_cmd_check = {
    .name = "check",
    .args = "FILE [--config F] [--set NAME=VALUE]... [--days D] [--audience N] [--start TIME]",
    .summary = "validate a playbook and rehearse it briefly: errors and warnings with file:line",
    .help = "options:\n"
            "  --config F          the team config: zone, params, channels, groups, policies\n"
            "  --set NAME=VALUE    give a param a value (after the config's; later wins)\n"
            "  --days D            how long the rehearsal runs (default 7; 0: load only)\n"
            "  --audience N        simulated members in the rehearsal (default 50)\n"
            "  --start TIME        where the rehearsal's clock starts (default: now)\n"
            "\nWarnings (sends in quiet hours, members over the daily cap, texts over a\n"
            "channel's limit, ...) are printed on stdout; errors on stderr.\n"
            "exit status: 0 valid, 1 an error (file:line: reason), 2 usage\n",
    .exec = check_exec,
};
