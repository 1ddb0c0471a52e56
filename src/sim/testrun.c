/* testrun.c — sim.run(file, opts) in a playbook test: reads the options
 * (paths next to the test file and inside the project, params, the
 * environment a config sees), runs the dry-run (sim/sim.h) with nothing
 * raised while C holds the config, and caches the result by options for
 * the rest of the file. */
#include "sim/test_int.h"
#include "sim/sim.h"
#include "core/timespec.h"
#include "core/tz.h"
#include "host/config.h"
#include "host/sandbox.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SETS 256
#define MAX_ENV 64
#define GRACE_DEFAULT_MS (10 * 60 * 1000)

/* ---- paths ---- */

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
static const char *push_path(lua_State *L, struct qun_tfile *tf, const char *what, const char *name) {
  if (!*name || name[0] == '/')
    qun_sandbox_error(L, "sim.run: %s \"%s\": a path relative to the test file", what, name);
  char path[PATH_MAX], tidied[PATH_MAX], real[PATH_MAX], real2[PATH_MAX];
  snprintf(path, sizeof path, "%s%s", tf->dir, name);
  if (!realpath(path, real)) {
    int e = errno;
    qun_sandbox_error(L, "sim.run: %s \"%s\": %s (looked for %s)", what, name, strerror(e), path);
  }
  if (!qun_test_under(real, tf->root))
    qun_sandbox_error(L, "sim.run: %s \"%s\" is outside %s: a test reads only the files of the project "
                         "it tests", what, name, tf->root);
  snprintf(tidied, sizeof tidied, "%s", path);
  tidy(tidied);
  lua_pushstring(L, realpath(tidied, real2) && strcmp(real, real2) == 0 ? tidied : path);
  return lua_tostring(L, -1);
}

/* ---- sim.run(file, opts) ---- */

static const char *const run_options[] = {"audience", "members", "start", "days", "seed",
                                          "config", "set", "env", "model", "events", NULL};

struct runopts {
  const char *playbook, *config, *members, *model, *events;
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

static const char *opt_path(lua_State *L, struct qun_tfile *tf, int t, const char *name, const char *what) {
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

static void read_options(lua_State *L, struct qun_tfile *tf, struct runopts *ro) {
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
  ro->events = opt_path(L, tf, t, "events", "events");
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
  const char *const parts[] = {ro->playbook, ro->config, ro->members, ro->model, ro->events, ro->start};
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
  int rc = qun_config_load(ro->config, cfg, QUN_CONFIG_DRY, err, errlen);
  environ = real;
  ro->env[ro->nenv] = NULL;
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
                            .model = ro->model, .events = ro->events, .start_ms = start * 1000,
                            .end_ms = start * 1000 + span_ms,
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

int qun_test_sim_run(lua_State *L) {
  struct qun_tfile *tf = qun_sandbox_of(L)->host;
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
  lua_getfield(L, LUA_REGISTRYINDEX, QUN_TEST_RUNS_KEY);
  int runs = lua_gettop(L);
  lua_pushvalue(L, key);
  if (lua_rawget(L, runs) != LUA_TNIL) {
    qun_test_note(tf, "sim.run %s: the same run as before", ro.playbook);
    return 1;
  }
  lua_pop(L, 1);
  /* The result owns the run's JSON from here; a raise frees it. */
  struct qun_testresult *r = qun_testresult_new(L);
  char err[1024];
  double t0 = qun_test_now();
  if (dry_run(&ro, r, err, sizeof err) < 0)
    return qun_sandbox_error(L, "sim.run: %s", err);
  size_t lines, sends;
  qun_testresult_counts(r, &lines, &sends);
  qun_test_note(tf, "sim.run %s: %zu lines, %zu sends (%.2f s)", ro.playbook, lines, sends, qun_test_now() - t0);
  lua_pushvalue(L, key);
  lua_pushvalue(L, -2);
  lua_rawset(L, runs);
  return 1;
}

