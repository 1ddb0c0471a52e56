/* bind_schedule.c — schedule.at / schedule.every / schedule.after /
 * schedule.cancel and the `jobs` table of named one-off handlers. Thin:
 * arguments are read and checked here, the run does the rest. */
#include "host/bind.h"
#include "host/luajson.h"
#include "host/run.h"
#include "host/sandbox.h"
#include "core/timespec.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#define JOBS_BY_NAME "qun.jobs"   /* registry: name → function */
#define JOBS_BY_FN "qun.jobnames" /* registry: function → name */

int qun_bind_line(lua_State *L) {
  lua_Debug ar;
  for (int level = 1; lua_getstack(L, level, &ar); level++)
    if (lua_getinfo(L, "l", &ar) && ar.currentline > 0)
      return ar.currentline;
  return 0;
}

/* A time argument: epoch seconds (what a `time` param holds) or a string
 * the run's clock reads ("sat 20:00", "2026-11-28 20:00"). */
int64_t qun_bind_check_time(lua_State *L, int idx, const char *fn) {
  if (lua_isinteger(L, idx))
    return lua_tointeger(L, idx);
  if (lua_type(L, idx) == LUA_TSTRING) {
    int64_t t;
    /* At the top level, relative times count from the run's first start
     * (as params do): a restart does not move "sat 20:00" a week on. */
    struct qun_run *r = qun_run_of(L);
    int64_t from = qun_run_loading(r) ? qun_run_anchor(r) : qun_sandbox_now_ms(L);
    if (qun_time_parse(lua_tostring(L, idx), from / 1000, &t) < 0)
      qun_sandbox_error(L, "%s: cannot read \"%s\" as a time (expected e.g. \"sat 20:00\" or "
                           "\"2026-11-28 20:00\")", fn, lua_tostring(L, idx));
    return t;
  }
  qun_sandbox_error(L, "%s: the time must be epoch seconds or a string like \"sat 20:00\", not a %s",
                    fn, luaL_typename(L, idx));
  return 0;
}

int64_t qun_bind_check_duration(lua_State *L, int idx, const char *fn) {
  if (lua_isinteger(L, idx) && lua_tointeger(L, idx) >= 0)
    return lua_tointeger(L, idx);
  if (lua_type(L, idx) == LUA_TSTRING) {
    int64_t secs;
    if (qun_duration_parse(lua_tostring(L, idx), &secs) < 0)
      qun_sandbox_error(L, "%s: cannot read \"%s\" as a duration (expected e.g. \"90m\", \"2h\" "
                           "or \"1d12h\")", fn, lua_tostring(L, idx));
    return secs;
  }
  qun_sandbox_error(L, "%s: the delay must be seconds (≥ 0) or a string like \"2h\", not a %s", fn,
                    luaL_typename(L, idx));
  return 0;
}

static const char *check_name(lua_State *L, int idx, const char *fn) {
  if (lua_type(L, idx) != LUA_TSTRING || !*lua_tostring(L, idx))
    qun_sandbox_error(L, "%s: the second argument is the schedule's name (a string, its key "
                         "across restarts), not a %s", fn, luaL_typename(L, idx));
  return lua_tostring(L, idx);
}

static int top_level_only(lua_State *L, struct qun_run *r, const char *what) {
  if (!qun_run_loading(r))
    return qun_sandbox_error(L, "%s declares a schedule: call it at the top of the playbook; "
                                "inside a handler use schedule.after(delay, jobs.NAME, args)", what);
  return 0;
}

static void declare(lua_State *L, const char *fn, const struct qun_spec *spec, int64_t at_s) {
  struct qun_run *r = qun_run_of(L);
  top_level_only(L, r, fn);
  const char *name = check_name(L, 2, fn);
  luaL_checktype(L, 3, LUA_TFUNCTION);
  lua_pushvalue(L, 3);
  int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  char err[256];
  if (qun_run_declare(r, name, qun_bind_line(L), spec, at_s, ref, err, sizeof err) < 0) {
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
    lua_pushstring(L, err);
    qun_sandbox_error(L, "%s", lua_tostring(L, -1));
  }
}

/* The job name of the function at idx, or a clear error. */
static const char *job_name(lua_State *L, int idx, const char *fn) {
  if (lua_type(L, idx) == LUA_TFUNCTION) {
    lua_getfield(L, LUA_REGISTRYINDEX, JOBS_BY_FN);
    lua_pushvalue(L, idx);
    if (lua_rawget(L, -2) == LUA_TSTRING) {
      lua_replace(L, idx); /* keep the name alive on the stack */
      lua_pop(L, 1);
      return lua_tostring(L, idx);
    }
  }
  if (lua_isnil(L, idx))
    qun_sandbox_error(L, "%s: the job is nil: is jobs.NAME defined (function jobs.NAME(args) ... end)?", fn);
  qun_sandbox_error(L, "%s needs a named job: define it as function jobs.NAME(args) … end", fn);
  return NULL;
}

static int one_off(lua_State *L, const char *fn, int64_t due_ms) {
  struct qun_run *r = qun_run_of(L);
  const char *handler = job_name(L, 2, fn);
  char err[512];
  char *args = NULL;
  if (!lua_isnoneornil(L, 3)) {
    json_t *j = qun_lua_tojson(L, 3, "args", err, sizeof err);
    if (!j) {
      lua_pushstring(L, err);
      return qun_sandbox_error(L, "%s: %s", fn, lua_tostring(L, -1));
    }
    args = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    if (!args)
      return luaL_error(L, "not enough memory");
  }
  int64_t id = qun_run_job_add(r, handler, args ? args : "null", due_ms, err, sizeof err);
  free(args);
  if (id < 0) {
    lua_pushstring(L, err);
    return qun_sandbox_error(L, "%s: %s", fn, lua_tostring(L, -1));
  }
  lua_pushinteger(L, id);
  return 1;
}

/* schedule.at(time, name, fn) | schedule.at(time, jobs.NAME [, args]) */
static int schedule_at(lua_State *L) {
  int64_t t = qun_bind_check_time(L, 1, "schedule.at");
  if (lua_type(L, 2) == LUA_TSTRING) {
    declare(L, "schedule.at(time, name, fn)", NULL, t);
    return 0;
  }
  return one_off(L, "schedule.at", t * 1000);
}

/* schedule.every(spec, name, fn) */
static int schedule_every(lua_State *L) {
  const char *text = luaL_checkstring(L, 1);
  struct qun_spec spec;
  if (qun_spec_parse(text, &spec) < 0)
    return qun_sandbox_error(L, "schedule.every: cannot read \"%s\" as a schedule (expected e.g. "
                                "\"09:00\", \"mon-fri 09:00\", \"every 30m\" or a cron line "
                                "\"0 9 * * 1-5\")", text);
  if (qun_spec_next(&spec, 0, qun_sandbox_now_ms(L) / 1000) < 0) /* "0 0 30 2 *": February has no 30th */
    qun_run_warn(qun_run_of(L), L, "schedule.every: \"%s\" never comes in the next five years: it will "
                                   "not fire", text);
  declare(L, "schedule.every(spec, name, fn)", &spec, 0);
  return 0;
}

/* schedule.after(delay, jobs.NAME [, args]) */
static int schedule_after(lua_State *L) {
  int64_t secs = qun_bind_check_duration(L, 1, "schedule.after");
  return one_off(L, "schedule.after", qun_sandbox_now_ms(L) + secs * 1000);
}

/* schedule.cancel(id) → true if it was pending */
static int schedule_cancel(lua_State *L) {
  lua_Integer id = luaL_checkinteger(L, 1);
  lua_pushboolean(L, qun_run_job_cancel(qun_run_of(L), id) > 0);
  return 1;
}

/* jobs.NAME = function (args) ... end */
static int jobs_newindex(lua_State *L) {
  if (lua_type(L, 2) != LUA_TSTRING)
    return qun_sandbox_error(L, "jobs.NAME: a job's name is a string");
  if (lua_type(L, 3) != LUA_TFUNCTION)
    return qun_sandbox_error(L, "jobs.%s must be a function (function jobs.%s(args) ... end), not a %s",
                             lua_tostring(L, 2), lua_tostring(L, 2), luaL_typename(L, 3));
  lua_getfield(L, LUA_REGISTRYINDEX, JOBS_BY_NAME);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, -2) != LUA_TNIL)
    return qun_sandbox_error(L, "jobs.%s is defined twice", lua_tostring(L, 2));
  lua_pop(L, 1);
  lua_pushvalue(L, 2);
  lua_pushvalue(L, 3);
  lua_rawset(L, -3);
  lua_getfield(L, LUA_REGISTRYINDEX, JOBS_BY_FN);
  lua_pushvalue(L, 3);
  lua_pushvalue(L, 2);
  lua_rawset(L, -3);
  return 0;
}

static int jobs_index(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, JOBS_BY_NAME);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

int qun_bind_push_job(lua_State *L, const char *name) {
  lua_getfield(L, LUA_REGISTRYINDEX, JOBS_BY_NAME);
  int t = lua_getfield(L, -1, name);
  lua_remove(L, -2);
  return t == LUA_TFUNCTION;
}

/* schedule.time(t) → epoch seconds ("sat 20:00" in the run's zone) */
static int schedule_time(lua_State *L) {
  lua_pushinteger(L, qun_bind_check_time(L, 1, "schedule.time"));
  return 1;
}

/* schedule.duration(d) → seconds ("1h30m" → 5400) */
static int schedule_duration(lua_State *L) {
  lua_pushinteger(L, qun_bind_check_duration(L, 1, "schedule.duration"));
  return 1;
}

static const luaL_Reg schedule_funcs[] = {
    {"at", schedule_at}, {"every", schedule_every}, {"after", schedule_after},
    {"cancel", schedule_cancel}, {"time", schedule_time}, {"duration", schedule_duration},
    {NULL, NULL}};

void qun_bind_schedule(lua_State *L) {
  luaL_newlib(L, schedule_funcs);
  lua_setglobal(L, "schedule");
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, JOBS_BY_NAME);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, JOBS_BY_FN);
  lua_newtable(L); /* jobs: a proxy, so that every job is known by name */
  lua_createtable(L, 0, 3);
  lua_pushcfunction(L, jobs_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, jobs_index);
  lua_setfield(L, -2, "__index");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_setglobal(L, "jobs");
}
