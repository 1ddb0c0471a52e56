/* testfile.h — one playbook test file (`qun test`). The file is Lua run in
 * a sandbox like any playbook (test files travel with playbooks), with
 * three more globals: test(name, fn) declares a case, sim.run(file, opts)
 * rehearses a playbook (sim/sim.h) and returns a result whose queries
 * (sim/query.h) pick transcript lines, and expect(value) is the matcher
 * library lua/stdlib/qun/expect.lua. Each case runs as its own call (its
 * own instruction budget); a file without test() calls is one case. Dry-
 * runs are cached by their options for the rest of the file.
 * Uses: host/sandbox, host/config, host/luajson, sim/sim, sim/query. */
#ifndef QUN_TESTFILE_H
#define QUN_TESTFILE_H

#include <stddef.h>
#include <stdint.h>

/* The start of a dry-run when a test does not say (a Monday): a fixed date,
 * so that a test gives the same result whatever day it runs. Also the
 * clock of the test file itself (os.time()). */
#define QUN_TEST_DEFAULT_START "2026-01-05 00:00"
#define QUN_TEST_DEFAULT_AUDIENCE 200
#define QUN_TEST_DEFAULT_DAYS 7

/* How one case went. */
struct qun_testcase {
  const char *file;
  const char *name;     /* NULL: the file as a whole (no test() calls, or it did not load) */
  int ok;
  const char *message;  /* a failure: "file:line: expected ..., got ..." (may have several lines) */
  const char *trace;    /* a failure: the Lua traceback, or NULL */
  const char *output;   /* what print() wrote, and notes on each sim.run; "" if nothing */
  double seconds;       /* wall time */
};

struct qun_testfile_opts {
  const char *path;      /* the test file, as the user named it */
  /* Files a test names (playbooks, configs, rosters, models) must lie
   * under this directory (an absolute, resolved path), or under the test
   * file's own directory when the test file is not under it. NULL: the
   * test file's directory. */
  const char *root;
  uint64_t seed;         /* sim.run's seed when the test gives none */
  void (*report)(void *ud, const struct qun_testcase *c);
  void *ud;
};

/* Runs every case of the file, calling report once per case (once for a
 * file that does not load, or declares no case). Returns the number of
 * failed cases; a file that does not load is one failure. */
int qun_testfile_run(const struct qun_testfile_opts *o);

#endif
