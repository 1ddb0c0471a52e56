/* bind_countdown.c — countdown(deadline, offsets, fn): for each offset
 * ("3h", "1h30m", "10m" or seconds) a named schedule at deadline − offset
 * whose handler gets `left`: { seconds =, text = "3小时" }, which prints as
 * its text (tostring, .., and {left} in send templates). The names derive
 * from the deadline and the offset, so they are the same at every start. */
#include "host/bind.h"
#include "host/run.h"
#include "host/sandbox.h"
#include "core/timespec.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#define LEFT_MT "qun.left"

static int left_tostring(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "text");
  return 1;
}

/* "还剩 " .. left and left .. "!" */
static int left_concat(lua_State *L) {
  for (int i = 1; i <= 2; i++)
    if (lua_istable(L, i)) {
      lua_getfield(L, i, "text");
      lua_replace(L, i);
    }
  lua_concat(L, 2);
  return 1;
}

/* The time left at the moment the mark fires: the offset when it fires on
 * time, less when a restart fires it late (within the grace). The text is
 * to the minute, rounded, so that a mark a second late still reads "3小时". */
static void push_left(lua_State *L, int64_t secs) {
  char text[64];
  int64_t shown = secs >= 60 ? (secs + 30) / 60 * 60 : secs;
  qun_duration_format_zh(shown, text, sizeof text);
  lua_createtable(L, 0, 2);
  lua_pushinteger(L, secs);
  lua_setfield(L, -2, "seconds");
  lua_pushstring(L, text);
  lua_setfield(L, -2, "text");
  luaL_setmetatable(L, LEFT_MT);
}

/* The handler of one mark: upvalues fn, deadline (s), offset (s). */
static int fire_mark(lua_State *L) {
  int64_t deadline = lua_tointeger(L, lua_upvalueindex(2));
  int64_t offset = lua_tointeger(L, lua_upvalueindex(3));
  int64_t now = qun_sandbox_now_ms(L) / 1000, due = now;
  if (lua_istable(L, 1) && lua_getfield(L, 1, "due") == LUA_TNUMBER)
    due = lua_tointeger(L, -1);
  int64_t left = deadline - (now > due ? now : due);
  if (offset > 0 && left <= 0) { /* fired so late that the deadline has passed */
    qun_run_skip_current(qun_run_of(L), "the deadline passed before this mark could fire");
    return 0;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  push_left(L, left < 0 ? 0 : left);
  lua_call(L, 1, 0);
  return 0;
}

/* One offset → seconds before the deadline; *negative set for "-1h" or -60. */
static int64_t read_offset(lua_State *L, int idx, lua_Integer i, int *negative) {
  *negative = 0;
  if (lua_isinteger(L, idx)) {
    int64_t v = lua_tointeger(L, idx);
    *negative = v < 0;
    return v < 0 ? -v : v;
  }
  if (lua_type(L, idx) == LUA_TSTRING) {
    const char *s = lua_tostring(L, idx);
    int64_t secs;
    if (qun_duration_parse(s[0] == '-' ? s + 1 : s, &secs) < 0)
      qun_sandbox_error(L, "countdown: offset %d \"%s\" is not a duration (e.g. \"3h\", \"1h30m\", "
                           "\"10m\")", (int)i, s);
    *negative = s[0] == '-';
    return secs;
  }
  qun_sandbox_error(L, "countdown: offset %d is a duration like \"3h\" or seconds, not a %s", (int)i,
                    luaL_typename(L, idx));
  return 0;
}

/* countdown(deadline, offsets, fn) */
static int l_countdown(lua_State *L) {
  struct qun_run *r = qun_run_of(L);
  lua_settop(L, 3);
  if (!qun_run_loading(r))
    return qun_sandbox_error(L, "countdown declares schedules: call it at the top of the playbook");
  int64_t deadline = qun_bind_check_time(L, 1, "countdown");
  if (!lua_istable(L, 2) || lua_rawlen(L, 2) == 0)
    return qun_sandbox_error(L, "countdown(deadline, offsets, fn): offsets is a list like "
                                "{ \"3h\", \"1h\", \"10m\" }");
  if (lua_type(L, 3) != LUA_TFUNCTION)
    return qun_sandbox_error(L, "countdown(deadline, offsets, fn): fn is a function(left), not a %s",
                             luaL_typename(L, 3));
  lua_newtable(L); /* names seen: offset text by name */
  int seen = lua_gettop(L);
  lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, 2, i);
    int negative;
    int64_t off = read_offset(L, lua_gettop(L), i, &negative);
    char canon[32], name[96];
    qun_duration_format(off, canon, sizeof canon);
    if (lua_type(L, -1) != LUA_TSTRING) { /* seconds (a list of durations param): shown as "2h" */
      lua_pop(L, 1);
      lua_pushfstring(L, "%s%s", negative ? "-" : "", canon);
    }
    const char *given = lua_tostring(L, -1);
    if (negative) {
      qun_run_warn(r, L, "countdown: offset \"%s\" is after the deadline (negative): ignored", given);
      lua_pop(L, 1);
      continue;
    }
    snprintf(name, sizeof name, "countdown@%lld-%s", (long long)deadline, canon);
    if (lua_getfield(L, seen, name) == LUA_TSTRING) {
      qun_run_warn(r, L, "countdown: offset \"%s\" is given twice (as \"%s\" before): once is enough",
                   given, lua_tostring(L, -1));
      lua_pop(L, 2);
      continue;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, seen, name);
    lua_pop(L, 1);
    lua_pushvalue(L, 3);
    lua_pushinteger(L, deadline);
    lua_pushinteger(L, off);
    lua_pushcclosure(L, fire_mark, 3);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    char err[300];
    if (qun_run_declare_mark(r, name, qun_bind_line(L), deadline - off, off, ref, err, sizeof err) < 0) {
      luaL_unref(L, LUA_REGISTRYINDEX, ref);
      lua_pushstring(L, err);
      return qun_sandbox_error(L, "countdown: %s", lua_tostring(L, -1));
    }
  }
  return 0;
}

void qun_bind_countdown(lua_State *L) {
  static const luaL_Reg left_meta[] = {{"__tostring", left_tostring}, {"__concat", left_concat}, {NULL, NULL}};
  qun_sandbox_newmetatable(L, LEFT_MT, left_meta); /* shared by every `left` */
  lua_pop(L, 1);
  lua_pushcfunction(L, l_countdown);
  lua_setglobal(L, "countdown");
}
