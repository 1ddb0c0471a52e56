/* check.c — `qun check FILE [--set k=v]...`: loads the playbook in the
 * sandbox with no side effects and validates its header and params. */
#include "cli/cli.h"
#include "cli/team.h"
#include "host/playbook.h"
#include "host/run.h"
#include "store/store.h"

#include <time.h>

#include <stdio.h>

static int check_exec(const struct qun_cmd *self, int argc, char **argv) {
  struct qun_cli_load ld;
  int rc = qun_cli_parse_load(self, argc, argv, QUN_OPT_CONFIG, &ld, NULL, NULL);
  if (rc)
    return rc;
  struct qun_team team;
  if (qun_team_open(&ld, 0, &team) != 0)
    return QUN_EXIT_FAIL;
  /* The top level runs exactly as it would live, on a private in-memory
   * store and a clock that never moves: nothing fires, nothing persists. */
  struct qun_store *st = NULL;
  struct qun_run *run = NULL;
  char err[1024];
  if (qun_store_open(":memory:", &st, err, sizeof err) < 0) {
    qun_team_close(&team);
    return qun_cli_fail("qun check: %s", err);
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct qun_run_opts o = {
      .path = ld.file, .sets = team.sets, .nsets = team.nsets, .store = st,
      .start_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, .grace_ms = team.grace_ms,
      .mode = "check", .echo = stdout, .echo_bare = 1, .seed = 1, .cfg = team.cfg};
  if (qun_run_open(&o, &run, err, sizeof err) < 0) {
    rc = qun_cli_fail("%s", err);
  } else {
    const struct qun_playbook *pb = qun_run_playbook(run);
    const char *const *warns;
    size_t nw = qun_run_warnings(run, &warns);
    for (size_t i = 0; i < nw; i++)
      printf("%s\n", warns[i]);
    printf("%s: ok (%s %s, %zu param%s)\n", pb->path, pb->name, pb->version, pb->nparams,
           pb->nparams == 1 ? "" : "s");
  }
  qun_run_close(run);
  qun_store_close(st);
  qun_team_close(&team);
  return rc;
}

const struct qun_cmd qun_cmd_check = {
    .name = "check",
    .args = "FILE [--config F] [--set NAME=VALUE]...",
    .summary = "load a playbook in the sandbox and validate its header and params",
    .help = "options:\n"
            "  --config F          the team config: zone, params, channels, groups\n"
            "  --set NAME=VALUE    give a param a value (after the config's; later wins)\n"
            "\nexit status: 0 valid, 1 an error (printed as file:line: reason), 2 usage\n",
    .exec = check_exec,
};
