/* bind_events.c — on(type, fn) and log(fmt, ...). */
#include "host/bind.h"
#include "host/run.h"
#include "host/sandbox.h"

#include <lauxlib.h>

/* on(event_type, fn) */
static int l_on(lua_State *L) {
  struct qun_run *r = qun_run_of(L);
  const char *type = luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  if (!qun_run_loading(r))
    return qun_sandbox_error(L, "on(\"%s\", fn): declare handlers at the top of the playbook", type);
  if (!*type)
    return qun_sandbox_error(L, "on(type, fn): the event type is empty");
  lua_pushvalue(L, 2);
  int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  if (qun_run_on(r, type, ref) < 0) {
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
    return luaL_error(L, "not enough memory");
  }
  return 0;
}

/* log(fmt, ...): string.format, then the run's log. */
static int l_log(lua_State *L) {
  int n = lua_gettop(L);
  if (n == 0)
    return qun_sandbox_error(L, "log(fmt, ...): nothing to log");
  lua_getglobal(L, "string");
  lua_getfield(L, -1, "format");
  lua_insert(L, 1);
  lua_pop(L, 1);
  lua_call(L, n, 1);
  size_t len;
  const char *msg = lua_tolstring(L, -1, &len);
  qun_run_log(qun_run_of(L), msg, len);
  return 0;
}

void qun_bind_events(lua_State *L) {
  lua_pushcfunction(L, l_on);
  lua_setglobal(L, "on");
  lua_pushcfunction(L, l_log);
  lua_setglobal(L, "log");
}
