/* cmd.c — the subcommand table, dispatch and shared option helpers. */
#include "cli/cli.h"
#include "core/timespec.h"
#include "core/tz.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

extern const struct qun_cmd qun_cmd_help, qun_cmd_version, qun_cmd_info, qun_cmd_check,
    qun_cmd_run, qun_cmd_sim, qun_cmd_status, qun_cmd_event, qun_cmd_import, qun_cmd_test, qun_cmd_new;

const struct qun_cmd *const qun_cmd_table[] = {
    &qun_cmd_help, &qun_cmd_version, &qun_cmd_new, &qun_cmd_info, &qun_cmd_check, &qun_cmd_sim,
    &qun_cmd_test, &qun_cmd_run, &qun_cmd_status, &qun_cmd_event, &qun_cmd_import, NULL,
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

/* --set and --variant: NAME=VALUE, repeatable. */
static int pair(const struct qun_cmd *cmd, const char *opt, const char *val, const char **list, int *n) {
  const char *eq = strchr(val, '=');
  if (!eq || eq == val)
    return qun_cli_usage(cmd, "%s %s: expected NAME=VALUE", opt, val);
  if (*n == QUN_CLI_MAX_SETS)
    return qun_cli_usage(cmd, "more than %d %s options", QUN_CLI_MAX_SETS, opt);
  list[(*n)++] = val;
  return 0;
}

int qun_cli_parse_load(const struct qun_cmd *cmd, int argc, char **argv, int opts,
                       struct qun_cli_load *out, const char *const *flags, const char **flag_val) {
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
        if (pair(cmd, "--set", val, out->sets, &out->nsets))
          return QUN_EXIT_USAGE;
        continue;
      }
      if (opts & QUN_OPT_VARIANT && (r = qun_cli_optarg(argc, argv, &i, "--variant", &val))) {
        if (r < 0)
          return qun_cli_usage(cmd, "--variant needs NAME=VALUE");
        if (pair(cmd, "--variant", val, out->variants, &out->nvariants))
          return QUN_EXIT_USAGE;
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
      for (; flags && flags[k]; k++) {
        size_t n = strlen(flags[k]);
        if (n > 1 && flags[k][n - 1] == '=') { /* takes a value */
          char name[64];
          snprintf(name, sizeof name, "%.*s", (int)(n - 1), flags[k]);
          r = qun_cli_optarg(argc, argv, &i, name, &val);
          if (r < 0 || (r > 0 && !*val))
            return qun_cli_usage(cmd, "%s needs a value", name);
          if (r > 0) {
            flag_val[k] = val;
            break;
          }
        } else if (strcmp(a, flags[k]) == 0) {
          flag_val[k] = "";
          break;
        }
      }
      if (!flags || !flags[k])
        return qun_cli_usage(cmd, "unknown option '%s'", a);
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

int qun_cli_int(const struct qun_cmd *cmd, const char *name, const char *text, long lo, long hi, long *out) {
  if (!text)
    return 0;
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || end == text || *end || v < lo || v > hi)
    return qun_cli_usage(cmd, "%s is a whole number from %ld to %ld, not '%s'", name, lo, hi, text);
  *out = v;
  return 0;
}

int qun_cli_start(const struct qun_cmd *cmd, const char *text, int64_t *ms) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t now = (int64_t)ts.tv_sec / 60 * 60, t;
  if (!text) {
    *ms = now * 1000;
    return 0;
  }
  if (qun_time_parse(text, now, &t) < 0)
    return qun_cli_usage(cmd, "--start: cannot read \"%s\" as a time (e.g. \"2026-11-23 00:00\" or "
                              "\"mon 09:00\")", text);
  *ms = t * 1000;
  return 0;
}
