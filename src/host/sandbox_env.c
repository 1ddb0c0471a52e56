/* sandbox_env.c — the globals a playbook sees: the safe parts of the Lua
 * libraries, and host versions of what must follow the run (os.time,
 * os.date, os.clock, print, math.randomseed, require, load). */
#include "host/sandbox.h"
#include "host/sandbox_env.h"
#include "host/stdlib.h"

#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OS_ORIGINAL "qun.os"        /* registry: the real os library */
#define MODULES_LOADED "qun.loaded" /* registry: require's cache */
#define MODULES_LOADING "qun.loading" /* registry: list of modules being loaded */

/* ---- base ---- */

static int env_print(lua_State *L) {
  struct qun_sandbox *sb = qun_sandbox_of(L);
  int n = lua_gettop(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= n; i++) {
    if (i > 1)
      luaL_addchar(&b, '\t');
    luaL_tolstring(L, i, NULL);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  size_t len;
  const char *msg = lua_tolstring(L, -1, &len);
  qun_sandbox_charge(L, (int64_t)len / 16);
  if (sb->opts.log)
    sb->opts.log(sb->opts.ud, msg, len);
  return 0;
}

static int env_setmetatable(lua_State *L) {
  if (lua_type(L, 2) == LUA_TTABLE && lua_getfield(L, 2, "__gc") != LUA_TNIL)
    return qun_sandbox_error(L, "setmetatable: __gc is not allowed in a playbook (no finalizers)");
  lua_settop(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, 1);
  return 1;
}

static int env_collectgarbage(lua_State *L) {
  const char *opt = luaL_optstring(L, 1, "collect");
  if (strcmp(opt, "count") != 0)
    return qun_sandbox_error(L, "collectgarbage(\"%s\"): only \"count\" is available in a playbook", opt);
  struct qun_sandbox *sb = qun_sandbox_of(L);
  lua_pushnumber(L, (lua_Number)sb->mem_used / 1024.0);
  return 1;
}

/* load(chunk [, chunkname [, mode [, env]]]): text only. */
static int env_load(lua_State *L) {
  const char *mode = luaL_optstring(L, 3, "t");
  if (strcmp(mode, "t") != 0)
    return qun_sandbox_error(L, "load: only text chunks can be loaded (mode \"t\"), not \"%s\"", mode);
  size_t len = 0;
  if (lua_type(L, 1) == LUA_TSTRING)
    lua_tolstring(L, 1, &len);
  qun_sandbox_charge(L, (int64_t)len);
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  if (n >= 2)
    lua_pushvalue(L, 2);
  else
    lua_pushliteral(L, "=(load)");
  lua_pushliteral(L, "t");
  if (n >= 4)
    lua_pushvalue(L, 4);
  lua_call(L, n >= 4 ? 4 : 3, LUA_MULTRET);
  return lua_gettop(L) - n;
}

/* ---- os: the run's clock ---- */

static int os_time(lua_State *L) {
  if (lua_isnoneornil(L, 1)) {
    int64_t ms = qun_sandbox_now_ms(L);
    lua_pushinteger(L, (lua_Integer)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000)));
    return 1;
  }
  lua_getfield(L, LUA_REGISTRYINDEX, OS_ORIGINAL);
  lua_getfield(L, -1, "time");
  lua_pushvalue(L, 1);
  lua_call(L, 1, 1);
  return 1;
}

static int os_date(lua_State *L) {
  const char *fmt = luaL_optstring(L, 1, "%c");
  lua_Integer t;
  if (lua_isnoneornil(L, 2)) {
    int64_t ms = qun_sandbox_now_ms(L);
    t = (lua_Integer)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
  } else {
    t = luaL_checkinteger(L, 2);
  }
  qun_sandbox_charge(L, (int64_t)strlen(fmt));
  lua_getfield(L, LUA_REGISTRYINDEX, OS_ORIGINAL);
  lua_getfield(L, -1, "date");
  lua_pushstring(L, fmt);
  lua_pushinteger(L, t);
  lua_call(L, 2, 1);
  return 1;
}

static int os_clock(lua_State *L) {
  struct qun_sandbox *sb = qun_sandbox_of(L);
  lua_pushnumber(L, (lua_Number)(qun_sandbox_now_ms(L) - sb->start_ms) / 1000.0);
  return 1;
}

static int os_difftime(lua_State *L) {
  lua_pushnumber(L, (lua_Number)luaL_checknumber(L, 1) - (lua_Number)luaL_optnumber(L, 2, 0));
  return 1;
}

static const luaL_Reg os_funcs[] = {
    {"time", os_time}, {"date", os_date}, {"clock", os_clock}, {"difftime", os_difftime}, {NULL, NULL}};

/* ---- math.randomseed: no arguments means the run's seed ---- */

static int math_randomseed(lua_State *L) {
  struct qun_sandbox *sb = qun_sandbox_of(L);
  int n = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  if (n == 0) {
    lua_pushinteger(L, (lua_Integer)(sb->opts.seed & 0x7fffffffffffffffULL));
    lua_pushinteger(L, 0);
    n = 2;
  } else {
    lua_insert(L, 1);
  }
  lua_call(L, n, 0);
  return 0;
}

/* ---- require ---- */

static int valid_module_name(const char *s) {
  int seg = 0;
  for (const char *p = s; *p; p++) {
    if (*p == '.') {
      if (!seg)
        return 0;
      seg = 0;
    } else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
               *p == '_') {
      seg++;
    } else {
      return 0;
    }
  }
  return seg > 0;
}

/* Reads a file into a Lua string on the stack; returns 0 or errno. */
static int push_file(lua_State *L, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return errno;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  size_t n;
  char *chunk;
  do {
    chunk = luaL_prepbuffer(&b);
    n = fread(chunk, 1, LUAL_BUFFERSIZE, f);
    luaL_addsize(&b, n);
  } while (n == LUAL_BUFFERSIZE);
  fclose(f); /* closed before the buffer can raise again */
  luaL_pushresult(&b);
  return 0;
}

static void push_loading_chain(lua_State *L, const char *name) {
  luaL_Buffer b;
  lua_getfield(L, LUA_REGISTRYINDEX, MODULES_LOADING);
  int list = lua_gettop(L);
  luaL_buffinit(L, &b);
  lua_Integer n = (lua_Integer)lua_rawlen(L, list);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, list, i);
    luaL_addvalue(&b);
    luaL_addstring(&b, " -> ");
  }
  luaL_addstring(&b, name);
  luaL_pushresult(&b);
  lua_remove(L, list);
}

static int env_require(lua_State *L) {
  struct qun_sandbox *sb = qun_sandbox_of(L);
  const char *name = luaL_checkstring(L, 1);
  lua_settop(L, 1);
  lua_getfield(L, LUA_REGISTRYINDEX, MODULES_LOADED);
  if (lua_getfield(L, 2, name) != LUA_TNIL)
    return 1;
  lua_pop(L, 1);
  if (!valid_module_name(name))
    return qun_sandbox_error(L, "require \"%s\": a module name is letters, digits and _ with dots "
                                "(\"lib.util\" loads lib/util.lua next to the playbook)", name);
  /* Cycle? */
  lua_getfield(L, LUA_REGISTRYINDEX, MODULES_LOADING);
  int loading = lua_gettop(L);
  lua_Integer depth = (lua_Integer)lua_rawlen(L, loading);
  for (lua_Integer i = 1; i <= depth; i++) {
    lua_rawgeti(L, loading, i);
    int same = strcmp(lua_tostring(L, -1), name) == 0;
    lua_pop(L, 1);
    if (same) {
      push_loading_chain(L, name);
      return qun_sandbox_error(L, "require cycle: %s", lua_tostring(L, -1));
    }
  }
  /* Find the source. */
  const char *path;
  if (strncmp(name, "qun.", 4) == 0) {
    const struct qun_stdlib_module *m = qun_stdlib;
    while (m->name && strcmp(m->name, name) != 0)
      m++;
    if (!m->name)
      return qun_sandbox_error(L, "module '%s' not found: qun ships no such module", name);
    lua_pushlstring(L, m->source, m->len);
    path = m->path;
    lua_pushstring(L, path);
  } else {
    lua_pushfstring(L, "%s%s.lua", sb->dir, name);
    char *p = (char *)lua_tostring(L, -1) + strlen(sb->dir);
    for (; *p; p++)
      if (*p == '.' && strcmp(p, ".lua") != 0)
        *p = '/';
    path = lua_tostring(L, -1);
    int e = push_file(L, path);
    if (e)
      return qun_sandbox_error(L, "module '%s' not found: looked for %s (%s)", name, path, strerror(e));
    lua_insert(L, -2); /* source below path */
  }
  /* Stack: name, loaded, loading, source, path */
  size_t len;
  const char *src = lua_tolstring(L, -2, &len);
  qun_sandbox_charge(L, (int64_t)len);
  if (qun_sandbox_load_module(L, src, len, lua_tostring(L, -1)) != 0)
    return lua_error(L);
  /* Mark it loading while its chunk runs; unmark whatever happens. */
  lua_pushstring(L, name);
  lua_rawseti(L, loading, depth + 1);
  lua_pushvalue(L, 1);
  int status = lua_pcall(L, 1, 1, 0);
  lua_pushnil(L);
  lua_rawseti(L, loading, depth + 1);
  if (status != LUA_OK)
    return lua_error(L);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, 2, name);
  return 1;
}

int qun_sandbox_load_buffer(lua_State *L, const char *buf, size_t len, const char *path,
                            char *err, size_t errlen) {
  lua_pushfstring(L, "@%s", path);
  int rc = luaL_loadbufferx(L, buf, len, lua_tostring(L, -1), "t");
  lua_remove(L, -2);
  if (rc != LUA_OK) {
    snprintf(err, errlen, "%s", lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "cannot load");
    lua_pop(L, 1);
    return -1;
  }
  return 0;
}

/* Pushes the module's chunk with its own globals (reading through to the
 * playbook's), or an error message; returns 0 or -1. */
int qun_sandbox_load_module(lua_State *L, const char *buf, size_t len, const char *path) {
  lua_pushfstring(L, "@%s", path);
  int rc = luaL_loadbufferx(L, buf, len, lua_tostring(L, -1), "t");
  lua_remove(L, -2);
  if (rc != LUA_OK)
    return -1;
  lua_newtable(L);
  lua_createtable(L, 0, 1);
  lua_pushglobaltable(L);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  if (!lua_setupvalue(L, -2, 1))
    lua_pop(L, 1);
  return 0;
}

/* ---- opening it all ---- */

static const luaL_Reg libs[] = {
    {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
    {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
    {LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_COLIBNAME, luaopen_coroutine},
    {NULL, NULL}};

static const char *const base_removed[] = {"dofile", "loadfile", "require", NULL};

static void wrap_global(lua_State *L, const char *name, lua_CFunction f) {
  lua_getglobal(L, name);
  lua_pushcclosure(L, f, 1);
  lua_setglobal(L, name);
}

void qun_sandbox_env_open(lua_State *L) {
  struct qun_sandbox *sb = qun_sandbox_of(L);
  for (const luaL_Reg *lib = libs; lib->func; lib++) {
    luaL_requiref(L, lib->name, lib->func, 1);
    lua_pop(L, 1);
  }
  for (const char *const *n = base_removed; *n; n++) {
    lua_pushnil(L);
    lua_setglobal(L, *n);
  }
  lua_pushcfunction(L, env_print);
  lua_setglobal(L, "print");
  lua_pushcfunction(L, env_collectgarbage);
  lua_setglobal(L, "collectgarbage");
  wrap_global(L, "setmetatable", env_setmetatable);
  wrap_global(L, "load", env_load);
  lua_pushcfunction(L, env_require);
  lua_setglobal(L, "require");

  /* string: no dump; its metatable (shared by every string) is locked. */
  lua_getglobal(L, LUA_STRLIBNAME);
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  lua_pop(L, 1);
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);

  /* math.random: seeded with the run's seed. */
  lua_getglobal(L, LUA_MATHLIBNAME);
  lua_getfield(L, -1, "randomseed");
  lua_pushcclosure(L, math_randomseed, 1);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "randomseed");
  lua_call(L, 0, 0);
  lua_pop(L, 1);

  /* os: the real library stays in the registry for os.time{...}/os.date. */
  luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
  lua_setfield(L, LUA_REGISTRYINDEX, OS_ORIGINAL);
  luaL_newlib(L, os_funcs);
  lua_setglobal(L, LUA_OSLIBNAME);

  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, MODULES_LOADED);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, MODULES_LOADING);

  qun_sandbox_meter_open(L);
  (void)sb;
}
