/* team.c — config, zone, params and store for the commands (team.h). */
#include "cli/team.h"
#include "core/tz.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define GRACE_DEFAULT_MS (10 * 60 * 1000)

int qun_team_open_store(const char *db, struct qun_team *team) {
  memset(team, 0, sizeof *team);
  team->db_path = db ? db : QUN_STORE_DEFAULT_PATH;
  team->tz = QUN_TZ_DEFAULT;
  team->grace_ms = GRACE_DEFAULT_MS;
  char err[600];
  if (qun_store_open(team->db_path, &team->store, err, sizeof err) < 0)
    return qun_cli_fail("%s", err);
  return 0;
}

int qun_team_open(const struct qun_cli_load *ld, struct qun_team *team) {
  if (ld->config)
    return qun_cli_fail("%s: team configs are not supported yet", ld->config);
  if (qun_team_open_store(ld->db, team) != 0)
    return 1;
  for (int i = 0; i < ld->nsets; i++)
    team->sets[team->nsets++] = ld->sets[i];
  return 0;
}

void qun_team_close(struct qun_team *team) {
  qun_store_close(team->store);
  memset(team, 0, sizeof *team);
}
