/* cli.h — the command line: a table of subcommands (one src/cli/<name>.c
 * each, tmux style), the dispatcher, and the helpers every subcommand uses
 * to read options and report errors with the right exit status.
 *
 * Exit statuses: 0 success, 1 a user error (one line on stderr naming
 * file:line where there is one), 2 a usage error. */
#ifndef QUN_CLI_H
#define QUN_CLI_H

#include <stdint.h>

enum { QUN_EXIT_OK = 0, QUN_EXIT_FAIL = 1, QUN_EXIT_USAGE = 2 };

struct qun_cmd {
  const char *name;
  const char *args;     /* "FILE [--json]" */
  const char *summary;  /* one line, for `qun help` */
  const char *help;     /* the options, for `qun help NAME`; may be NULL */
  int (*exec)(const struct qun_cmd *cmd, int argc, char **argv); /* argv[0] = name */
};

/* NULL-terminated, in the order `qun help` lists them. */
extern const struct qun_cmd *const qun_cmd_table[];
const struct qun_cmd *qun_cmd_find(const char *name);

int qun_cli_main(int argc, char **argv);

/* Prints "qun NAME: message" and the command's usage to stderr; returns 2. */
int qun_cli_usage(const struct qun_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints one line "message" (already naming file:line) to stderr; returns 1. */
int qun_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Matches argv[*i] against a long option that takes a value ("--set k=v" or
 * "--set=k=v"). Returns 1 and sets *val (advancing *i past a separate
 * value), 0 if argv[*i] is another option, -1 if the value is missing. */
int qun_cli_optarg(int argc, char **argv, int *i, const char *name, const char **val);

/* Settings every command that loads a playbook shares. */
#define QUN_CLI_MAX_SETS 256
enum { QUN_OPT_CONFIG = 1, QUN_OPT_DB = 2, QUN_OPT_TRANSCRIPT = 4, QUN_OPT_LISTEN = 8,
       QUN_OPT_VARIANT = 16 };
struct qun_cli_load {
  const char *file;
  const char *sets[QUN_CLI_MAX_SETS]; /* "k=v", in order; later wins */
  int nsets;
  const char *config;     /* --config F */
  const char *db;         /* --db PATH */
  const char *transcript; /* --transcript FILE */
  const char *listen;     /* --listen HOST:PORT */
  const char *variants[QUN_CLI_MAX_SETS]; /* --variant NAME=VALUE (qun sim), in order */
  int nvariants;
};

/* Parses FILE and --set k=v (repeatable), the value options in `opts`
 * (QUN_OPT_*), and the command's own options `flags`: "--json" takes no
 * value, "--days=" takes one (as "--days 7" or "--days=7"); flag_val[k]
 * gets the value ("" for a flag without one) or stays NULL. Returns 0 or
 * the exit status of a usage error. */
int qun_cli_parse_load(const struct qun_cmd *cmd, int argc, char **argv, int opts,
                       struct qun_cli_load *out, const char *const *flags, const char **flag_val);

/* An integer option's value in [lo, hi] (text NULL: keep *out); else a
 * usage error naming the option and the range. */
int qun_cli_int(const struct qun_cmd *cmd, const char *name, const char *text, long lo, long hi, long *out);
/* --start TIME read in the run's zone (set the zone first); NULL: now, to
 * the whole minute. Epoch ms in *ms, or a usage error. */
int qun_cli_start(const struct qun_cmd *cmd, const char *text, int64_t *ms);

/* Evaluates ld->file in a sandbox on the wall clock (cli/load.c): print()
 * goes to stdout unless quiet. On failure prints the one-line reason to
 * stderr and returns 1 (pb must still be cleared). */
struct qun_playbook;
struct qun_sandbox;
int qun_cli_eval(const char *file, const char *const *sets, int nsets, int header_only,
                 int quiet, struct qun_playbook *pb, struct qun_sandbox **sbp);

#endif
