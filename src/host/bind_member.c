/* bind_member.c — member(id), the member object (m.id, m.name, m.attrs,
 * m.tier, m.tags, m:count, m:last, m:groups, m:set), tag.add/remove/has, the
 * members{...} iterator and members.count{...}. Fields are read from the
 * store when asked, so a member object always shows the current
 * transaction's view. */
#include "host/bind.h"
#include "host/luajson.h"
#include "host/run.h"
#include "host/sandbox.h"
#include "store/store.h"
#include "core/timespec.h"

#include <jansson.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#define MEMBER_MT "qun.member"
#define PAGE 256

void qun_bind_push_member(lua_State *L, const char *id) {
  lua_createtable(L, 0, 1);
  lua_pushstring(L, id);
  lua_setfield(L, -2, "id");
  luaL_setmetatable(L, MEMBER_MT);
}

/* A member object or an id string → the id. */
const char *qun_bind_check_member(lua_State *L, int idx, const char *fn) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TSTRING)
    return lua_tostring(L, idx);
  if (lua_istable(L, idx)) {
    lua_getfield(L, idx, "id");
    if (lua_type(L, -1) == LUA_TSTRING) {
      lua_replace(L, idx); /* keeps the id alive where the member was */
      return lua_tostring(L, idx);
    }
    lua_pop(L, 1);
  }
  qun_sandbox_error(L, "%s: expected a member (or a member id), not a %s", fn, luaL_typename(L, idx));
  return NULL;
}

static struct qun_store *store_of(lua_State *L) {
  return qun_run_store(qun_run_of(L));
}

static int copy_member(void *ud, const struct qun_store_member *m) {
  lua_State *L = ud;
  lua_pushstring(L, m->name);
  json_t *j = m->attrs ? json_loads(m->attrs, 0, NULL) : NULL;
  if (j) {
    qun_lua_pushjson(L, j); /* small; the store keeps it bounded */
    json_decref(j);
  } else {
    lua_newtable(L);
  }
  return 0;
}

static int push_list_item(void *ud, const char *v) {
  lua_State *L = ud;
  lua_pushstring(L, v);
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  return 0;
}

/* m:count(type [, since]) — since: epoch seconds or a duration back ("7d"). */
static int m_count(lua_State *L) {
  const char *id = qun_bind_check_member(L, 1, "m:count");
  const char *type = luaL_checkstring(L, 2);
  int64_t since = 0;
  if (lua_isinteger(L, 3)) {
    since = lua_tointeger(L, 3) * 1000;
  } else if (lua_type(L, 3) == LUA_TSTRING) {
    int64_t secs;
    if (qun_duration_parse(lua_tostring(L, 3), &secs) < 0)
      return qun_sandbox_error(L, "m:count: since is epoch seconds or a duration back like \"7d\", "
                                  "not \"%s\"", lua_tostring(L, 3));
    since = qun_sandbox_now_ms(L) - secs * 1000;
  }
  qun_sandbox_charge(L, 100);
  int64_t n = qun_store_event_count(store_of(L), id, type, since);
  if (n < 0)
    return qun_sandbox_error(L, "m:count: %s", qun_store_errmsg(store_of(L)));
  lua_pushinteger(L, n);
  return 1;
}

/* m:last(type) → epoch seconds of the latest such event, or nil */
static int m_last(lua_State *L) {
  const char *id = qun_bind_check_member(L, 1, "m:last");
  const char *type = luaL_checkstring(L, 2);
  int64_t at;
  if (qun_store_event_last_at(store_of(L), id, type, &at) != 0)
    return 0;
  lua_pushinteger(L, at / 1000);
  return 1;
}

static int m_groups(lua_State *L) {
  const char *id = qun_bind_check_member(L, 1, "m:groups");
  lua_newtable(L);
  qun_store_member_groups(store_of(L), id, push_list_item, L);
  return 1;
}

/* m:set(key, value) — one attribute, merged into the member's stored
 * attributes (the store's JSON merge: nil removes the key). Part of the
 * handler's transaction; writes an `attr` transcript line. */
static int m_set(lua_State *L) {
  const char *id = qun_bind_check_member(L, 1, "m:set");
  size_t klen;
  const char *key = luaL_checklstring(L, 2, &klen);
  if (!klen || klen > 64 || strcmp(key, "id") == 0 || strcmp(key, "name") == 0)
    return qun_sandbox_error(L, "m:set: an attribute is named by 1 to 64 bytes, other than id and name");
  int t = lua_type(L, 3);
  if (t != LUA_TNIL && t != LUA_TNONE && t != LUA_TSTRING && t != LUA_TNUMBER && t != LUA_TBOOLEAN)
    return qun_sandbox_error(L, "m:set: a value is a string, a number, a boolean or nil, not a %s",
                             luaL_typename(L, 3));
  if (t == LUA_TSTRING && lua_rawlen(L, 3) > 1024)
    return qun_sandbox_error(L, "m:set: a value is at most 1024 bytes");
  lua_settop(L, 3);
  char err[200];
  json_t *v = t == LUA_TNIL || t == LUA_TNONE ? json_null() : qun_lua_tojson(L, 3, "value", err, sizeof err);
  if (!v)
    return qun_sandbox_error(L, "m:set: %s", err);
  json_t *patch = qun_lua_jsonbox(L, json_object()); /* freed by the box if anything raises */
  if (json_object_set_new(patch, key, v) < 0)
    return qun_sandbox_error(L, "m:set: an attribute's name is UTF-8 text");
  char *text = json_dumps(patch, JSON_COMPACT);
  if (!text)
    return qun_sandbox_error(L, "m:set: out of memory");
  int rc = qun_store_member_upsert(store_of(L), id, NULL, -1, text, qun_sandbox_now_ms(L));
  free(text);
  if (rc < 0)
    return qun_sandbox_error(L, "m:set: %s", qun_store_errmsg(store_of(L)));
  json_t *f = json_object();
  json_object_set_new(f, "member", json_string(id));
  json_object_set_new(f, "key", json_string(key));
  json_object_set(f, "value", v);
  qun_run_emit(qun_run_of(L), "attr", f);
  return 0;
}

static int m_index(lua_State *L) {
  const char *key = luaL_checkstring(L, 2);
  lua_getfield(L, 1, "id");
  const char *id = lua_tostring(L, -1);
  if (!id)
    return 0;
  struct qun_run *r = qun_run_of(L);
  if (strcmp(key, "name") == 0 || strcmp(key, "attrs") == 0) {
    int top = lua_gettop(L);
    if (qun_store_member_get(qun_run_store(r), id, copy_member, L) != 0)
      return strcmp(key, "attrs") == 0 ? (lua_newtable(L), 1) : 0;
    lua_pushvalue(L, strcmp(key, "name") == 0 ? top + 1 : top + 2);
    return 1;
  }
  if (strcmp(key, "tier") == 0) {
    char tier[64];
    qun_store_tier_get(qun_run_store(r), qun_run_id(r), id, tier, sizeof tier);
    if (!*tier)
      return 0;
    lua_pushstring(L, tier);
    return 1;
  }
  if (strcmp(key, "tags") == 0) {
    lua_newtable(L);
    qun_store_tags(qun_run_store(r), id, push_list_item, L);
    return 1;
  }
  static const luaL_Reg methods[] = {{"count", m_count}, {"last", m_last}, {"groups", m_groups},
                                    {"set", m_set}, {NULL, NULL}};
  for (const luaL_Reg *m = methods; m->name; m++)
    if (strcmp(key, m->name) == 0) {
      lua_pushcfunction(L, m->func);
      return 1;
    }
  return 0;
}

static int m_tostring(lua_State *L) {
  lua_getfield(L, 1, "id");
  return 1;
}

static int m_eq(lua_State *L) {
  lua_getfield(L, 1, "id");
  lua_getfield(L, 2, "id");
  lua_pushboolean(L, lua_rawequal(L, -1, -2));
  return 1;
}

static int m_newindex(lua_State *L) {
  return qun_sandbox_error(L, "a member's fields are read-only: use m:set(key, value), tag.add(m, tag) or an event");
}

/* member(id) → the member, or nil if the store has none by that id */
static int l_member(lua_State *L) {
  const char *id = luaL_checkstring(L, 1);
  int rc = qun_store_member_exists(store_of(L), id);
  if (rc <= 0)
    return 0;
  qun_bind_push_member(L, id);
  return 1;
}

static void tag_line(lua_State *L, const char *member, const char *tag, const char *op) {
  json_t *f = json_object();
  json_object_set_new(f, "member", json_string(member));
  json_object_set_new(f, "tag", json_string(tag));
  json_object_set_new(f, "op", json_string(op));
  qun_run_emit(qun_run_of(L), "tag", f);
}

static const char *check_tag(lua_State *L, int idx, const char *fn) {
  size_t n;
  const char *t = luaL_checklstring(L, idx, &n);
  if (!n || n > 64)
    qun_sandbox_error(L, "%s: a tag is 1 to 64 bytes", fn);
  return t;
}

static int tag_add(lua_State *L) {
  const char *m = qun_bind_check_member(L, 1, "tag.add"), *t = check_tag(L, 2, "tag.add");
  int rc = qun_store_tag_add(store_of(L), m, t, qun_sandbox_now_ms(L));
  if (rc < 0)
    return qun_sandbox_error(L, "tag.add: %s", qun_store_errmsg(store_of(L)));
  if (rc > 0)
    tag_line(L, m, t, "add");
  lua_pushboolean(L, rc > 0);
  return 1;
}

static int tag_remove(lua_State *L) {
  const char *m = qun_bind_check_member(L, 1, "tag.remove"), *t = check_tag(L, 2, "tag.remove");
  int rc = qun_store_tag_remove(store_of(L), m, t);
  if (rc < 0)
    return qun_sandbox_error(L, "tag.remove: %s", qun_store_errmsg(store_of(L)));
  if (rc > 0)
    tag_line(L, m, t, "remove");
  lua_pushboolean(L, rc > 0);
  return 1;
}

static int tag_has(lua_State *L) {
  const char *m = qun_bind_check_member(L, 1, "tag.has"), *t = check_tag(L, 2, "tag.has");
  lua_pushboolean(L, qun_store_tag_has(store_of(L), m, t) > 0);
  return 1;
}

/* members{ group=, tag=, tier=, where=fn }: a page of ids at a time. */
struct page {
  lua_State *L;
  int n;
};

static int page_add(void *ud, const char *id) {
  struct page *p = ud;
  lua_pushstring(p->L, id);
  lua_rawseti(p->L, -2, ++p->n);
  return 0;
}

static int members_next(lua_State *L) {
  /* upvalues: 1 filter table, 2 page, 3 index in page, 4 last id, 5-7 group, tag, tier */
  for (;;) {
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(3)) + 1;
    lua_rawgeti(L, lua_upvalueindex(2), i);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      if (lua_rawlen(L, lua_upvalueindex(2)) < PAGE && i > 1)
        return 0; /* the last page was short: done */
      struct qun_run *r = qun_run_of(L);
      lua_pushvalue(L, lua_upvalueindex(5)); /* the filters, as JSON arrays */
      lua_pushvalue(L, lua_upvalueindex(6));
      lua_pushvalue(L, lua_upvalueindex(7));
      lua_newtable(L);
      struct page p = {L, 0};
      qun_sandbox_charge(L, PAGE * 10);
      qun_store_members_page(qun_run_store(r), lua_tostring(L, lua_upvalueindex(4)), PAGE,
                             lua_tostring(L, -4), lua_tostring(L, -3), qun_run_id(r),
                             lua_tostring(L, -2), page_add, &p);
      if (p.n == 0)
        return 0;
      lua_replace(L, lua_upvalueindex(2));
      lua_pop(L, 3);
      lua_pushinteger(L, 0);
      lua_replace(L, lua_upvalueindex(3));
      continue;
    }
    lua_pushinteger(L, i);
    lua_replace(L, lua_upvalueindex(3));
    lua_pushvalue(L, -1);
    lua_replace(L, lua_upvalueindex(4));
    qun_bind_push_member(L, lua_tostring(L, -1));
    if (lua_getfield(L, lua_upvalueindex(1), "where") == LUA_TFUNCTION) {
      lua_pushvalue(L, -2);
      lua_call(L, 1, 1);
      if (!lua_toboolean(L, -1)) {
        lua_pop(L, 3);
        continue;
      }
    }
    lua_pop(L, 1);
    return 1;
  }
}

void qun_bind_push_filters(lua_State *L, int idx, const char *fn) {
  static const char *const keys[] = {"group", "tag", "tier"};
  idx = lua_absindex(L, idx);
  for (int k = 0; k < 3; k++) {
    int ty = lua_getfield(L, idx, keys[k]);
    if (ty == LUA_TNIL)
      continue; /* nil stays: any */
    json_t *a = qun_lua_jsonbox(L, json_array());
    if (ty == LUA_TSTRING || ty == LUA_TNUMBER) {
      json_array_append_new(a, json_string(lua_tostring(L, -2)));
    } else if (ty == LUA_TTABLE) {
      lua_Integer n = (lua_Integer)lua_rawlen(L, -2);
      if (n == 0)
        qun_sandbox_error(L, "%s: %s is an empty list: it would select nobody", fn, keys[k]);
      for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, -2, i) != LUA_TSTRING)
          qun_sandbox_error(L, "%s: %s is a name or a list of names (strings), not a list with a %s",
                            fn, keys[k], luaL_typename(L, -1));
        json_array_append_new(a, json_string(lua_tostring(L, -1)));
        lua_pop(L, 1);
      }
    } else {
      qun_sandbox_error(L, "%s: %s is a name or a list of names, not a %s", fn, keys[k], lua_typename(L, ty));
    }
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(qun_lua_jsonbox_take(L, -1));
    lua_pop(L, 2); /* box, value */
    lua_pushstring(L, text ? text : "[]");
    free(text);
  }
}

/* The filter table at 1 (none: {}), its fields checked against `fields`. */
static void check_filter(lua_State *L, const char *fn, const char *const *fields, const char *list) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  const char *unknown = qun_sandbox_unknown_field(L, 1, fields);
  if (unknown)
    qun_sandbox_error(L, "%s: unknown filter '%s' (filters: %s)", fn, unknown, list);
}

/* members{ group=, tag=, tier=, where= } — the table `members` is called. */
static int l_members(lua_State *L) {
  lua_remove(L, 1);
  static const char *const fields[] = {"group", "tag", "tier", "where", NULL};
  check_filter(L, "members{}", fields, "group, tag, tier, where");
  if (lua_getfield(L, 1, "where") != LUA_TNIL && !lua_isfunction(L, -1))
    return qun_sandbox_error(L, "members{}: where is a function(m) that returns true for the members to keep");
  lua_pop(L, 1);
  lua_pushvalue(L, 1);
  lua_newtable(L);       /* empty page: fetch on the first call */
  lua_pushinteger(L, 0);
  lua_pushliteral(L, "");
  qun_bind_push_filters(L, 1, "members{}");
  lua_pushcclosure(L, members_next, 7);
  return 1;
}

/* members.count{ group=, tag=, tier= } — counted by the store, without
 * reading a member: a group's size at every join costs one query. */
static int l_members_count(lua_State *L) {
  static const char *const fields[] = {"group", "tag", "tier", NULL};
  lua_settop(L, 1);
  if (lua_istable(L, 1) && lua_getfield(L, 1, "where") != LUA_TNIL)
    return qun_sandbox_error(L, "members.count{}: where is a Lua function the store cannot count with: "
                                "count in a loop over members{} instead");
  lua_settop(L, 1);
  check_filter(L, "members.count{}", fields, "group, tag, tier");
  qun_bind_push_filters(L, 1, "members.count{}");
  struct qun_run *r = qun_run_of(L);
  qun_sandbox_charge(L, 1000);
  int64_t n = qun_store_members_count_where(qun_run_store(r), lua_tostring(L, 2), lua_tostring(L, 3),
                                            qun_run_id(r), lua_tostring(L, 4));
  if (n < 0)
    return qun_sandbox_error(L, "members.count{}: %s", qun_store_errmsg(qun_run_store(r)));
  lua_pushinteger(L, n);
  return 1;
}

/* tag.members(name) — members{ tag = name }: the members with the tag. */
static int tag_members(lua_State *L) {
  if (lua_type(L, 1) != LUA_TSTRING && !lua_istable(L, 1))
    return qun_sandbox_error(L, "tag.members(name): the tag is a name or a list of names");
  lua_settop(L, 1);
  lua_createtable(L, 0, 1);
  lua_insert(L, 1);
  lua_setfield(L, 1, "tag");
  lua_pushnil(L); /* l_members drops its first argument (the `members` table it is called on) */
  lua_insert(L, 1);
  return l_members(L);
}

static const luaL_Reg member_meta[] = {
    {"__index", m_index}, {"__newindex", m_newindex}, {"__tostring", m_tostring}, {"__eq", m_eq}, {NULL, NULL}};

static const luaL_Reg tag_funcs[] = {{"add", tag_add}, {"remove", tag_remove}, {"has", tag_has},
                                     {"members", tag_members}, {NULL, NULL}};

void qun_bind_member(lua_State *L) {
  qun_sandbox_newmetatable(L, MEMBER_MT, member_meta);
  lua_pop(L, 1);
  lua_pushcfunction(L, l_member);
  lua_setglobal(L, "member");
  lua_newtable(L); /* members: called for the iterator, .count for a number */
  lua_pushcfunction(L, l_members_count);
  lua_setfield(L, -2, "count");
  lua_newtable(L);
  lua_pushcfunction(L, l_members);
  lua_setfield(L, -2, "__call");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_setglobal(L, "members");
  luaL_newlib(L, tag_funcs);
  lua_setglobal(L, "tag");
}
