/* model.c — the behaviour model (see model.h). Each field is read from the
 * user's table when it has it, else from the built-in one. */
#include "sim/model.h"
#include "host/sandbox.h"
#include "core/timespec.h"

#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const qun_act_names[QUN_ACTS] = {"read", "click", "pay_click", "buy", "claim",
                                             "checkin", "lesson", "homework", "ask", "invite"};
static const char *const kw_names[QUN_KWS] = {"checkin", "lesson", "homework", "sale", "invite"};

struct rd {
  lua_State *L;
  struct qun_model *m;
  const char *path;
};

static int bad(lua_State *L, struct rd *rd, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  lua_pushfstring(L, "%s: %s", rd->path, msg);
  return lua_error(L);
}

/* Pushes user[key] if the user's table (at u, 0 if none) has it, else
 * builtin[key] (at d). */
static int field(lua_State *L, int u, int d, const char *key) {
  if (u && lua_getfield(L, u, key) != LUA_TNIL)
    return lua_type(L, -1);
  if (u)
    lua_pop(L, 1);
  return lua_getfield(L, d, key);
}

static double prob(lua_State *L, struct rd *rd, int t, const char *key, const char *what, double dflt,
                   double max) {
  int ty = lua_getfield(L, t, key);
  double v = dflt;
  if (ty != LUA_TNIL) {
    if (!lua_isnumber(L, -1) || lua_tonumber(L, -1) < 0 || lua_tonumber(L, -1) > max)
      bad(L, rd, "%s.%s must be a number from 0 to %g", what, key, max);
    v = lua_tonumber(L, -1);
  }
  lua_pop(L, 1);
  return v;
}

static void personas(lua_State *L, struct rd *rd, int t) {
  if (!lua_istable(L, t) || lua_rawlen(L, t) < 1 || lua_rawlen(L, t) > QUN_MODEL_PERSONAS)
    bad(L, rd, "personas is a list of 1 to %d tables { name =, share =, read =, ... }", QUN_MODEL_PERSONAS);
  struct qun_model *m = rd->m;
  m->npersonas = (int)lua_rawlen(L, t);
  double total = 0;
  for (int i = 0; i < m->npersonas; i++) {
    lua_rawgeti(L, t, i + 1);
    int p = lua_gettop(L);
    char what[32];
    snprintf(what, sizeof what, "personas[%d]", i + 1);
    if (!lua_istable(L, p))
      bad(L, rd, "%s is a table", what);
    struct qun_persona *ps = &m->personas[i];
    if (lua_getfield(L, p, "name") != LUA_TSTRING || !*lua_tostring(L, -1) || lua_rawlen(L, -1) >= sizeof ps->name)
      bad(L, rd, "%s.name is a short string", what);
    snprintf(ps->name, sizeof ps->name, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    ps->share = prob(L, rd, p, "share", what, -1, 1);
    if (ps->share <= 0)
      bad(L, rd, "%s.share must be a number above 0 and at most 1", what);
    total += ps->share;
    for (int a = 0; a < QUN_ACTS; a++)
      ps->p[a] = prob(L, rd, p, qun_act_names[a], what, 0, 1);
    ps->ads_per_day = prob(L, rd, p, "ads_per_day", what, 0, 100);
    ps->asks_per_day = prob(L, rd, p, "asks_per_day", what, 0, 100);
    lua_pop(L, 1);
  }
  if (total < 0.999 || total > 1.001)
    bad(L, rd, "the personas' shares add up to %.3f, not 1", total);
}

static int64_t duration_ms(lua_State *L, struct rd *rd, int t, const char *key, const char *what) {
  int64_t s;
  if (lua_getfield(L, t, key) != LUA_TSTRING || qun_duration_parse(lua_tostring(L, -1), &s) < 0 || s < 1)
    bad(L, rd, "%s.%s is a duration such as \"5m\"", what, key);
  lua_pop(L, 1);
  return s * 1000;
}

static void delay(lua_State *L, struct rd *rd, int u, int d, const char *key, struct qun_delay *out) {
  field(L, u, d, key);
  if (!lua_istable(L, -1))
    bad(L, rd, "%s is { median = \"5m\", max = \"2h\" }", key);
  out->median_ms = duration_ms(L, rd, lua_gettop(L), "median", key);
  out->max_ms = duration_ms(L, rd, lua_gettop(L), "max", key);
  if (out->max_ms < out->median_ms)
    bad(L, rd, "%s.max is shorter than its median", key);
  lua_pop(L, 1);
}

static void words(lua_State *L, struct rd *rd, int t, const char *what, struct qun_words *out) {
  if (!lua_istable(L, t))
    bad(L, rd, "%s is a list of strings", what);
  size_t n = lua_rawlen(L, t);
  out->w = calloc(n ? n : 1, sizeof *out->w);
  if (!out->w)
    luaL_error(L, "not enough memory");
  for (size_t i = 0; i < n; i++) {
    if (lua_rawgeti(L, t, (lua_Integer)i + 1) != LUA_TSTRING || !*lua_tostring(L, -1))
      bad(L, rd, "%s[%zu] is a non-empty string", what, i + 1);
    if (!(out->w[i] = strdup(lua_tostring(L, -1))))
      luaL_error(L, "not enough memory");
    out->n = i + 1;
    lua_pop(L, 1);
  }
}

static int64_t money(lua_State *L, struct rd *rd, int t, const char *key) {
  int64_t fen;
  if (lua_getfield(L, t, key) != LUA_TSTRING || qun_money_parse(lua_tostring(L, -1), &fen) < 0)
    bad(L, rd, "basket.%s is money in yuan, e.g. \"99.00\"", key);
  lua_pop(L, 1);
  return fen;
}

/* (builtin, user or nil) → fills rd->m; raises with "path: field ..." */
static int read_model(lua_State *L) {
  struct rd *rd = lua_touserdata(L, 1);
  struct qun_model *m = rd->m;
  int d = 2, u = lua_istable(L, 3) ? 3 : 0;
  if (!lua_isnil(L, 3) && !u)
    bad(L, rd, "the model file returns a table, e.g. return { personas = { ... } }");
  static const char *const known[] = {"personas", "active_hours", "read_delay", "claim_delay",
                                      "act_delay", "fatigue", "keywords", "basket", "ads",
                                      "questions", NULL};
  if (u) {
    lua_pushnil(L);
    while (lua_next(L, u)) {
      lua_pop(L, 1);
      int ok = 0;
      for (int i = 0; known[i] && !ok; i++)
        ok = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), known[i]) == 0;
      if (!ok)
        bad(L, rd, "unknown field '%s' (fields: personas, active_hours, read_delay, claim_delay, "
                   "act_delay, fatigue, keywords, basket, ads, questions)",
            lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?");
    }
  }
  field(L, u, d, "personas");
  personas(L, rd, lua_gettop(L));
  lua_pop(L, 1);
  field(L, u, d, "active_hours");
  int h1, m1, h2, m2, n = 0;
  const char *ah = lua_tostring(L, -1);
  if (!ah || sscanf(ah, "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &n) != 4 || ah[n] || h1 > 23 ||
      h2 > 24 || m1 > 59 || m2 > 59 || h1 * 60 + m1 >= h2 * 60 + m2)
    bad(L, rd, "active_hours is \"HH:MM-HH:MM\" within one day, e.g. \"07:30-23:30\"");
  m->active_from = h1 * 60 + m1, m->active_to = h2 * 60 + m2;
  lua_pop(L, 1);
  delay(L, rd, u, d, "read_delay", &m->read_delay);
  delay(L, rd, u, d, "claim_delay", &m->claim_delay);
  delay(L, rd, u, d, "act_delay", &m->act_delay);
  /* fatigue and keywords: field by field */
  lua_getfield(L, d, "fatigue");
  int fd = lua_gettop(L), fu = 0;
  if (u && lua_getfield(L, u, "fatigue") == LUA_TTABLE)
    fu = lua_gettop(L);
  else if (u && !lua_isnil(L, -1))
    bad(L, rd, "fatigue is a table");
  static const char *const fk[] = {"comfortable", "leave_over"};
  for (int i = 0; i < 2; i++) {
    field(L, fu, fd, fk[i]);
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 || lua_tointeger(L, -1) > 1000)
      bad(L, rd, "fatigue.%s is a whole number of messages a day", fk[i]);
    *(i ? &m->leave_over : &m->comfortable) = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
  }
  field(L, fu, fd, "decay");
  m->decay = lua_tonumber(L, -1);
  field(L, fu, fd, "leave");
  m->leave = lua_tonumber(L, -1);
  if (m->decay < 0 || m->decay > 1 || m->leave < 0 || m->leave > 1)
    bad(L, rd, "fatigue.decay and fatigue.leave are probabilities from 0 to 1");
  lua_settop(L, 3);
  lua_getfield(L, d, "keywords");
  int kd = lua_gettop(L), ku = 0;
  if (u && lua_getfield(L, u, "keywords") == LUA_TTABLE)
    ku = lua_gettop(L);
  for (int k = 0; k < QUN_KWS; k++) {
    field(L, ku, kd, kw_names[k]);
    char what[32];
    snprintf(what, sizeof what, "keywords.%s", kw_names[k]);
    words(L, rd, lua_gettop(L), what, &m->keywords[k]);
    lua_pop(L, 1);
  }
  lua_settop(L, 3);
  field(L, u, d, "basket");
  if (!lua_istable(L, -1))
    bad(L, rd, "basket is { min = \"29.00\", max = \"399.00\" }");
  m->basket_min = money(L, rd, lua_gettop(L), "min");
  m->basket_max = money(L, rd, lua_gettop(L), "max");
  if (m->basket_max < m->basket_min || m->basket_min < 1)
    bad(L, rd, "basket.max is below basket.min");
  lua_pop(L, 1);
  field(L, u, d, "ads");
  words(L, rd, lua_gettop(L), "ads", &m->ads);
  lua_pop(L, 1);
  field(L, u, d, "questions");
  words(L, rd, lua_gettop(L), "questions", &m->questions);
  lua_pop(L, 1);
  if (!m->ads.n || !m->questions.n)
    bad(L, rd, "ads and questions need at least one entry each");
  return 0;
}

static int require_builtin(lua_State *L) {
  lua_getglobal(L, "require");
  lua_pushliteral(L, "qun.model");
  lua_call(L, 1, 1);
  return 1;
}

static int64_t wall_ms(void *ud) {
  (void)ud;
  return (int64_t)time(NULL) * 1000;
}

static void no_log(void *ud, const char *msg, size_t len) {
  (void)ud, (void)msg, (void)len;
}

int qun_model_load(const char *path, struct qun_model *m, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  struct qun_sandbox_opts so = {.path = path ? path : "(built-in model)", .now_ms = wall_ms, .log = no_log};
  struct qun_sandbox *sb = qun_sandbox_new(&so);
  if (!sb) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  lua_State *L = sb->L;
  struct rd rd = {L, m, so.path};
  int rc = -1;
  lua_pushcfunction(L, require_builtin);
  if (qun_sandbox_call(sb, 0, 1, err, errlen, NULL) != 0)
    goto out;
  if (path) {
    if (qun_sandbox_load(sb, err, errlen) < 0 || qun_sandbox_call(sb, 0, 1, err, errlen, NULL) != 0)
      goto out;
  } else {
    lua_pushnil(L);
  }
  /* builtin, user */
  lua_pushcfunction(L, read_model);
  lua_insert(L, -3);
  lua_pushlightuserdata(L, &rd);
  lua_insert(L, -3);
  if (qun_sandbox_call(sb, 3, 0, err, errlen, NULL) != 0)
    goto out;
  rc = 0;
out:
  qun_sandbox_free(sb);
  if (rc < 0)
    qun_model_free(m);
  return rc;
}

static void free_words(struct qun_words *w) {
  for (size_t i = 0; i < w->n; i++)
    free(w->w[i]);
  free(w->w);
  w->w = NULL, w->n = 0;
}

void qun_model_free(struct qun_model *m) {
  for (int k = 0; k < QUN_KWS; k++)
    free_words(&m->keywords[k]);
  free_words(&m->ads);
  free_words(&m->questions);
}
