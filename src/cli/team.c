/* team.c — config, zone, params and store for the commands (team.h). */
#include "cli/team.h"
#include "core/tz.h"
#include "host/config.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
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

int qun_team_open(const struct qun_cli_load *ld, int flags, struct qun_team *team) {
  memset(team, 0, sizeof *team);
  team->db_path = ld->db ? ld->db : QUN_STORE_DEFAULT_PATH;
  team->tz = QUN_TZ_DEFAULT;
  team->grace_ms = GRACE_DEFAULT_MS;
  if (ld->config) {
    char err[1024];
    if (!(team->cfg = malloc(sizeof *team->cfg)))
      return qun_cli_fail("qun: out of memory");
    if (qun_config_load(ld->config, team->cfg, flags & QUN_TEAM_DRY ? QUN_CONFIG_DRY : 0, err, sizeof err) < 0) {
      qun_team_close(team);
      return qun_cli_fail("%s", err);
    }
    team->tz = team->cfg->timezone;
    team->grace_ms = team->cfg->grace_s * 1000;
    for (int i = 0; i < team->cfg->nsets && team->nsets < QUN_CLI_MAX_SETS; i++)
      team->sets[team->nsets++] = team->cfg->sets[i];
  }
  if (qun_tz_set(team->tz) < 0) {
    qun_team_close(team);
    return qun_cli_fail("qun: the tz database has no zone %s", ld->config ? "from the config" : "");
  }
  for (int i = 0; i < ld->nsets; i++)
    team->sets[team->nsets++] = ld->sets[i];
  if (flags & QUN_TEAM_STORE) {
    char err[600];
    if (qun_store_open(team->db_path, &team->store, err, sizeof err) < 0) {
      qun_team_close(team);
      return qun_cli_fail("%s", err);
    }
  }
  return 0;
}

int qun_team_open_dry(const struct qun_cmd *cmd, const struct qun_cli_load *ld, const char *start,
                      struct qun_team *team, int64_t *start_ms) {
  if (qun_team_open(ld, QUN_TEAM_DRY, team) != 0)
    return QUN_EXIT_FAIL;
  int rc = qun_cli_start(cmd, start, start_ms); /* in the team's zone, which is set now */
  if (rc)
    qun_team_close(team);
  return rc;
}

void qun_team_close(struct qun_team *team) {
  qun_store_close(team->store);
  if (team->cfg) {
    qun_config_free(team->cfg);
    free(team->cfg);
  }
  memset(team, 0, sizeof *team);
}
