/* help.c — `qun help [COMMAND]`: the command list, or one command's usage. */
#include "cli/cli.h"

#include <stdio.h>

static int help_exec(const struct qun_cmd *self, int argc, char **argv) {
  if (argc > 2)
    return qun_cli_usage(self, "one command at a time");
  if (argc == 2) {
    const struct qun_cmd *cmd = qun_cmd_find(argv[1]);
    if (!cmd) {
      fprintf(stderr, "qun help: unknown command '%s' (run 'qun help' for the list)\n", argv[1]);
      return QUN_EXIT_USAGE;
    }
    printf("usage: qun %s %s\n\n%s\n", cmd->name, cmd->args, cmd->summary);
    if (cmd->help)
      printf("\n%s", cmd->help);
    return QUN_EXIT_OK;
  }
  printf("qun — community-operations playbooks (社群运营 SOP) as Lua\n\n"
         "usage: qun COMMAND [ARGS]\n\ncommands:\n");
  for (const struct qun_cmd *const *c = qun_cmd_table; *c; c++)
    printf("  %-8s %s\n", (*c)->name, (*c)->summary);
  printf("\nRun 'qun help COMMAND' for a command's options.\n");
  return QUN_EXIT_OK;
}

const struct qun_cmd qun_cmd_help = {
    .name = "help",
    .args = "[COMMAND]",
    .summary = "list the commands, or show one command's usage",
    .exec = help_exec,
};
