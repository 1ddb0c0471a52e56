/* cmd.c — the subcommand table, dispatch and shared option helpers. */
#include "cli/cli.h"
#include "core/tz.h"

#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

extern const struct qun_cmd qun_cmd_help, qun_cmd_version, qun_cmd_info, qun_cmd_check,
    qun_cmd_run, qun_cmd_sim, qun_cmd_status, qun_cmd_event, qun_cmd_import, qun_cmd_test;

const struct qun_cmd *const qun_cmd_table[] = {
    &qun_cmd_help, &qun_cmd_version, &qun_cmd_info, &qun_cmd_check, &qun_cmd_sim, &qun_cmd_run, &qun_cmd_status,
    &qun_cmd_event, &qun_cmd_import, &qun_cmd_test, NULL,
};

const struct qun_cmd *qun_cmd_find(const char *name) {
  for (const struct qun_cmd *const *c = qun_cmd_table; *c; c++)
    if (strcmp((*c)->name, name) == 0)
      return *c;
  return NULL;
}

int qun_cli_main(int argc, char **argv) {
  /* A closed pipe (qun run | head) is an error to report, not a death. */
  signal(SIGPIPE, SIG_IGN);
  /* Display widths of Chinese text (qun info); numbers stay "C". */
  if (!setlocale(LC_CTYPE, "C.UTF-8"))
    setlocale(LC_CTYPE, "");
  if (qun_tz_set(QUN_TZ_DEFAULT) < 0) {
    fprintf(stderr, "qun: the tz database has no %s: install the tzdata package\n", QUN_TZ_DEFAULT);
    return QUN_EXIT_FAIL;
  }
  if (argc < 2) {
    fprintf(stderr, "usage: qun COMMAND [ARGS]\ncommands:");
    for (const struct qun_cmd *const *c = qun_cmd_table; *c; c++)
      fprintf(stderr, " %s", (*c)->name);
    fprintf(stderr, "\nRun 'qun help' for what each does.\n");
    return QUN_EXIT_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
    name = "help";
  else if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
    name = "version";
  const struct qun_cmd *cmd = qun_cmd_find(name);
  if (!cmd) {
    fprintf(stderr, "qun: unknown command '%s' (run 'qun help' for the list)\n", argv[1]);
    return QUN_EXIT_USAGE;
  }
  /* "qun info --help" is "qun help info". */
  for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      const struct qun_cmd *help = qun_cmd_find("help");
      char *hargv[] = {"help", (char *)cmd->name, NULL};
      return help->exec(help, 2, hargv);
    }
  }
  return cmd->exec(cmd, argc - 1, argv + 1);
}

int qun_cli_usage(const struct qun_cmd *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "qun %s: ", cmd->name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nusage: qun %s %s\n", cmd->name, cmd->args);
  return QUN_EXIT_USAGE;
}

int qun_cli_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return QUN_EXIT_FAIL;
}

int qun_cli_optarg(int argc, char **argv, int *i, const char *name, const char **val) {
  size_t n = strlen(name);
  const char *a = argv[*i];
  if (strncmp(a, name, n) != 0)
    return 0;
  if (a[n] == '=') {
    *val = a + n + 1;
    return 1;
  }
  if (a[n] != '\0')
    return 0;
  if (*i + 1 >= argc)
    return -1;
  *val = argv[++*i];
  return 1;
}

int qun_cli_parse_load(const struct qun_cmd *cmd, int argc, char **argv, int opts,
                       struct qun_cli_load *out, const char *const *flags, int *flag_seen) {
  static const struct { int bit; const char *name; size_t off; } valopts[] = {
      {QUN_OPT_CONFIG, "--config", offsetof(struct qun_cli_load, config)},
      {QUN_OPT_DB, "--db", offsetof(struct qun_cli_load, db)},
      {QUN_OPT_TRANSCRIPT, "--transcript", offsetof(struct qun_cli_load, transcript)},
      {QUN_OPT_LISTEN, "--listen", offsetof(struct qun_cli_load, listen)},
  };
  memset(out, 0, sizeof *out);
  int rest = 0; /* after "--" everything is a file name */
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val;
    if (!rest && a[0] == '-' && a[1] != '\0') {
      if (strcmp(a, "--") == 0) {
        rest = 1;
        continue;
      }
      int r = qun_cli_optarg(argc, argv, &i, "--set", &val);
      if (r < 0)
        return qun_cli_usage(cmd, "--set needs NAME=VALUE");
      if (r > 0) {
        const char *eq = strchr(val, '=');
        if (!eq || eq == val)
          return qun_cli_usage(cmd, "--set %s: expected NAME=VALUE", val);
        if (out->nsets == QUN_CLI_MAX_SETS)
          return qun_cli_usage(cmd, "more than %d --set options", QUN_CLI_MAX_SETS);
        out->sets[out->nsets++] = val;
        continue;
      }
      int matched = 0;
      for (size_t v = 0; v < sizeof valopts / sizeof valopts[0] && !matched; v++) {
        if (!(opts & valopts[v].bit))
          continue;
        r = qun_cli_optarg(argc, argv, &i, valopts[v].name, &val);
        if (r < 0 || (r > 0 && !*val))
          return qun_cli_usage(cmd, "%s needs a value", valopts[v].name);
        if (r > 0) {
          *(const char **)((char *)out + valopts[v].off) = val;
          matched = 1;
        }
      }
      if (matched)
        continue;
      int k = 0;
      for (; flags && flags[k]; k++)
        if (strcmp(a, flags[k]) == 0)
          break;
      if (!flags || !flags[k])
        return qun_cli_usage(cmd, "unknown option '%s'", a);
      flag_seen[k] = 1;
      continue;
    }
    if (out->file)
      return qun_cli_usage(cmd, "one playbook file at a time ('%s' and '%s')", out->file, a);
    out->file = a;
  }
  if (!out->file)
    return qun_cli_usage(cmd, "which playbook? give a FILE");
  return 0;
}
