/* testfile.c — one playbook test file (see testfile.h): its sandbox, the
 * test() and sim.run() globals, and the cases run one call each. */
#include "sim/testfile.h"
#include "sim/testresult.h"
#include "sim/sim.h"
#include "core/timespec.h"
#include "core/tz.h"
#include "host/config.h"
#include "host/sandbox.h"

#include <errno.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Queries may return big lists: more room than a playbook gets. */
#define TEST_MEM_CAP ((size_t)256 << 20)
#define OUTPUT_MAX (64 * 1024)
#define MAX_SETS 256
#define MAX_ENV 64
#define GRACE_DEFAULT_MS (10 * 60 * 1000)
#define CASES_KEY "qun.test.cases" /* registry: { {name, fn, line}, ... } */
#define RUNS_KEY "qun.test.runs"   /* registry: options → result */

struct tf {
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

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- what a case prints ---- */

static void out_add(struct tf *tf, const char *s, size_t n) {
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

static void test_log(void *ud, const char *msg, size_t len) {
  out_add(ud, msg, len);
}

static int64_t test_clock(void *ud) {
  return ((struct tf *)ud)->clock_ms;
}

/* ---- paths ---- */

static int under(const char *path, const char *dir) {
  size_t n = strlen(dir);
  if (n == 1 && dir[0] == '/')
    return 1;
  return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* "a/b/../c/./d" → "a/c/d", in place: ".." after a plain name cancels it
 * (a leading ".." stays). */
static void tidy(char *path) {
  char *parts[PATH_MAX / 2];
  int n = 0, abs = path[0] == '/';
  char copy[PATH_MAX];
  snprintf(copy, sizeof copy, "%s", path);
  for (char *save = NULL, *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
    if (strcmp(t, ".") == 0)
      continue;
    if (strcmp(t, "..") == 0 && n > 0 && strcmp(parts[n - 1], "..") != 0)
      n--;
    else
      parts[n++] = t;
  }
  size_t len = 0;
  path[0] = '\0';
  if (abs)
    path[len++] = '/', path[len] = '\0';
  for (int i = 0; i < n; i++)
    len += (size_t)snprintf(path + len, PATH_MAX - len, "%s%s", i ? "/" : "", parts[i]);
  if (len == 0)
    snprintf(path, PATH_MAX, ".");
}

/* Pushes the path of `name` next to the test file and returns it, after
 * checking that it exists and lies under the root (a test file from
 * elsewhere reads nothing outside the project). The path is tidied
 * ("tests/a/../b.lua" → "tests/b.lua") when that names the same file. */
static const char *push_path(lua_State *L, struct tf *tf, const char *what, const char *name) {
  if (!*name || name[0] == '/')
    qun_sandbox_error(L, "sim.run: %s \"%s\": a path relative to the test file", what, name);
  char path[PATH_MAX], tidied[PATH_MAX], real[PATH_MAX], real2[PATH_MAX];
  snprintf(path, sizeof path, "%s%s", tf->dir, name);
  if (!realpath(path, real)) {
    int e = errno;
    qun_sandbox_error(L, "sim.run: %s \"%s\": %s (looked for %s)", what, name, strerror(e), path);
  }
  if (!under(real, tf->root))
    qun_sandbox_error(L, "sim.run: %s \"%s\" is outside %s: a test reads only the files of the project "
                         "it tests", what, name, tf->root);
  snprintf(tidied, sizeof tidied, "%s", path);
  tidy(tidied);
  lua_pushstring(L, realpath(tidied, real2) && strcmp(real, real2) == 0 ? tidied : path);
  return lua_tostring(L, -1);
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
  struct tf *tf = qun_sandbox_of(L)->host;
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

/* ---- sim.run(file, opts) ---- */

static const char *const run_options[] = {"audience", "members", "start", "days", "seed",
                                          "config", "set", "env", "model", NULL};

struct runopts {
  const char *playbook, *config, *members, *model;
  const char *start;   /* text, or NULL */
  int has_start;       /* a number of epoch seconds in start_s */
  int64_t start_s;
  lua_Integer audience;
  double days;
  lua_Integer seed;
  const char *sets[MAX_SETS];
  int nsets;
  char *env[MAX_ENV + 3]; /* what the config's env() sees: env = { NAME = value }, TZ, TZDIR */
  int nenv;
};

/* Pushes the option's value (nil if absent). */
static int opt(lua_State *L, int t, const char *name) {
  if (!t) {
    lua_pushnil(L);
    return LUA_TNIL;
  }
  lua_pushstring(L, name);
  return lua_rawget(L, t);
}

static lua_Integer opt_int(lua_State *L, int t, const char *name, lua_Integer dflt, lua_Integer lo,
                           lua_Integer hi, const char *what) {
  int ty = opt(L, t, name);
  lua_Integer v = dflt;
  int ok = 1;
  if (ty != LUA_TNIL)
    v = lua_tointegerx(L, -1, &ok);
  if (!ok || v < lo || v > hi)
    qun_sandbox_error(L, "sim.run: %s is %s, not %s", name, what, luaL_tolstring(L, -1, NULL));
  lua_pop(L, 1);
  return v;
}

static const char *opt_path(lua_State *L, struct tf *tf, int t, const char *name, const char *what) {
  int ty = opt(L, t, name);
  if (ty == LUA_TNIL) {
    lua_pop(L, 1);
    return NULL;
  }
  if (ty != LUA_TSTRING)
    qun_sandbox_error(L, "sim.run: %s is a path (a string), not a %s", name, luaL_typename(L, -1));
  const char *p = push_path(L, tf, what, lua_tostring(L, -1));
  lua_remove(L, -2); /* the path stays on the stack */
  return p;
}

/* Pushes the text a param value is given as: a string, a number, a
 * boolean, or a list of them (comma-separated, as --set takes it). */
static void push_set_value(lua_State *L, const char *name, int idx, int in_list) {
  switch (lua_type(L, idx)) {
  case LUA_TSTRING:
    if (in_list && strchr(lua_tostring(L, idx), ','))
      qun_sandbox_error(L, "sim.run: set.%s: a list item cannot contain a comma", name);
    lua_pushvalue(L, idx);
    return;
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx))
      lua_pushfstring(L, "%I", (LUAI_UACINT)lua_tointeger(L, idx));
    else
      lua_pushfstring(L, "%f", (LUAI_UACNUMBER)lua_tonumber(L, idx));
    return;
  case LUA_TBOOLEAN:
    lua_pushstring(L, lua_toboolean(L, idx) ? "true" : "false");
    return;
  case LUA_TTABLE:
    if (!in_list) {
      int n = (int)lua_rawlen(L, idx);
      luaL_checkstack(L, 2 * n + 4, "too many items");
      for (int i = 1; i <= n; i++) {
        if (i > 1)
          lua_pushliteral(L, ",");
        lua_rawgeti(L, idx, i);
        push_set_value(L, name, lua_gettop(L), 1);
        lua_remove(L, -2);
      }
      if (n == 0)
        lua_pushliteral(L, "");
      else
        lua_concat(L, 2 * n - 1);
      return;
    }
    /* fall through */
  default:
    qun_sandbox_error(L, "sim.run: set.%s is a string, a number, a boolean or a list of them, not a %s", name,
                      luaL_typename(L, idx));
  }
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reads set = { name = value } into "name=value" texts, sorted (the
 * order does not matter to the run, and the cache key is stable). */
static void read_sets(lua_State *L, int t, struct runopts *ro) {
  if (opt(L, t, "set") == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  if (!lua_istable(L, -1))
    qun_sandbox_error(L, "sim.run: set is a table { name = value }, not a %s", luaL_typename(L, -1));
  int s = lua_gettop(L);
  lua_newtable(L); /* the texts, kept on the stack */
  int texts = s + 1;
  lua_pushnil(L);
  while (lua_next(L, s)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      qun_sandbox_error(L, "sim.run: set is { name = value }: a %s key", luaL_typename(L, -2));
    if (ro->nsets == MAX_SETS)
      qun_sandbox_error(L, "sim.run: more than %d params in set", MAX_SETS);
    const char *name = lua_tostring(L, -2);
    push_set_value(L, name, lua_gettop(L), 0);
    lua_pushfstring(L, "%s=%s", name, lua_tostring(L, -1));
    ro->sets[ro->nsets++] = lua_tostring(L, -1);
    lua_rawseti(L, texts, ro->nsets);
    lua_pop(L, 2);
  }
  lua_remove(L, s);
  qsort(ro->sets, (size_t)ro->nsets, sizeof ro->sets[0], by_name);
}

/* env = { NAME = "value" }: the whole environment a config's env() reads
 * in a test. A test never sees the real environment: no secret of the
 * machine it runs on can reach a test or its output, and it gives the
 * same result on every machine. */
static void read_env(lua_State *L, int t, struct runopts *ro) {
  if (opt(L, t, "env") == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  if (!lua_istable(L, -1))
    qun_sandbox_error(L, "sim.run: env is a table { NAME = \"value\" }, not a %s", luaL_typename(L, -1));
  int e = lua_gettop(L);
  lua_newtable(L); /* the "NAME=value" texts, kept on the stack */
  int texts = e + 1;
  lua_pushnil(L);
  while (lua_next(L, e)) {
    const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
    if (!name || !*name || strchr(name, '='))
      qun_sandbox_error(L, "sim.run: env is { NAME = \"value\" }: %s is not a variable name",
                        luaL_tolstring(L, -2, NULL));
    if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
      qun_sandbox_error(L, "sim.run: env.%s is a string, not a %s", name, luaL_typename(L, -1));
    if (ro->nenv == MAX_ENV)
      qun_sandbox_error(L, "sim.run: more than %d variables in env", MAX_ENV);
    lua_pushfstring(L, "%s=%s", name, lua_tostring(L, -1));
    ro->env[ro->nenv++] = (char *)lua_tostring(L, -1);
    lua_rawseti(L, texts, ro->nenv);
    lua_pop(L, 1);
  }
  lua_remove(L, e);
  qsort(ro->env, (size_t)ro->nenv, sizeof ro->env[0], by_name);
}

static void read_options(lua_State *L, struct tf *tf, struct runopts *ro) {
  int t = lua_istable(L, 2) ? 2 : 0;
  if (!t && !lua_isnoneornil(L, 2))
    qun_sandbox_error(L, "sim.run(file, opts): opts is a table, not a %s", luaL_typename(L, 2));
  if (t) {
    lua_pushnil(L);
    while (lua_next(L, t)) {
      const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : luaL_typename(L, -2);
      int known = 0;
      for (int i = 0; run_options[i] && !known; i++)
        known = strcmp(run_options[i], k) == 0;
      if (!known)
        qun_test_unknown(L, "sim.run", "option", k, run_options);
      lua_pop(L, 1);
    }
  }
  ro->config = opt_path(L, tf, t, "config", "config");
  ro->members = opt_path(L, tf, t, "members", "members");
  ro->model = opt_path(L, tf, t, "model", "model");
  ro->audience = opt_int(L, t, "audience", ro->members ? 0 : QUN_TEST_DEFAULT_AUDIENCE, 0, 10000000,
                         "a number of members from 1 to 10000000");
  if (opt(L, t, "audience") != LUA_TNIL && ro->members)
    qun_sandbox_error(L, "sim.run: audience and members: one or the other");
  lua_pop(L, 1);
  if (!ro->members && ro->audience < 1)
    qun_sandbox_error(L, "sim.run: audience is a number of members from 1 to 10000000, not %d",
                      (int)ro->audience);
  ro->seed = opt_int(L, t, "seed", (lua_Integer)(tf->o->seed & 0x7fffffffffffffffULL), 0, LUA_MAXINTEGER,
                     "a whole number");
  int ty = opt(L, t, "days");
  ro->days = QUN_TEST_DEFAULT_DAYS;
  if (ty != LUA_TNIL) {
    if (ty != LUA_TNUMBER || !(lua_tonumber(L, -1) > 0 && lua_tonumber(L, -1) <= 366))
      qun_sandbox_error(L, "sim.run: days is a number above 0 and at most 366, not %s",
                        luaL_tolstring(L, -1, NULL));
    ro->days = (double)lua_tonumber(L, -1);
  }
  lua_pop(L, 1);
  ty = opt(L, t, "start");
  if (ty == LUA_TSTRING) {
    ro->start = lua_tostring(L, -1); /* stays on the stack */
  } else if (ty == LUA_TNUMBER && lua_isinteger(L, -1)) {
    ro->has_start = 1, ro->start_s = (int64_t)lua_tointeger(L, -1);
    lua_pop(L, 1);
  } else if (ty != LUA_TNIL) {
    qun_sandbox_error(L, "sim.run: start is a time (\"2026-11-23 00:00\") or epoch seconds, not %s",
                      luaL_tolstring(L, -1, NULL));
  } else {
    lua_pop(L, 1);
  }
  read_sets(L, t, ro);
  read_env(L, t, ro);
}

/* Pushes the cache key: every option that changes the run. */
static void push_key(lua_State *L, const struct runopts *ro) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  const char *const parts[] = {ro->playbook, ro->config, ro->members, ro->model, ro->start};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    luaL_addstring(&b, parts[i] ? parts[i] : "");
    luaL_addchar(&b, '\n');
  }
  char num[128];
  snprintf(num, sizeof num, "%d %lld %lld %lld %.17g\n", ro->has_start, (long long)ro->start_s,
           (long long)ro->audience, (long long)ro->seed, ro->days);
  luaL_addstring(&b, num);
  for (int i = 0; i < ro->nsets; i++) {
    luaL_addstring(&b, ro->sets[i]);
    luaL_addchar(&b, '\n');
  }
  luaL_addstring(&b, "env\n");
  for (int i = 0; i < ro->nenv; i++) {
    luaL_addstring(&b, ro->env[i]);
    luaL_addchar(&b, '\n');
  }
  luaL_pushresult(&b);
}

static void note(struct tf *tf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct tf *tf, const char *fmt, ...) {
  char buf[600];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  out_add(tf, buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

extern char **environ;

/* Loads the config with only the test's env (and the zone's TZ, TZDIR) in
 * the environment: qun test is one thread, and the real environment is
 * back before anything else runs. */
static int load_config(struct runopts *ro, struct qun_config *cfg, char *err, size_t errlen) {
  char tz[PATH_MAX + 4], tzdir[PATH_MAX + 8];
  int n = ro->nenv;
  if (getenv("TZ") && (size_t)snprintf(tz, sizeof tz, "TZ=%s", getenv("TZ")) < sizeof tz)
    ro->env[n++] = tz;
  if (getenv("TZDIR") && (size_t)snprintf(tzdir, sizeof tzdir, "TZDIR=%s", getenv("TZDIR")) < sizeof tzdir)
    ro->env[n++] = tzdir;
  ro->env[n] = NULL;
  char **real = environ;
  environ = ro->env;
  int rc = qun_config_load(ro->config, cfg, err, errlen);
  environ = real;
  ro->env[ro->nenv] = NULL;
  if (rc < 0 && strstr(err, "is not set: export it"))
    snprintf(err + strlen(err), errlen - strlen(err), " (a test sees no real environment: give it in "
                                                      "sim.run's env = { NAME = \"...\" })");
  return rc;
}

/* The dry-run itself: C only, nothing may raise here. Returns 0, or -1
 * with the reason in err. */
static int dry_run(struct runopts *ro, struct qun_testresult *r, char *err, size_t errlen) {
  struct qun_config cfg;
  int have_cfg = 0, rc = -1;
  const char *sets[2 * MAX_SETS];
  int nsets = 0;
  int64_t grace_ms = GRACE_DEFAULT_MS;
  char tz[64];
  snprintf(tz, sizeof tz, "%s", QUN_TZ_DEFAULT);
  if (ro->config) {
    have_cfg = 1;
    if (load_config(ro, &cfg, err, errlen) < 0)
      goto out;
    snprintf(tz, sizeof tz, "%s", cfg.timezone);
    grace_ms = cfg.grace_s * 1000;
    for (int i = 0; i < cfg.nsets && nsets < MAX_SETS; i++)
      sets[nsets++] = cfg.sets[i];
  }
  for (int i = 0; i < ro->nsets; i++)
    sets[nsets++] = ro->sets[i];
  if (qun_tz_set(tz) < 0) {
    snprintf(err, errlen, "the tz database has no zone %s", tz);
    goto out;
  }
  /* The window, in the run's zone; "mon 09:00" counts from the default start. */
  int64_t ref, start;
  if (qun_time_parse(QUN_TEST_DEFAULT_START, 0, &ref) < 0) {
    snprintf(err, errlen, "cannot read the default start");
    goto out;
  }
  start = ro->has_start ? ro->start_s : ref;
  if (ro->start && qun_time_parse(ro->start, ref, &start) < 0) {
    snprintf(err, errlen, "start: cannot read \"%s\" as a time (e.g. \"2026-11-23 00:00\" or \"mon 09:00\")",
             ro->start);
    goto out;
  }
  int64_t span_ms = (int64_t)(ro->days * 86400000.0);
  struct qun_sim_opts so = {.playbook = ro->playbook, .cfg = have_cfg ? &cfg : NULL, .sets = sets,
                            .nsets = nsets, .audience = (int)ro->audience, .members_csv = ro->members,
                            .model = ro->model, .start_ms = start * 1000, .end_ms = start * 1000 + span_ms,
                            .seed = (uint64_t)ro->seed, .grace_ms = grace_ms, .keep = 1};
  struct qun_sim_result res;
  if (qun_sim_run(&so, &res, err, errlen) < 0)
    goto out;
  if (qun_testresult_fill(r, &res, tz, start, (so.end_ms + 999) / 1000, ro->playbook) < 0) {
    snprintf(err, errlen, "out of memory keeping the run");
    goto out;
  }
  rc = 0;
out:
  if (have_cfg)
    qun_config_free(&cfg);
  return rc;
}

static int l_sim_run(lua_State *L) {
  struct tf *tf = qun_sandbox_of(L)->host;
  if (lua_type(L, 1) != LUA_TSTRING)
    return qun_sandbox_error(L, "sim.run(file, opts): file is the playbook's path next to the test, not a %s",
                             luaL_typename(L, 1));
  lua_settop(L, 2);
  struct runopts ro;
  memset(&ro, 0, sizeof ro);
  ro.playbook = push_path(L, tf, "file", lua_tostring(L, 1));
  read_options(L, tf, &ro);
  push_key(L, &ro);
  int key = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, RUNS_KEY);
  int runs = lua_gettop(L);
  lua_pushvalue(L, key);
  if (lua_rawget(L, runs) != LUA_TNIL) {
    note(tf, "sim.run %s: the same run as before", ro.playbook);
    return 1;
  }
  lua_pop(L, 1);
  /* The result owns the run's JSON from here; a raise frees it. */
  struct qun_testresult *r = qun_testresult_new(L);
  char err[1024];
  double t0 = now_s();
  if (dry_run(&ro, r, err, sizeof err) < 0)
    return qun_sandbox_error(L, "sim.run: %s", err);
  size_t lines, sends;
  qun_testresult_counts(r, &lines, &sends);
  note(tf, "sim.run %s: %zu lines, %zu sends (%.2f s)", ro.playbook, lines, sends, now_s() - t0);
  lua_pushvalue(L, key);
  lua_pushvalue(L, -2);
  lua_rawset(L, runs);
  return 1;
}

/* ---- the file and its cases ---- */

static int setup(lua_State *L) {
  qun_testresult_open(L);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, CASES_KEY);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, RUNS_KEY);
  lua_pushcfunction(L, l_test);
  lua_setglobal(L, "test");
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, l_sim_run);
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
static int report(struct tf *tf, const char *name, int ok, const char *err, char *trace, double secs) {
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
static int run_cases(struct tf *tf) {
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
    double t0 = now_s();
    int rc = qun_sandbox_call(sb, 0, 0, err, sizeof err, &trace);
    failures += report(tf, name, rc >= 0, err, trace, now_s() - t0);
    free(trace), trace = NULL;
  }
  for (size_t i = 0; names && i < n; i++)
    free(names[i]);
  free(names);
  lua_settop(L, cases - 1);
  return failures;
}

int qun_testfile_run(const struct qun_testfile_opts *o) {
  struct tf tf = {.o = o};
  char err[2048], *trace = NULL, real[PATH_MAX];
  int failures;
  dir_of(o->path, tf.dir, sizeof tf.dir);
  if (!realpath(o->path, real)) {
    snprintf(err, sizeof err, "%s: cannot read the file (%s)", o->path, strerror(errno));
    return report(&tf, NULL, 0, err, NULL, 0);
  }
  if (o->root && under(real, o->root))
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
  double t0 = now_s();
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
    failures = report(&tf, NULL, 0, err, trace, now_s() - t0);
    goto out;
  }
  lua_pushcfunction(tf.sb->L, get_cases);
  if (qun_sandbox_call(tf.sb, 0, 1, err, sizeof err, NULL) != 0) {
    failures = report(&tf, NULL, 0, err, NULL, 0);
    goto out;
  }
  /* A file without test() calls is one case: it passed by running. */
  if (lua_rawlen(tf.sb->L, -1) == 0)
    failures = report(&tf, NULL, 1, NULL, NULL, now_s() - t0);
  else
    failures = run_cases(&tf);
out:
  free(trace);
  qun_sandbox_free(tf.sb);
  free(tf.out);
  return failures;
}
