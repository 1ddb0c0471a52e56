/* testfile.c — one playbook test file (see testfile.h): its sandbox, the
 * test() global, and the cases, run one call each. sim.run is testrun.c;
 * its result, testresult.c. */
#include "sim/test_int.h"
#include "core/timespec.h"
#include "core/tz.h"
#include "host/sandbox.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Queries may return big lists: more room than a playbook gets. */
#define TEST_MEM_CAP ((size_t)256 << 20)
#define OUTPUT_MAX (64 * 1024)
#define CASES_KEY "qun.test.cases" /* registry: { {name, fn, line}, ... } */

double qun_test_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- what a case prints ---- */

static void out_add(struct qun_tfile *tf, const char *s, size_t n) {
  if (tf->outcut)
    return;
  static const char cutmsg[] = "… (more output cut)\n";
  int cut = tf->outlen + n + 1 > OUTPUT_MAX;
  if (cut)
    n = OUTPUT_MAX - tf->outlen > 1 ? OUTPUT_MAX - tf->outlen - 1 : 0;
  size_t need = tf->outlen + n + 2 + sizeof cutmsg;
  if (need > tf->outcap) {
    size_t cap = need * 2;
    char *p = realloc(tf->out, cap);
    if (!p)
      return;
    tf->out = p, tf->outcap = cap;
  }
  memcpy(tf->out + tf->outlen, s, n);
  tf->outlen += n;
  tf->out[tf->outlen++] = '\n';
  if (cut) {
    memcpy(tf->out + tf->outlen, cutmsg, sizeof cutmsg - 1);
    tf->outlen += sizeof cutmsg - 1;
    tf->outcut = 1;
  }
  tf->out[tf->outlen] = '\0';
}

void qun_test_note(struct qun_tfile *tf, const char *fmt, ...) {
  char buf[600];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  out_add(tf, buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void test_log(void *ud, const char *msg, size_t len) {
  out_add(ud, msg, len);
}

static int64_t test_clock(void *ud) {
  return ((struct qun_tfile *)ud)->clock_ms;
}

int qun_test_under(const char *path, const char *dir) {
  size_t n = strlen(dir);
  if (n == 1 && dir[0] == '/')
    return 1;
  return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* ---- test(name, fn) ---- */

static int caller_line(lua_State *L) {
  lua_Debug ar;
  for (int level = 1; lua_getstack(L, level, &ar); level++)
    if (lua_getinfo(L, "l", &ar) && ar.currentline > 0)
      return ar.currentline;
  return 0;
}

static int l_test(lua_State *L) {
  struct qun_tfile *tf = qun_sandbox_of(L)->host;
  if (lua_type(L, 1) != LUA_TSTRING)
    return qun_sandbox_error(L, "test(name, fn): the name is a string, not a %s", luaL_typename(L, 1));
  const char *name = lua_tostring(L, 1);
  if (lua_type(L, 2) != LUA_TFUNCTION)
    return qun_sandbox_error(L, "test(\"%s\", fn): fn is a function, not a %s", name, luaL_typename(L, 2));
  if (!tf->loading)
    return qun_sandbox_error(L, "test(\"%s\", ...): cases are declared at the top of the file, not inside "
                                "another case", name);
  lua_settop(L, 2);
  lua_getfield(L, LUA_REGISTRYINDEX, CASES_KEY);
  lua_Integer n = (lua_Integer)lua_rawlen(L, 3);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, 3, i);
    lua_rawgeti(L, -1, 1);
    if (strcmp(lua_tostring(L, -1), name) == 0) {
      lua_rawgeti(L, -2, 3);
      return qun_sandbox_error(L, "test \"%s\" is declared twice (first at line %d)", name,
                               (int)lua_tointeger(L, -1));
    }
    lua_pop(L, 2);
  }
  lua_createtable(L, 3, 0);
  lua_pushvalue(L, 1);
  lua_rawseti(L, -2, 1);
  lua_pushvalue(L, 2);
  lua_rawseti(L, -2, 2);
  lua_pushinteger(L, caller_line(L));
  lua_rawseti(L, -2, 3);
  lua_rawseti(L, 3, n + 1);
  return 0;
}

/* ---- the file and its cases ---- */

static int setup(lua_State *L) {
  qun_testresult_open(L);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, CASES_KEY);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, QUN_TEST_RUNS_KEY);
  lua_pushcfunction(L, l_test);
  lua_setglobal(L, "test");
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, qun_test_sim_run);
  lua_setfield(L, -2, "run");
  lua_setglobal(L, "sim");
  lua_getglobal(L, "require");
  lua_pushliteral(L, "qun.expect");
  lua_call(L, 1, 1);
  lua_setglobal(L, "expect");
  return 0;
}

static int get_cases(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, CASES_KEY);
  return 1;
}

/* Reports a case, its message cut from the traceback ("msg\nstack
 * traceback:..."). */
static int report(struct qun_tfile *tf, const char *name, int ok, const char *err, char *trace, double secs) {
  char *msg = NULL;
  if (!ok) {
    const char *full = trace ? trace : err;
    const char *tb = strstr(full, "\nstack traceback:");
    msg = tb ? strndup(full, (size_t)(tb - full)) : strdup(full);
  }
  struct qun_testcase c = {.file = tf->o->path, .name = name, .ok = ok,
                           .message = msg ? msg : (ok ? NULL : err), .trace = trace,
                           .output = tf->out ? tf->out : "", .seconds = secs};
  tf->o->report(tf->o->ud, &c);
  free(msg);
  tf->outlen = 0, tf->outcut = 0;
  if (tf->out)
    tf->out[0] = '\0';
  return ok ? 0 : 1;
}

static void dir_of(const char *path, char *dir, size_t n) {
  snprintf(dir, n, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash)
    slash[1] = '\0';
  else
    dir[0] = '\0';
}

/* Runs each case declared, the cases table at the top of the stack. The
 * names are copied first: a case that exhausts the memory stops the state,
 * and the cases after it are reported by name, not run. */
static int run_cases(struct qun_tfile *tf) {
  struct qun_sandbox *sb = tf->sb;
  lua_State *L = sb->L;
  int cases = lua_gettop(L);
  size_t n = lua_rawlen(L, cases);
  char err[2048], *trace = NULL, **names = calloc(n, sizeof *names);
  int failures = 0;
  for (size_t i = 0; names && i < n; i++) {
    lua_rawgeti(L, cases, (lua_Integer)i + 1);
    lua_rawgeti(L, -1, 1);
    names[i] = strdup(lua_tostring(L, -1));
    lua_pop(L, 2);
  }
  for (size_t i = 0; i < n; i++) {
    const char *name = names && names[i] ? names[i] : "?";
    if (qun_sandbox_dead(sb)) {
      snprintf(err, sizeof err, "not run: an earlier case used up the test file's memory (%zu MiB)",
               sb->opts.mem_cap >> 20);
      failures += report(tf, name, 0, err, NULL, 0);
      continue;
    }
    lua_rawgeti(L, cases, (lua_Integer)i + 1);
    lua_rawgeti(L, -1, 2);
    lua_remove(L, -2);
    double t0 = qun_test_now();
    int rc = qun_sandbox_call(sb, 0, 0, err, sizeof err, &trace);
    failures += report(tf, name, rc >= 0, err, trace, qun_test_now() - t0);
    free(trace), trace = NULL;
  }
  for (size_t i = 0; names && i < n; i++)
    free(names[i]);
  free(names);
  lua_settop(L, cases - 1);
  return failures;
}

int qun_testfile_run(const struct qun_testfile_opts *o) {
  struct qun_tfile tf = {.o = o};
  char err[2048], *trace = NULL, real[PATH_MAX];
  int failures;
  dir_of(o->path, tf.dir, sizeof tf.dir);
  if (!realpath(o->path, real)) {
    snprintf(err, sizeof err, "%s: cannot read the file (%s)", o->path, strerror(errno));
    return report(&tf, NULL, 0, err, NULL, 0);
  }
  if (o->root && qun_test_under(real, o->root))
    snprintf(tf.root, sizeof tf.root, "%s", o->root);
  else
    dir_of(real, tf.root, sizeof tf.root);
  size_t rl = strlen(tf.root);
  if (rl > 1 && tf.root[rl - 1] == '/')
    tf.root[rl - 1] = '\0';
  /* Every file starts in the default zone, on the same fixed clock. */
  qun_tz_set(QUN_TZ_DEFAULT);
  int64_t t = 0;
  qun_time_parse(QUN_TEST_DEFAULT_START, 0, &t);
  tf.clock_ms = t * 1000;
  struct qun_sandbox_opts so = {.mem_cap = TEST_MEM_CAP, .path = o->path, .seed = o->seed,
                                .now_ms = test_clock, .log = test_log, .ud = &tf};
  double t0 = qun_test_now();
  if (!(tf.sb = qun_sandbox_new(&so))) {
    snprintf(err, sizeof err, "%s: out of memory", o->path);
    failures = report(&tf, NULL, 0, err, NULL, 0);
    goto out;
  }
  tf.sb->host = &tf;
  lua_pushcfunction(tf.sb->L, setup);
  if (qun_sandbox_call(tf.sb, 0, 0, err, sizeof err, NULL) != 0 || qun_sandbox_load(tf.sb, err, sizeof err) < 0) {
    failures = report(&tf, NULL, 0, err, NULL, 0);
    goto out;
  }
  tf.loading = 1;
  int rc = qun_sandbox_call(tf.sb, 0, 0, err, sizeof err, &trace);
  tf.loading = 0;
  if (rc < 0) {
    failures = report(&tf, NULL, 0, err, trace, qun_test_now() - t0);
    goto out;
  }
  lua_pushcfunction(tf.sb->L, get_cases);
  if (qun_sandbox_call(tf.sb, 0, 1, err, sizeof err, NULL) != 0) {
    failures = report(&tf, NULL, 0, err, NULL, 0);
    goto out;
  }
  /* A file without test() calls is one case: it passed by running. */
  if (lua_rawlen(tf.sb->L, -1) == 0)
    failures = report(&tf, NULL, 1, NULL, NULL, qun_test_now() - t0);
  else
    failures = run_cases(&tf);
out:
  free(trace);
  qun_sandbox_free(tf.sb);
  free(tf.out);
  return failures;
}
