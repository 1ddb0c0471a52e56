/* playbook.c — the `playbook { ... }` header, the typed `params` global and
 * evaluating a playbook file (see playbook.h). The header is read in C so
 * that every mistake gets one clear message naming the line of the call. */
#include "host/playbook.h"
#include "core/err.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lives in a userdata (upvalue of `playbook`), so as long as the state. */
struct header_ctx {
  struct qun_playbook *pb;
  enum qun_playbook_mode mode;
  const char *const *sets;
  int nsets;
  int64_t now;  /* seconds */
  int done;     /* the chunk has returned: opts and sets are gone */
};

static const char *const header_fields[] = {"name", "version", "title", "summary", "params", NULL};
static const char *const param_fields[] = {"type", "default", "doc", "required", "values", "of", NULL};

static char *dup_or_raise(lua_State *L, const char *s) {
  char *d = strdup(s);
  if (!d)
    luaL_error(L, "not enough memory");
  return d;
}

static void check_fields(lua_State *L, int t, const char *const *known, const char *what) {
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    int k = 0;
    if (lua_type(L, -1) == LUA_TSTRING)
      for (; known[k]; k++)
        if (strcmp(known[k], lua_tostring(L, -1)) == 0)
          break;
    if (lua_type(L, -1) != LUA_TSTRING || !known[k]) {
      luaL_Buffer b;
      luaL_buffinit(L, &b);
      for (k = 0; known[k]; k++) {
        luaL_addstring(&b, k ? ", " : "");
        luaL_addstring(&b, known[k]);
      }
      luaL_pushresult(&b);
      if (lua_type(L, -2) == LUA_TSTRING)
        qun_sandbox_error(L, "%s: unknown field '%s' (fields: %s)", what, lua_tostring(L, -2),
                          lua_tostring(L, -1));
      qun_sandbox_error(L, "%s: a %s key where a field name should be (fields: %s)", what,
                        luaL_typename(L, -2), lua_tostring(L, -1));
    }
  }
}

/* t.key as a malloc'd string, NULL if absent; anything but a string raises. */
static char *opt_string(lua_State *L, int t, const char *key, const char *what) {
  char *s = NULL;
  if (lua_getfield(L, t, key) != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TSTRING)
      qun_sandbox_error(L, "%s: '%s' must be a string, not a %s", what, key, luaL_typename(L, -1));
    s = dup_or_raise(L, lua_tostring(L, -1));
  }
  lua_pop(L, 1);
  return s;
}

static int valid_name(const char *s) { /* kebab-case: my-sop, sale2 */
  if (!*s || *s == '-')
    return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || (*p == '-' && p[1] && p[1] != '-')))
      return 0;
  return 1;
}

static int valid_ident(const char *s) {
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
    return 0;
  for (const char *p = s + 1; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
      return 0;
  return 1;
}

/* Pushes the text form of the scalar at idx (a default or a list item). */
static void push_text(lua_State *L, int idx, const struct qun_param *p, enum qun_ptype t) {
  switch (lua_type(L, idx)) {
  case LUA_TSTRING:
    lua_pushvalue(L, idx);
    return;
  case LUA_TNUMBER:
    if (t == QUN_P_NUMBER || (t == QUN_P_INTEGER && lua_isinteger(L, idx))) {
      lua_pushstring(L, lua_tostring(L, idx)); /* copy: tostring converts in place */
      return;
    }
    if (t == QUN_P_MONEY)
      qun_sandbox_error(L, "param '%s': write money as a string, e.g. default = \"88.88\" "
                           "(a float cannot hold fen exactly)", p->name);
    if (t == QUN_P_DURATION || t == QUN_P_TIME)
      qun_sandbox_error(L, "param '%s': write a %s as a string, e.g. default = \"%s\"", p->name,
                        qun_ptype_name(t), t == QUN_P_TIME ? "sat 20:00" : "2h");
    break;
  case LUA_TBOOLEAN:
    if (t == QUN_P_BOOLEAN) {
      lua_pushstring(L, lua_toboolean(L, idx) ? "true" : "false");
      return;
    }
    break;
  }
  qun_sandbox_error(L, "param '%s': a %s default cannot be a %s value", p->name,
                    qun_ptype_name(t), luaL_typename(L, idx));
}

static void read_default(lua_State *L, int spec, struct qun_param *p) {
  if (lua_getfield(L, spec, "default") == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  int d = lua_gettop(L);
  if (p->type == QUN_P_LIST && lua_type(L, d) == LUA_TTABLE) {
    luaL_Buffer b;
    lua_Integer n = (lua_Integer)lua_rawlen(L, d);
    luaL_buffinit(L, &b);
    for (lua_Integer k = 1; k <= n; k++) {
      lua_rawgeti(L, d, k);
      push_text(L, -1, p, p->of);
      if (strchr(lua_tostring(L, -1), ','))
        qun_sandbox_error(L, "param '%s': list items cannot contain ','", p->name);
      lua_remove(L, -2);
      if (k > 1)
        luaL_addchar(&b, ',');
      luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
  } else {
    push_text(L, d, p, p->type);
  }
  p->def = dup_or_raise(L, lua_tostring(L, -1));
  lua_settop(L, d - 1);
}

static void read_values(lua_State *L, int spec, struct qun_param *p) {
  int is_enum = p->type == QUN_P_ENUM || p->of == QUN_P_ENUM;
  if (lua_getfield(L, spec, "values") == LUA_TNIL) {
    if (is_enum)
      qun_sandbox_error(L, "param '%s': an enum needs values = { \"a\", \"b\", ... }", p->name);
    lua_pop(L, 1);
    return;
  }
  if (!is_enum)
    qun_sandbox_error(L, "param '%s': 'values' is only for type = \"enum\"", p->name);
  if (lua_type(L, -1) != LUA_TTABLE || lua_rawlen(L, -1) == 0)
    qun_sandbox_error(L, "param '%s': values must be a list of strings, e.g. { \"a\", \"b\" }", p->name);
  size_t n = lua_rawlen(L, -1);
  if (!(p->values = calloc(n, sizeof *p->values)))
    luaL_error(L, "not enough memory");
  for (size_t k = 0; k < n; k++) {
    if (lua_rawgeti(L, -1, (lua_Integer)k + 1) != LUA_TSTRING)
      qun_sandbox_error(L, "param '%s': values[%d] is a %s, not a string", p->name, (int)k + 1,
                        luaL_typename(L, -1));
    p->values[k] = dup_or_raise(L, lua_tostring(L, -1));
    p->nvalues = k + 1;
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

static void read_param(lua_State *L, int spec, struct qun_param *p) {
  char what[128];
  snprintf(what, sizeof what, "param '%s'", p->name);
  if (!lua_istable(L, spec))
    qun_sandbox_error(L, "%s: expected a table like { type = \"string\", doc = \"...\" }, not a %s",
                      what, luaL_typename(L, spec));
  check_fields(L, spec, param_fields, what);
  char *type = opt_string(L, spec, "type", what);
  if (!type)
    qun_sandbox_error(L, "%s: no type (types: %s)", what, qun_ptype_names());
  int bad = qun_ptype_parse(type, &p->type) < 0;
  if (bad) {
    lua_pushstring(L, type);
    free(type);
    qun_sandbox_error(L, "%s: unknown type '%s' (types: %s)", what, lua_tostring(L, -1),
                      qun_ptype_names());
  }
  free(type);
  char *of = opt_string(L, spec, "of", what);
  p->of = QUN_P_STRING;
  if (of) {
    bad = p->type != QUN_P_LIST || qun_ptype_parse(of, &p->of) < 0 || p->of == QUN_P_LIST;
    lua_pushstring(L, of);
    free(of);
    if (p->type != QUN_P_LIST)
      qun_sandbox_error(L, "%s: 'of' is only for type = \"list\"", what);
    if (bad)
      qun_sandbox_error(L, "%s: a list of '%s'? (element types: %s; no lists of lists)", what,
                        lua_tostring(L, -1), qun_ptype_names());
    lua_pop(L, 1);
  }
  p->doc = opt_string(L, spec, "doc", what);
  read_values(L, spec, p);
  read_default(L, spec, p);
  p->required = p->def == NULL;
  int t = lua_getfield(L, spec, "required");
  if (t != LUA_TNIL) {
    if (t != LUA_TBOOLEAN)
      qun_sandbox_error(L, "%s: 'required' must be true or false", what);
    if (lua_toboolean(L, -1) && p->def)
      qun_sandbox_error(L, "%s: has a default, so it cannot be required", what);
    p->required = lua_toboolean(L, -1);
  }
  lua_pop(L, 1);
}

static int param_cmp(const void *a, const void *b) {
  return strcmp(((const struct qun_param *)a)->name, ((const struct qun_param *)b)->name);
}

static void read_params(lua_State *L, int t, struct qun_playbook *pb) {
  if (lua_type(L, t) != LUA_TTABLE)
    qun_sandbox_error(L, "playbook{}: params must be a table of NAME = { type = ... }");
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    n++;
  }
  if (n && !(pb->params = calloc(n, sizeof *pb->params)))
    luaL_error(L, "not enough memory");
  lua_pushnil(L);
  while (lua_next(L, t)) {
    if (lua_type(L, -2) != LUA_TSTRING || !valid_ident(lua_tostring(L, -2)))
      qun_sandbox_error(L, "playbook{}: param names are identifiers like start or group_id, not %s",
                        lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : luaL_typename(L, -2));
    struct qun_param *p = &pb->params[pb->nparams++];
    p->name = dup_or_raise(L, lua_tostring(L, -2));
    read_param(L, lua_gettop(L), p);
    if (p->def)
      p->value = dup_or_raise(L, p->def);
    lua_pop(L, 1);
  }
  if (pb->nparams > 1)
    qsort(pb->params, pb->nparams, sizeof *pb->params, param_cmp);
}

const struct qun_param *qun_playbook_param(const struct qun_playbook *pb, const char *name) {
  struct qun_param key = {.name = (char *)name};
  if (!pb->nparams)
    return NULL;
  return bsearch(&key, pb->params, pb->nparams, sizeof key, param_cmp);
}

static void apply_sets(lua_State *L, struct header_ctx *ctx) {
  struct qun_playbook *pb = ctx->pb;
  for (int k = 0; k < ctx->nsets; k++) {
    const char *set = ctx->sets[k], *eq = strchr(set, '=');
    lua_pushlstring(L, set, eq ? (size_t)(eq - set) : strlen(set));
    struct qun_param *p = (struct qun_param *)qun_playbook_param(pb, lua_tostring(L, -1));
    if (!p) {
      luaL_Buffer b;
      luaL_buffinit(L, &b);
      for (size_t i = 0; i < pb->nparams; i++) {
        luaL_addstring(&b, i ? ", " : "");
        luaL_addstring(&b, pb->params[i].name);
      }
      luaL_pushresult(&b);
      if (pb->nparams)
        qun_sandbox_error(L, "--set %s: the playbook has no param '%s' (its params: %s)",
                          lua_tostring(L, -2), lua_tostring(L, -2), lua_tostring(L, -1));
      qun_sandbox_error(L, "--set %s: the playbook has no params", lua_tostring(L, -2));
    }
    lua_pop(L, 1);
    free(p->value);
    p->value = dup_or_raise(L, eq ? eq + 1 : "");
  }
}

static void push_value(lua_State *L, const struct qun_pvalue *v) {
  switch (v->type) {
  case QUN_P_NUMBER:
    lua_pushnumber(L, v->n);
    break;
  case QUN_P_BOOLEAN:
    lua_pushboolean(L, (int)v->i);
    break;
  case QUN_P_INTEGER: case QUN_P_TIME: case QUN_P_DURATION: case QUN_P_MONEY:
    lua_pushinteger(L, v->i);
    break;
  case QUN_P_STRING: case QUN_P_GROUP: case QUN_P_ENUM:
    lua_pushstring(L, v->s);
    break;
  case QUN_P_LIST:
    lua_createtable(L, (int)v->nitems, 0);
    for (size_t k = 0; k < v->nitems; k++) {
      push_value(L, &v->items[k]);
      lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    break;
  }
}

#define PVALUE_META "qun.pvalue"

static int pvalue_gc(lua_State *L) {
  qun_pvalue_free(lua_touserdata(L, 1));
  return 0;
}

static int params_index(lua_State *L) {
  lua_settop(L, 2);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
    return 1;
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(2)) == LUA_TNIL && lua_type(L, 2) == LUA_TSTRING)
    return qun_sandbox_error(L, "params.%s: the playbook declares no param '%s'",
                             lua_tostring(L, 2), lua_tostring(L, 2));
  lua_pushnil(L);
  return 1;
}

static int params_newindex(lua_State *L) {
  return qun_sandbox_error(L, "params are read-only: set them with --set NAME=VALUE or in the team config");
}

static int params_pairs(lua_State *L) {
  lua_getglobal(L, "next");
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushnil(L);
  return 3;
}

/* Reads every value and sets the global `params` (a read-only proxy). */
static void set_params(lua_State *L, struct header_ctx *ctx) {
  struct qun_playbook *pb = ctx->pb;
  lua_newtable(L); /* values */
  int values = lua_gettop(L);
  lua_newtable(L); /* declared names */
  int declared = values + 1;
  for (size_t i = 0; i < pb->nparams; i++) {
    struct qun_param *p = &pb->params[i];
    lua_pushboolean(L, 1);
    lua_setfield(L, declared, p->name);
    if (!p->value) {
      if (p->required && ctx->mode == QUN_PB_FULL)
        qun_sandbox_error(L, "param '%s' has no value: add --set %s=VALUE (or bind it in the team config)",
                          p->name, p->name);
      continue;
    }
    /* The value lives in a userdata whose __gc frees it, so that a memory
     * error while pushing it cannot leak its strings. */
    struct qun_pvalue *v = lua_newuserdatauv(L, sizeof *v, 0);
    memset(v, 0, sizeof *v);
    luaL_setmetatable(L, PVALUE_META);
    char why[512];
    if (qun_param_read(p, p->value, ctx->now, v, why, sizeof why) < 0) {
      lua_pushstring(L, why);
      qun_sandbox_error(L, "param '%s': %s", p->name, lua_tostring(L, -1));
    }
    push_value(L, v);
    qun_pvalue_free(v);
    lua_remove(L, -2);
    lua_setfield(L, values, p->name);
  }
  lua_newtable(L); /* the proxy */
  lua_createtable(L, 0, 4);
  lua_pushvalue(L, values);
  lua_pushvalue(L, declared);
  lua_pushcclosure(L, params_index, 2);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, params_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushvalue(L, values);
  lua_pushcclosure(L, params_pairs, 1);
  lua_setfield(L, -2, "__pairs");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_setglobal(L, "params");
  lua_settop(L, values - 1);
}

static int current_line(lua_State *L) {
  lua_Debug ar;
  if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar))
    return ar.currentline;
  return 0;
}

/* playbook { name = ..., version = ..., title = ..., summary = ..., params = {...} } */
static int l_playbook(lua_State *L) {
  struct header_ctx *ctx = lua_touserdata(L, lua_upvalueindex(1));
  struct qun_playbook *pb = ctx->pb;
  if (ctx->done || pb->line)
    return qun_sandbox_error(L, pb->line ? "playbook{} declared twice (first at line %d)"
                                         : "playbook{} belongs at the top of the file, not in a handler",
                             pb->line);
  if (lua_gettop(L) != 1 || !lua_istable(L, 1))
    return qun_sandbox_error(L, "playbook{} takes one table: playbook { name = \"my-sop\", version = \"1.0.0\" }");
  pb->line = current_line(L);
  check_fields(L, 1, header_fields, "playbook{}");
  pb->name = opt_string(L, 1, "name", "playbook{}");
  if (!pb->name)
    return qun_sandbox_error(L, "playbook{}: no name (a kebab-case id, e.g. name = \"weekend-flash-sale\")");
  if (!valid_name(pb->name))
    return qun_sandbox_error(L, "playbook{}: name '%s' is not kebab-case (lower-case letters, digits "
                                "and single dashes, e.g. \"weekend-flash-sale\")", pb->name);
  pb->version = opt_string(L, 1, "version", "playbook{}");
  if (!pb->version || !*pb->version)
    return qun_sandbox_error(L, "playbook{}: no version (e.g. version = \"1.0.0\"; it is recorded with every run)");
  pb->title = opt_string(L, 1, "title", "playbook{}");
  pb->summary = opt_string(L, 1, "summary", "playbook{}");
  if (lua_getfield(L, 1, "params") != LUA_TNIL)
    read_params(L, lua_gettop(L), pb);
  lua_pop(L, 1);
  apply_sets(L, ctx);
  set_params(L, ctx);
  if (ctx->mode == QUN_PB_HEADER) {
    qun_sandbox_push_stop(L);
    return lua_error(L);
  }
  return 0;
}

static int open_header(lua_State *L) {
  const struct header_ctx *src = lua_touserdata(L, 1);
  struct header_ctx *ctx = lua_newuserdatauv(L, sizeof *ctx, 0);
  *ctx = *src;
  lua_pushcclosure(L, l_playbook, 1);
  lua_setglobal(L, "playbook");
  luaL_newmetatable(L, PVALUE_META);
  lua_pushcfunction(L, pvalue_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  static const struct { const char *name; lua_Integer secs; } prelude[] = {
      {"SECOND", 1}, {"MINUTE", 60}, {"HOUR", 3600}, {"DAY", 86400}, {"WEEK", 7 * 86400}};
  for (size_t i = 0; i < sizeof prelude / sizeof prelude[0]; i++) {
    lua_pushinteger(L, prelude[i].secs);
    lua_setglobal(L, prelude[i].name);
  }
  lua_pushlightuserdata(L, ctx);
  return 1;
}

int qun_playbook_eval(const char *path, const struct qun_playbook_opts *o,
                      struct qun_playbook *pb, struct qun_sandbox **sbp,
                      char *err, size_t errlen) {
  memset(pb, 0, sizeof *pb);
  *sbp = NULL;
  if (!(pb->path = strdup(path))) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  struct qun_sandbox_opts so = o->sandbox;
  so.path = pb->path;
  struct qun_sandbox *sb = qun_sandbox_new(&so);
  if (!sb) {
    snprintf(err, errlen, "%s: cannot create the Lua state (out of memory)", path);
    return -1;
  }
  struct header_ctx init = {.pb = pb, .mode = o->mode, .sets = o->sets, .nsets = o->nsets,
                            .now = o->now_ms / 1000};
  lua_pushcfunction(sb->L, open_header);
  lua_pushlightuserdata(sb->L, &init);
  if (qun_sandbox_call(sb, 1, 1, err, errlen, NULL) != 0)
    goto fail;
  struct header_ctx *ctx = lua_touserdata(sb->L, -1);
  lua_pop(sb->L, 1);
  if (o->install && o->install(sb, o->install_ud) < 0) {
    snprintf(err, errlen, "%s: cannot set up the playbook's primitives", path);
    goto fail;
  }
  if (qun_sandbox_load(sb, err, errlen) < 0)
    goto fail;
  int rc = qun_sandbox_call(sb, 0, 0, err, errlen, NULL);
  ctx->done = 1;
  if (rc < 0)
    goto fail;
  if (!pb->line) {
    snprintf(err, errlen, "%s: no header: start the file with "
             "playbook { name = \"my-sop\", version = \"1.0.0\" }", path);
    goto fail;
  }
  *sbp = sb;
  return 0;
fail:
  qun_sandbox_free(sb);
  return -1;
}

void qun_playbook_clear(struct qun_playbook *pb) {
  free(pb->path);
  free(pb->name);
  free(pb->version);
  free(pb->title);
  free(pb->summary);
  for (size_t i = 0; i < pb->nparams; i++)
    qun_param_free(&pb->params[i]);
  free(pb->params);
  memset(pb, 0, sizeof *pb);
}
