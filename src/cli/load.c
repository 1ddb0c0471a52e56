/* load.c — evaluating a playbook for a command, on the wall clock. */
#include "cli/cli.h"
#include "host/playbook.h"

#include <stdio.h>
#include <time.h>

static int64_t wall_ms(void *ud) {
  (void)ud;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void log_stdout(void *ud, const char *msg, size_t len) {
  if (ud)
    return; /* quiet */
  fwrite(msg, 1, len, stdout);
  fputc('\n', stdout);
}

int qun_cli_eval(const char *file, const char *const *sets, int nsets, int header_only,
                 int quiet, struct qun_playbook *pb, struct qun_sandbox **sbp) {
  static int quiet_mark;
  char err[1024];
  struct qun_playbook_opts o = {
      .mode = header_only ? QUN_PB_HEADER : QUN_PB_FULL,
      .sets = sets,
      .nsets = nsets,
      .now_ms = wall_ms(NULL),
      .sandbox = {.seed = 1, .now_ms = wall_ms, .log = log_stdout, .ud = quiet ? &quiet_mark : NULL},
  };
  if (qun_playbook_eval(file, &o, pb, sbp, err, sizeof err) < 0)
    return qun_cli_fail("%s", err);
  return 0;
}
