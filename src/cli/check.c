/* check.c — `qun check FILE [--set k=v]...`: loads the playbook in the
 * sandbox with no side effects and validates its header and params. */
#include "cli/cli.h"
#include "cli/team.h"
#include "host/playbook.h"

#include <stdio.h>

static int check_exec(const struct qun_cmd *self, int argc, char **argv) {
  struct qun_cli_load ld;
  int rc = qun_cli_parse_load(self, argc, argv, QUN_OPT_CONFIG, &ld, NULL, NULL);
  if (rc)
    return rc;
  struct qun_team team;
  if (qun_team_open(&ld, 0, &team) != 0)
    return QUN_EXIT_FAIL;
  struct qun_playbook pb;
  struct qun_sandbox *sb = NULL;
  rc = qun_cli_eval(ld.file, team.sets, team.nsets, 0, 0, &pb, &sb);
  if (rc == 0)
    printf("%s: ok (%s %s, %zu param%s)\n", pb.path, pb.name, pb.version, pb.nparams,
           pb.nparams == 1 ? "" : "s");
  qun_sandbox_free(sb);
  qun_playbook_clear(&pb);
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
