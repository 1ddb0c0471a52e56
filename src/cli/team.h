/* team.h — what the commands that run a playbook share: the team config
 * (--config), the run's time zone, the params it binds (before --set),
 * and the store (--db). */
#ifndef QUN_TEAM_H
#define QUN_TEAM_H

#include "cli/cli.h"

#include <stdint.h>

struct qun_store;
struct qun_config;

struct qun_team {
  struct qun_config *cfg;   /* NULL without --config */
  const char *sets[2 * QUN_CLI_MAX_SETS]; /* the config's params, then --set */
  int nsets;
  struct qun_store *store;
  const char *db_path;
  const char *tz;
  int64_t grace_ms;
};

/* Loads what ld names (the store too with QUN_TEAM_STORE); sets the run's
 * zone. QUN_TEAM_DRY: the config's unset env() names are kept, not fatal.
 * Prints the one-line error and returns 1 on failure (the team needs no
 * closing then). */
enum { QUN_TEAM_STORE = 1, QUN_TEAM_DRY = 2 /* nothing is sent: unset env() is fine */ };
int qun_team_open(const struct qun_cli_load *ld, int flags, struct qun_team *team);
/* The team of a dry-run (qun check, qun sim): qun_team_open with
 * QUN_TEAM_DRY, then start (--start, NULL: now) read in its zone into
 * *start_ms. 0, or the exit code (the team needs no closing then). */
int qun_team_open_dry(const struct qun_cmd *cmd, const struct qun_cli_load *ld, const char *start,
                      struct qun_team *team, int64_t *start_ms);
/* Opens only the store (qun status, qun event): --db or the default. */
int qun_team_open_store(const char *db, struct qun_team *team);
void qun_team_close(struct qun_team *team);

#endif
