/* luajson.c — Lua ⇄ JSON for plain data (see luajson.h). */
#include "host/luajson.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 32

struct conv {
  lua_State *L;
  char *err;
  size_t errlen;
  char path[256];
};

static json_t *fail(struct conv *c, const char *fmt, const char *detail) {
  char msg[256];
  snprintf(msg, sizeof msg, fmt, detail);
  snprintf(c->err, c->errlen, "%s %s", c->path, msg);
  return NULL;
}

static json_t *conv_value(struct conv *c, int idx, int depth);

/* A table is a list if its keys are exactly 1..n (n ≥ 1). */
static int is_list(lua_State *L, int idx, size_t *n) {
  size_t count = 0;
  lua_Integer max = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
      lua_pop(L, 1);
      return 0;
    }
    if (lua_tointeger(L, -1) > max)
      max = lua_tointeger(L, -1);
    count++;
  }
  *n = count;
  return count > 0 && (lua_Integer)count == max;
}

static json_t *conv_table(struct conv *c, int idx, int depth) {
  lua_State *L = c->L;
  size_t plen = strlen(c->path), n;
  if (depth > MAX_DEPTH)
    return fail(c, "nests deeper than %s levels (a cycle?)", "32");
  if (!lua_checkstack(L, 4))
    return fail(c, "%s", "is too deep");
  if (is_list(L, idx, &n)) {
    json_t *a = json_array();
    for (size_t k = 1; a && k <= n; k++) {
      lua_rawgeti(L, idx, (lua_Integer)k);
      snprintf(c->path + plen, sizeof c->path - plen, "[%zu]", k);
      json_t *v = conv_value(c, lua_gettop(L), depth + 1);
      lua_pop(L, 1);
      if (!v || json_array_append_new(a, v) < 0) {
        json_decref(a);
        return NULL;
      }
    }
    c->path[plen] = '\0';
    return a;
  }
  json_t *o = json_object();
  lua_pushnil(L);
  while (o && lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      const char *kt = luaL_typename(L, -2); /* a static name */
      lua_pop(L, 2);
      json_decref(o);
      return fail(c, "has a %s key: use string keys, or a list 1..n", kt);
    }
    size_t klen;
    const char *key = lua_tolstring(L, -2, &klen);
    snprintf(c->path + plen, sizeof c->path - plen, ".%s", key);
    json_t *v = conv_value(c, lua_gettop(L), depth + 1);
    if (!v || json_object_setn_new(o, key, klen, v) < 0) {
      lua_pop(L, 2);
      json_decref(o);
      return v ? fail(c, "%s", "has a key that is not UTF-8") : NULL;
    }
    lua_pop(L, 1);
  }
  c->path[plen] = '\0';
  return o;
}

static json_t *conv_value(struct conv *c, int idx, int depth) {
  lua_State *L = c->L;
  switch (lua_type(L, idx)) {
  case LUA_TBOOLEAN:
    return json_boolean(lua_toboolean(L, idx));
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx))
      return json_integer(lua_tointeger(L, idx));
    if (!isfinite(lua_tonumber(L, idx)))
      return fail(c, "is %s: JSON has no such number", lua_tostring(L, idx));
    return json_real(lua_tonumber(L, idx));
  case LUA_TSTRING: {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    json_t *j = json_stringn(s, len);
    return j ? j : fail(c, "%s", "is not UTF-8 text");
  }
  case LUA_TTABLE:
    return conv_table(c, idx, depth);
  default:
    return fail(c, "is a %s: only strings, numbers, booleans and tables of them can be stored",
                luaL_typename(L, idx));
  }
}

json_t *qun_lua_tojson(lua_State *L, int idx, const char *what, char *err, size_t errlen) {
  struct conv c = {.L = L, .err = err, .errlen = errlen};
  snprintf(c.path, sizeof c.path, "%s", what);
  int top = lua_gettop(L);
  json_t *j = conv_value(&c, lua_absindex(L, idx), 0);
  lua_settop(L, top);
  return j;
}

void qun_lua_pushjson(lua_State *L, const json_t *j) {
  luaL_checkstack(L, 3, "JSON nests too deep");
  switch (json_typeof(j)) {
  case JSON_OBJECT: {
    const char *key;
    json_t *v;
    lua_createtable(L, 0, (int)json_object_size(j));
    json_object_foreach((json_t *)j, key, v) {
      qun_lua_pushjson(L, v);
      lua_setfield(L, -2, key);
    }
    break;
  }
  case JSON_ARRAY: {
    size_t i;
    json_t *v;
    lua_createtable(L, (int)json_array_size(j), 0);
    json_array_foreach(j, i, v) {
      qun_lua_pushjson(L, v);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    break;
  }
  case JSON_STRING:
    lua_pushlstring(L, json_string_value(j), json_string_length(j));
    break;
  case JSON_INTEGER:
    lua_pushinteger(L, (lua_Integer)json_integer_value(j));
    break;
  case JSON_REAL:
    lua_pushnumber(L, json_real_value(j));
    break;
  case JSON_TRUE:
    lua_pushboolean(L, 1);
    break;
  case JSON_FALSE:
    lua_pushboolean(L, 0);
    break;
  case JSON_NULL:
    lua_pushnil(L);
    break;
  }
}

static int json_box_gc(lua_State *L) {
  json_t **box = lua_touserdata(L, 1);
  json_decref(*box);
  *box = NULL;
  return 0;
}

json_t *qun_lua_jsonbox(lua_State *L, json_t *j) {
  json_t **box = lua_newuserdatauv(L, sizeof *box, 0);
  *box = NULL;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, json_box_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  *box = j;
  return j;
}

json_t *qun_lua_jsonbox_take(lua_State *L, int idx) {
  json_t **box = lua_touserdata(L, idx);
  json_t *j = *box;
  *box = NULL;
  return j;
}

void qun_lua_pushjson_text(lua_State *L, const char *text, size_t len) {
  json_t *j = qun_lua_jsonbox(L, NULL);
  json_t **box = lua_touserdata(L, -1);
  *box = j = json_loadb(text, len, JSON_DECODE_ANY, NULL);
  if (j)
    qun_lua_pushjson(L, j);
  else
    lua_pushnil(L);
  json_decref(qun_lua_jsonbox_take(L, -2));
  lua_remove(L, -2);
}
