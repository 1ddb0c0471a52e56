/* bind_send.c — send(to, message [, vars]). `to` is a group id, a member
 * (or member id via member()), or a selector { group=, tag=, tier= } that
 * fans out to each member. `message` is a template string or a table with
 * text/markdown (templates) and image/link/news/mention (data). Each
 * message is rendered here and queued by the run (run_deliver.c). */
#include "host/bind.h"
#include "host/luajson.h"
#include "host/run.h"
#include "host/sandbox.h"
#include "core/template.h"
#include "store/store.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE 256

/* Variables: the member's (id, name, attributes), then the send's vars,
 * read from two Lua tables at fixed stack slots. */
struct lookup {
  lua_State *L;
  int member_vars, vars; /* stack indices, 0 if none */
  int failed;            /* a value's __tostring raised: its error is on the stack */
};

/* (vars, member_vars, name, len) → the variable's text, or nil. Strings,
 * numbers, and tables with __tostring (a countdown's `left`). */
static int look_protected(lua_State *L) {
  const char *name = lua_touserdata(L, 3);
  size_t n = (size_t)lua_tointeger(L, 4);
  for (int slot = 1; slot <= 2; slot++) { /* the send's vars win */
    if (!lua_istable(L, slot))
      continue;
    lua_pushlstring(L, name, n);
    int t = lua_rawget(L, slot);
    if (t == LUA_TSTRING || t == LUA_TNUMBER ||
        (t == LUA_TTABLE && luaL_getmetafield(L, -1, "__tostring") != LUA_TNIL && (lua_pop(L, 1), 1))) {
      luaL_tolstring(L, -1, NULL);
      return 1;
    }
    lua_pop(L, 1);
  }
  lua_pushnil(L);
  return 1;
}

/* The template renderer holds its buffer while it asks: anything that
 * may raise (a __tostring, a memory error) runs in a protected call, and
 * an error is raised by render_field once the renderer has returned. */
static int look(void *ud, const char *name, size_t n, const char **val, size_t *len) {
  struct lookup *lk = ud;
  lua_State *L = lk->L;
  if (lk->failed || !lua_checkstack(L, 8))
    return 0;
  lua_pushcfunction(L, look_protected);
  if (lk->vars)
    lua_pushvalue(L, lk->vars);
  else
    lua_pushnil(L);
  if (lk->member_vars)
    lua_pushvalue(L, lk->member_vars);
  else
    lua_pushnil(L);
  lua_pushlightuserdata(L, (void *)name);
  lua_pushinteger(L, (lua_Integer)n);
  if (lua_pcall(L, 4, 1, 0) != LUA_OK) {
    lk->failed = lua_gettop(L);
    return 0;
  }
  if (lua_type(L, -1) != LUA_TSTRING) {
    lua_pop(L, 1);
    return 0;
  }
  *val = lua_tolstring(L, -1, len); /* stays on the stack until the render ends */
  return 1;
}

/* Pushes a table of the member's variables. */
static void push_member_vars(lua_State *L, const char *id) {
  qun_bind_push_member(L, id);
  int m = lua_gettop(L);
  lua_getfield(L, m, "attrs");
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    lua_newtable(L);
  }
  lua_pushstring(L, id);
  lua_setfield(L, -2, "id");
  lua_getfield(L, m, "name");
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushstring(L, id);
  }
  lua_setfield(L, -2, "name");
  lua_remove(L, m);
}

/* Renders field `key` of the message (a string or nil) into o. */
static void render_field(lua_State *L, struct lookup *lk, const char *tpl, const char *key, json_t *o) {
  char *out, err[200];
  int top = lua_gettop(L);
  lk->failed = 0;
  int rc = qun_template_render(tpl, look, lk, &out, err, sizeof err);
  if (lk->failed) { /* the renderer has freed its buffer: raising is safe now */
    lua_pushvalue(L, lk->failed);
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
    qun_sandbox_error(L, "send: a variable's __tostring failed in the message template (\"%s\"): %s",
                      key, lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "an error object");
  }
  lua_settop(L, top);
  if (rc < 0) {
    lua_pushstring(L, err);
    qun_sandbox_error(L, "send: %s in the message template (\"%s\")", lua_tostring(L, -1), key);
  }
  json_object_set_new(o, key, json_string(out));
  free(out);
}

/* A template field of a table (title, description) rendered, or absent. */
static void render_opt(lua_State *L, int t, const char *key, struct lookup *lk, json_t *o) {
  if (lua_getfield(L, t, key) == LUA_TSTRING)
    render_field(L, lk, lua_tostring(L, -1), key, o);
  else if (!lua_isnil(L, -1)) {
    qun_sandbox_error(L, "send: %s is a string, not a %s", key, luaL_typename(L, -1));
  }
  lua_pop(L, 1);
}

/* { title=, description=, url=, picture= } → a card, parent[key] (or
 * appended to the parent list when key is NULL) before it is filled, so
 * that the message's box owns it if a check raises; url and title needed. */
static void card(lua_State *L, int t, struct lookup *lk, const char *what, json_t *parent, const char *key) {
  if (!lua_istable(L, t))
    qun_sandbox_error(L, "send: %s is a table { title =, description =, url =, picture = }", what);
  static const char *const fields[] = {"title", "description", "url", "picture", NULL};
  const char *unknown = qun_sandbox_unknown_field(L, t, fields);
  if (unknown)
    qun_sandbox_error(L, "send: %s: unknown field '%s' (title, description, url, picture)", what, unknown);
  json_t *o = json_object();
  if (key)
    json_object_set_new(parent, key, o);
  else
    json_array_append_new(parent, o);
  render_opt(L, t, "title", lk, o);
  render_opt(L, t, "description", lk, o);
  static const char *const urls[] = {"url", "picture"};
  for (int i = 0; i < 2; i++) {
    int ty = lua_getfield(L, t, urls[i]);
    const char *u = ty == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    if (u && strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0) {
      qun_sandbox_error(L, "send: %s.%s must be a URL (https://...), not \"%s\"", what, urls[i], u);
    }
    if (ty != LUA_TNIL && !u) {
      qun_sandbox_error(L, "send: %s.%s is a string", what, urls[i]);
    }
    if (u)
      json_object_set_new(o, urls[i], json_string(u));
    lua_pop(L, 1);
  }
  if (!json_object_get(o, "title") || !json_object_get(o, "url")) {
    qun_sandbox_error(L, "send: %s needs a title and a url", what);
  }
}

/* image = "https://…" or a file next to the playbook ("poster.png"). */
static json_t *image(lua_State *L, int idx) {
  if (lua_type(L, idx) != LUA_TSTRING)
    qun_sandbox_error(L, "send: image is a URL or a file next to the playbook (\"poster.png\")");
  const char *v = lua_tostring(L, idx);
  if (strncmp(v, "https://", 8) == 0 || strncmp(v, "http://", 7) == 0)
    return json_pack("{s:s}", "url", v);
  int bad = !*v || v[0] == '/' || strstr(v, "..") != NULL;
  for (const char *p = v; *p && !bad; p++)
    bad = !(isalnum((unsigned char)*p) || strchr("._-/", *p) || (unsigned char)*p >= 0x80);
  if (bad)
    qun_sandbox_error(L, "send: image \"%s\": a file next to the playbook is a plain relative name "
                         "(no \"..\", not absolute)", v);
  char rel[4096 + 256], abs[PATH_MAX];
  snprintf(rel, sizeof rel, "%s%s", qun_sandbox_of(L)->dir, v);
  if (!realpath(rel, abs) || access(abs, R_OK) != 0)
    qun_sandbox_error(L, "send: image \"%s\": no such file next to the playbook", v);
  return json_pack("{s:s}", "path", abs);
}

/* o.mention = "all" or the ids; the list is o's before a member is
 * checked, so that nothing is lost if one raises. */
static void mention(lua_State *L, int idx, json_t *o) {
  if (lua_type(L, idx) == LUA_TSTRING) {
    if (strcmp(lua_tostring(L, idx), "all") != 0)
      qun_sandbox_error(L, "send: mention is \"all\" or a list of members, not \"%s\"", lua_tostring(L, idx));
    json_object_set_new(o, "mention", json_string("all"));
    return;
  }
  if (!lua_istable(L, idx))
    qun_sandbox_error(L, "send: mention is \"all\" or a list of members");
  json_t *a = json_array();
  json_object_set_new(o, "mention", a);
  lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, idx, i);
    const char *id = qun_bind_check_member(L, lua_gettop(L), "send: mention");
    json_array_append_new(a, json_string(id));
    lua_pop(L, 1);
  }
}


/* The message for one target, as JSON text on the Lua stack: exactly one
 * content field (text, markdown, image, link, news), and a mention with
 * text or markdown. */
static void push_message(lua_State *L, int msg, struct lookup *lk) {
  if (qun_bind_packet_message(L, msg)) /* a red packet: {"redpacket": {...}} */
    return;
  if (lua_type(L, msg) == LUA_TUSERDATA)
    return (void)qun_sandbox_error(L, "send: the message is a string, a table or a red packet, not a %s",
                                   luaL_typename(L, msg));
  /* The message lives in a box: whatever raises below (a missing image, a
   * bad card, an unknown member), Lua frees it. */
  json_t *o = qun_lua_jsonbox(L, json_object());
  int boxed = lua_gettop(L);
  if (lua_type(L, msg) == LUA_TSTRING) {
    render_field(L, lk, lua_tostring(L, msg), "text", o);
  } else {
    static const char *const fields[] = {"text", "markdown", "image", "link", "news", "mention", NULL};
    const char *kinds[5];
    int nkinds = 0;
    const char *unknown = qun_sandbox_unknown_field(L, msg, fields);
    if (unknown)
      return (void)qun_sandbox_error(L, "send: unknown message field '%s' (fields: text, markdown, image, "
                                        "link, news, mention)", unknown);
    for (int i = 0; i < 5; i++) { /* the kinds present, in the order of fields[] */
      if (lua_getfield(L, msg, fields[i]) != LUA_TNIL)
        kinds[nkinds++] = fields[i];
      lua_pop(L, 1);
    }
    if (nkinds != 1) {
      if (nkinds == 0)
        qun_sandbox_error(L, "send: the message is empty (give text, markdown, image, link or news)");
      qun_sandbox_error(L, "send: a message is one of text, markdown, image, link or news (this one has "
                           "%s and %s): send twice for two", kinds[0], kinds[1]);
    }
    const char *kind = kinds[0];
    lua_getfield(L, msg, kind);
    int v = lua_gettop(L);
    if (strcmp(kind, "text") == 0 || strcmp(kind, "markdown") == 0) {
      if (lua_type(L, v) != LUA_TSTRING) {
        qun_sandbox_error(L, "send: %s is a string", kind);
      }
      render_field(L, lk, lua_tostring(L, v), kind, o);
    } else if (strcmp(kind, "image") == 0) {
      json_object_set_new(o, "image", image(L, v));
    } else if (strcmp(kind, "link") == 0) {
      card(L, v, lk, "link", o, "link");
    } else { /* news: a list of 1–8 cards */
      if (!lua_istable(L, v) || lua_rawlen(L, v) < 1 || lua_rawlen(L, v) > 8) {
        qun_sandbox_error(L, "send: news is a list of 1 to 8 cards { title =, url =, ... }");
      }
      json_t *a = json_array();
      json_object_set_new(o, "news", a);
      for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, v); i++) {
        lua_rawgeti(L, v, i);
        char what[32];
        snprintf(what, sizeof what, "news[%lld]", (long long)i);
        card(L, lua_gettop(L), lk, what, a, NULL);
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
    if (lua_getfield(L, msg, "mention") != LUA_TNIL) {
      if (strcmp(kind, "text") != 0 && strcmp(kind, "markdown") != 0) {
        qun_sandbox_error(L, "send: mention goes with text or markdown, not with %s", kind);
      }
      mention(L, lua_gettop(L), o);
    }
    lua_pop(L, 1);
  }
  char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(qun_lua_jsonbox_take(L, boxed));
  lua_pushstring(L, s ? s : "{}");
  free(s);
  lua_remove(L, boxed);
}

static void send_one(lua_State *L, const char *target, const char *member, int msg, int vars) {
  struct lookup lk = {L, 0, vars, 0};
  int top = lua_gettop(L);
  if (member) {
    push_member_vars(L, member);
    lk.member_vars = lua_gettop(L);
  }
  push_message(L, msg, &lk);
  char err[300];
  qun_sandbox_charge(L, 1000);
  struct qun_send s = {.target = target, .member = member, .msg = lua_tostring(L, -1)};
  if (qun_run_send(qun_run_of(L), &s, err, sizeof err) < 0) {
    lua_pushstring(L, err);
    qun_sandbox_error(L, "send: %s", lua_tostring(L, -1));
  }
  lua_settop(L, top);
}

static int collect(void *ud, const char *id) {
  lua_State *L = ud;
  lua_pushstring(L, id);
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  return 0;
}

/* send(to, message [, vars]) */
static int l_send(lua_State *L) {
  lua_settop(L, 3);
  if (lua_type(L, 2) != LUA_TSTRING && lua_type(L, 2) != LUA_TTABLE && lua_type(L, 2) != LUA_TUSERDATA)
    return qun_sandbox_error(L, "send(to, message): the message is a string, a table or a red packet, "
                                "not a %s", luaL_typename(L, 2));
  int vars = lua_istable(L, 3) ? 3 : 0;
  if (!vars && !lua_isnil(L, 3))
    return qun_sandbox_error(L, "send(to, message, vars): vars is a table");
  char target[300];
  if (lua_type(L, 1) == LUA_TSTRING) {
    snprintf(target, sizeof target, "group:%s", lua_tostring(L, 1));
    send_one(L, target, NULL, 2, vars);
    return 0;
  }
  if (!lua_istable(L, 1))
    return qun_sandbox_error(L, "send(to, ...): to is a group id, a member or { group=, tag=, tier= }, "
                                "not a %s", luaL_typename(L, 1));
  if (lua_getfield(L, 1, "id") == LUA_TSTRING) { /* a member */
    snprintf(target, sizeof target, "member:%s", lua_tostring(L, -1));
    send_one(L, target, lua_tostring(L, -1), 2, vars);
    return 0;
  }
  lua_pop(L, 1);
  /* A selector: each member it names, a page at a time. */
  static const char *const keys[] = {"group", "tag", "tier", NULL};
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    int ok = 0;
    for (int i = 0; keys[i] && !ok; i++)
      ok = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), keys[i]) == 0;
    if (!ok)
      return qun_sandbox_error(L, "send: unknown selector field '%s' (group, tag, tier)",
                               lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?");
  }
  qun_bind_push_filters(L, 1, "send");
  int sel = lua_gettop(L) - 2;
  struct qun_run *r = qun_run_of(L);
  char after[160] = "";
  for (;;) {
    lua_newtable(L);
    int got = qun_store_members_page(qun_run_store(r), after, PAGE, lua_tostring(L, sel),
                                     lua_tostring(L, sel + 1), qun_run_id(r), lua_tostring(L, sel + 2),
                                     collect, L);
    int page = lua_gettop(L);
    for (int i = 1; i <= got; i++) {
      lua_rawgeti(L, page, i);
      const char *id = lua_tostring(L, -1);
      snprintf(after, sizeof after, "%s", id);
      snprintf(target, sizeof target, "member:%s", id);
      send_one(L, target, id, 2, vars);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (got < PAGE)
      break;
  }
  return 0;
}

void qun_bind_send(lua_State *L) {
  lua_pushcfunction(L, l_send);
  lua_setglobal(L, "send");
}
