/* bind_tier.c — tier.define{ {"S", fn}, {"A+", fn}, ... } (ordered, the
 * first rule that holds wins) and tier.on_change(fn(m, from, to)). A
 * member's tier is evaluated again after each of its events and for every
 * member when the tiers are defined; a change is stored in the handler's
 * transaction, written to the transcript, and handed to on_change. */
#include "host/bind.h"
#include "host/run.h"
#include "host/sandbox.h"
#include "store/store.h"

#include <jansson.h>
#include <lauxlib.h>
#include <string.h>

#define TIER_RULES "qun.tier.rules"   /* registry: { {name, fn}, ... } or absent */
#define TIER_HOOKS "qun.tier.hooks"   /* registry: { fn, ... } */

static void push_tier(lua_State *L, const char *t) {
  if (*t)
    lua_pushstring(L, t);
  else
    lua_pushnil(L);
}

void qun_bind_tier_eval(lua_State *L, const char *member) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, TIER_RULES) != LUA_TTABLE) {
    lua_pop(L, 1);
    return;
  }
  int rules = lua_gettop(L);
  qun_bind_push_member(L, member);
  int m = lua_gettop(L);
  const char *to = "";
  lua_Integer n = (lua_Integer)lua_rawlen(L, rules);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, rules, i);
    lua_rawgeti(L, -1, 2);
    lua_pushvalue(L, m);
    lua_call(L, 1, 1);
    int holds = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (holds) {
      lua_rawgeti(L, -1, 1);
      to = lua_tostring(L, -1); /* kept on the stack below */
      break;
    }
    lua_pop(L, 1);
  }
  struct qun_run *r = qun_run_of(L);
  char from[64];
  qun_store_tier_get(qun_run_store(r), qun_run_id(r), member, from, sizeof from);
  if (strcmp(from, to) == 0) {
    lua_settop(L, rules - 1);
    return;
  }
  qun_store_tier_set(qun_run_store(r), qun_run_id(r), member, to, qun_sandbox_now_ms(L));
  json_t *f = json_object();
  json_object_set_new(f, "member", json_string(member));
  json_object_set_new(f, "from", *from ? json_string(from) : json_null());
  json_object_set_new(f, "to", *to ? json_string(to) : json_null());
  qun_run_emit(r, "tier", f);
  lua_getfield(L, LUA_REGISTRYINDEX, TIER_HOOKS);
  int hooks = lua_gettop(L);
  lua_Integer nh = lua_istable(L, hooks) ? (lua_Integer)lua_rawlen(L, hooks) : 0;
  for (lua_Integer i = 1; i <= nh; i++) {
    lua_rawgeti(L, hooks, i);
    lua_pushvalue(L, m);
    push_tier(L, from);
    push_tier(L, to);
    lua_call(L, 3, 0);
  }
  lua_settop(L, rules - 1);
}

static int all_members(void *ud, const char *id) {
  luaL_Buffer *b = ud;
  luaL_addstring(b, id);
  luaL_addchar(b, '\n');
  return 0;
}

/* tier.define{ {"S", fn}, ... } */
static int tier_define(lua_State *L) {
  struct qun_run *r = qun_run_of(L);
  if (!qun_run_loading(r))
    return qun_sandbox_error(L, "tier.define belongs at the top of the playbook");
  luaL_checktype(L, 1, LUA_TTABLE);
  if (lua_getfield(L, LUA_REGISTRYINDEX, TIER_RULES) != LUA_TNIL)
    return qun_sandbox_error(L, "tier.define is called once per playbook");
  lua_pop(L, 1);
  lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
  if (n == 0)
    return qun_sandbox_error(L, "tier.define{ {\"S\", function(m) ... end}, ... }: no tiers given");
  lua_createtable(L, (int)n, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    if (!lua_istable(L, -1) || lua_rawgeti(L, -1, 1) != LUA_TSTRING || lua_rawgeti(L, -2, 2) != LUA_TFUNCTION)
      return qun_sandbox_error(L, "tier.define: tier %d must be {\"NAME\", function(m) ... end}", (int)i);
    size_t len;
    lua_tolstring(L, -2, &len);
    if (!len || len > 32)
      return qun_sandbox_error(L, "tier.define: tier %d: a name is 1 to 32 bytes", (int)i);
    for (lua_Integer k = 1; k < i; k++) {
      lua_rawgeti(L, -4, k);
      lua_rawgeti(L, -1, 1);
      if (lua_rawequal(L, -1, -4))
        return qun_sandbox_error(L, "tier.define: tier '%s' is defined twice", lua_tostring(L, -1));
      lua_pop(L, 2);
    }
    lua_pop(L, 2);
    lua_rawseti(L, -2, i);
  }
  lua_setfield(L, LUA_REGISTRYINDEX, TIER_RULES);
  qun_run_set_tiers(r);
  /* Every member once, page by page, now. */
  char after[160] = "";
  for (;;) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    int got = qun_store_members_page(qun_run_store(r), after, 256, NULL, NULL, 0, NULL, all_members, &b);
    luaL_pushresult(&b);
    if (got <= 0) {
      lua_pop(L, 1);
      break;
    }
    const char *ids = lua_tostring(L, -1);
    for (const char *p = ids; *p;) {
      const char *nl = strchr(p, '\n');
      lua_pushlstring(L, p, (size_t)(nl - p));
      snprintf(after, sizeof after, "%s", lua_tostring(L, -1));
      qun_bind_tier_eval(L, lua_tostring(L, -1));
      lua_pop(L, 1);
      p = nl + 1;
    }
    lua_pop(L, 1);
    if (got < 256)
      break;
  }
  return 0;
}

/* tier.on_change(fn(m, from, to)) */
static int tier_on_change(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  if (!qun_run_loading(qun_run_of(L)))
    return qun_sandbox_error(L, "tier.on_change belongs at the top of the playbook");
  if (lua_getfield(L, LUA_REGISTRYINDEX, TIER_HOOKS) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, TIER_HOOKS);
  }
  lua_pushvalue(L, 1);
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  return 0;
}

static const luaL_Reg tier_funcs[] = {{"define", tier_define}, {"on_change", tier_on_change}, {NULL, NULL}};

void qun_bind_tier(lua_State *L) {
  luaL_newlib(L, tier_funcs);
  lua_setglobal(L, "tier");
}
