/* test_int.h — what the pieces of `qun test` share (internal to src/sim):
 * testfile.c runs a test file and its cases, testrun.c is sim.run (its
 * options, the environment a config sees, the dry-run, the cache), and
 * testresult.c the result of a run and its queries. */
#ifndef QUN_TEST_INT_H
#define QUN_TEST_INT_H

#include "sim/testfile.h"

#include <limits.h>
#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#define QUN_TEST_RUNS_KEY "qun.test.runs" /* registry: sim.run's options → result */

/* One test file being run. */
struct qun_tfile {
  const struct qun_testfile_opts *o;
  struct qun_sandbox *sb;
  char dir[PATH_MAX];  /* the test file's directory as named: "" or ending in '/' */
  char root[PATH_MAX]; /* resolved: what a test names must lie under it */
  int64_t clock_ms;    /* the test file's own clock: fixed */
  int loading;         /* the top of the file runs: test() may declare cases */
  char *out;           /* print() and notes of the current case */
  size_t outlen, outcap;
  int outcut;
};

/* Wall time in seconds, for how long a case or a run took. */
double qun_test_now(void);
/* Adds a line to what the current case printed. */
void qun_test_note(struct qun_tfile *tf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 1 if path is dir or lies under it (both resolved). */
int qun_test_under(const char *path, const char *dir);

/* sim.run(file, opts) (testrun.c). */
int qun_test_sim_run(lua_State *L);

/* Raises "what: no NOUN 'key' (did you mean 'x'? NOUNs: a, b, c)". */
int qun_test_unknown(lua_State *L, const char *what, const char *noun, const char *key,
                     const char *const *known);

/* ---- the result of sim.run (testresult.c): a userdata that owns what the
 * dry-run kept (transcript lines, recorded requests, the summary) in C,
 * and whose methods (r:sends{...}, r:events{...}, r:lines{...},
 * r:requests{...}, r:summary(), r:time(...)) turn only what a query picks
 * into Lua tables. ---- */

struct qun_sim_result;
struct qun_testresult;

/* Registers the result's metatable (inside a protected call). */
void qun_testresult_open(lua_State *L);

/* Pushes a new result that owns nothing yet (may raise: call it before
 * taking any resource). */
struct qun_testresult *qun_testresult_new(lua_State *L);

/* Moves what the dry-run kept into r (res is left empty) with the run's
 * zone and window, for reading times in queries. Never raises; -1 if out
 * of memory (r then owns nothing). */
int qun_testresult_fill(struct qun_testresult *r, struct qun_sim_result *res, const char *tz,
                        int64_t start_s, int64_t end_s, const char *playbook);

/* For a note on the run: lines and sends. */
void qun_testresult_counts(const struct qun_testresult *r, size_t *lines, size_t *sends);

#endif
