/* testresult.c — the result of sim.run and its queries (testresult.h).
 * The lines stay JSON in C; a query filters them in C (sim/query.c) and
 * converts only the lines it returns. */
#include "sim/test_int.h"
#include "sim/query.h"
#include "sim/sim.h"
#include "core/timespec.h"
#include "core/tz.h"
#include "host/luajson.h"
#include "host/sandbox.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESULT_MT "qun.simresult"

struct qun_testresult {
  json_t *lines, *requests, *summary;
  int64_t *line_at, *req_at; /* each line's time, epoch seconds */
  size_t nlines, nrequests, nsends;
  char tz[64];
  int64_t start_s, end_s;
  char playbook[256];
};

enum kind { K_SENDS, K_EVENTS, K_LINES, K_REQUESTS };

static const struct {
  const char *method;
  const char *ev;   /* the line kind it returns, or NULL */
  const char *noun; /* what the returned list holds, for expect's messages */
  const char *const filters[7]; /* empty: any top-level field (r:lines) */
} kinds[] = {
    [K_SENDS] = {"sends", "send", "send", {"to", "between", "contains", "channel", "job", NULL}},
    [K_EVENTS] = {"events", "event", "event", {"type", "member", "group", "between", "contains", NULL}},
    [K_LINES] = {"lines", NULL, "line", {NULL}},
    [K_REQUESTS] = {"requests", NULL, "request", {"channel", "type", "between", "contains", NULL}},
};

/* ---- the userdata ---- */

static void release(struct qun_testresult *r) {
  json_decref(r->lines);
  json_decref(r->requests);
  json_decref(r->summary);
  free(r->line_at);
  free(r->req_at);
  r->lines = r->requests = r->summary = NULL;
  r->line_at = r->req_at = NULL;
  r->nlines = r->nrequests = r->nsends = 0;
}

static int result_gc(lua_State *L) {
  release(luaL_checkudata(L, 1, RESULT_MT));
  return 0;
}

/* self, with a hint for r.sends{...} (a dot instead of a colon). */
static struct qun_testresult *self(lua_State *L, const char *method) {
  struct qun_testresult *r = luaL_testudata(L, 1, RESULT_MT);
  if (!r)
    qun_sandbox_error(L, "use r:%s(...), with a colon (r is what sim.run returned)", method);
  return r;
}

static int result_tostring(lua_State *L) {
  struct qun_testresult *r = luaL_checkudata(L, 1, RESULT_MT);
  lua_pushfstring(L, "sim result of %s: %d lines, %d sends", r->playbook, (int)r->nlines, (int)r->nsends);
  return 1;
}

struct qun_testresult *qun_testresult_new(lua_State *L) {
  struct qun_testresult *r = lua_newuserdatauv(L, sizeof *r, 0);
  memset(r, 0, sizeof *r);
  luaL_setmetatable(L, RESULT_MT);
  return r;
}

static int64_t *times_of(const json_t *list, size_t *n) {
  *n = json_array_size(list);
  int64_t *at = malloc((*n ? *n : 1) * sizeof *at);
  for (size_t i = 0; at && i < *n; i++) {
    at[i] = 0;
    qun_query_time(json_array_get(list, i), &at[i]);
  }
  return at;
}

int qun_testresult_fill(struct qun_testresult *r, struct qun_sim_result *res, const char *tz,
                        int64_t start_s, int64_t end_s, const char *playbook) {
  release(r);
  r->lines = res->lines ? res->lines : json_array();
  r->requests = res->requests ? res->requests : json_array();
  r->summary = res->summary ? res->summary : json_object();
  res->lines = res->requests = res->summary = NULL;
  qun_sim_result_free(res);
  snprintf(r->tz, sizeof r->tz, "%s", tz);
  snprintf(r->playbook, sizeof r->playbook, "%s", playbook);
  r->start_s = start_s, r->end_s = end_s;
  r->line_at = times_of(r->lines, &r->nlines);
  r->req_at = times_of(r->requests, &r->nrequests);
  if (!r->lines || !r->requests || !r->summary || !r->line_at || !r->req_at) {
    release(r);
    return -1;
  }
  for (size_t i = 0; i < r->nlines; i++) {
    const char *ev = json_string_value(json_object_get(json_array_get(r->lines, i), "ev"));
    r->nsends += ev && strcmp(ev, "send") == 0;
  }
  return 0;
}

void qun_testresult_counts(const struct qun_testresult *r, size_t *lines, size_t *sends) {
  *lines = r->nlines, *sends = r->nsends;
}

/* ---- reading a filter ---- */

/* Edit distance of short names, for "did you mean". */
static int distance(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b);
  if (n > 30 || m > 30)
    return 99;
  int d[31][31];
  for (size_t i = 0; i <= n; i++)
    d[i][0] = (int)i;
  for (size_t j = 0; j <= m; j++)
    d[0][j] = (int)j;
  for (size_t i = 1; i <= n; i++)
    for (size_t j = 1; j <= m; j++) {
      int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < c)
        c = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < c)
        c = d[i][j - 1] + 1;
      d[i][j] = c;
    }
  return d[n][m];
}

int qun_test_unknown(lua_State *L, const char *what, const char *noun, const char *key,
                     const char *const *known) {
  const char *best = NULL;
  int bd = 3;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 0; known[i]; i++) {
    luaL_addstring(&b, i ? ", " : "");
    luaL_addstring(&b, known[i]);
    int dd = distance(key, known[i]);
    if (dd < bd)
      bd = dd, best = known[i];
  }
  luaL_pushresult(&b);
  if (best)
    lua_pushfstring(L, "did you mean '%s'? ", best);
  else
    lua_pushliteral(L, "");
  return qun_sandbox_error(L, "%s: no %s '%s' (%s%ss: %s)", what, noun, key, lua_tostring(L, -1), noun,
                           lua_tostring(L, -2));
}

/* A time: epoch seconds, or text read in the run's zone ("sat 20:00" is
 * the first Saturday 20:00 from the run's start). */
static int read_time(lua_State *L, const struct qun_testresult *r, int idx, int64_t *t) {
  if (lua_type(L, idx) == LUA_TNUMBER) {
    lua_Number n = lua_tonumber(L, idx);
    if (!(n > -9.2e18 && n < 9.2e18))
      return -1;
    *t = lua_isinteger(L, idx) ? (int64_t)lua_tointeger(L, idx) : (int64_t)n - (n < (lua_Number)(int64_t)n);
    return 0;
  }
  if (lua_type(L, idx) != LUA_TSTRING)
    return -1;
  if (qun_tz_name() == NULL || strcmp(qun_tz_name(), r->tz) != 0)
    qun_tz_set(r->tz);
  return qun_time_parse(lua_tostring(L, idx), r->start_s, t) < 0 ? -1 : 0;
}

static void read_between(lua_State *L, const struct qun_testresult *r, enum kind k, int idx,
                         struct qun_query *q) {
  if (!lua_istable(L, idx))
    qun_sandbox_error(L, "r:%s{ between = { from, to } }: a list of two times, not a %s", kinds[k].method,
                      luaL_typename(L, idx));
  for (int i = 1; i <= 2; i++) {
    lua_rawgeti(L, idx, i);
    if (!lua_isnil(L, -1)) {
      int64_t t;
      if (read_time(L, r, lua_gettop(L), &t) < 0)
        qun_sandbox_error(L, "r:%s{ between = ... }: cannot read %s as a time (e.g. \"2026-11-25 20:00\", "
                             "\"sat 20:00\" or epoch seconds)",
                          kinds[k].method, luaL_tolstring(L, -1, NULL));
      if (i == 1)
        q->has_from = 1, q->from = t;
      else
        q->has_until = 1, q->until = t;
    }
    lua_pop(L, 1);
  }
  if (q->has_from && q->has_until && q->from >= q->until)
    qun_sandbox_error(L, "r:%s{ between = { from, to } }: from must come before to (the window is "
                         "from <= t < to)", kinds[k].method);
}

static void read_field(lua_State *L, enum kind k, const char *key, int idx, struct qun_query *q) {
  if (q->nfields == QUN_QUERY_MAX_FIELDS)
    qun_sandbox_error(L, "r:%s{...}: at most %d filters", kinds[k].method, QUN_QUERY_MAX_FIELDS);
  struct qun_query_field *f = &q->fields[q->nfields];
  int ty = lua_type(L, idx);
  f->key = key;
  if (ty == LUA_TSTRING) {
    f->type = JSON_STRING, f->s = lua_tostring(L, idx);
  } else if (k != K_LINES) {
    qun_sandbox_error(L, "r:%s{ %s = ... }: a string, not a %s", kinds[k].method, key, luaL_typename(L, idx));
  } else if (ty == LUA_TNUMBER && lua_isinteger(L, idx)) {
    f->type = JSON_INTEGER, f->i = (int64_t)lua_tointeger(L, idx);
  } else if (ty == LUA_TNUMBER) {
    f->type = JSON_REAL, f->n = (double)lua_tonumber(L, idx);
  } else if (ty == LUA_TBOOLEAN) {
    f->type = JSON_TRUE, f->i = lua_toboolean(L, idx);
  } else {
    qun_sandbox_error(L, "r:lines{ %s = ... }: matches a top-level string, number or boolean, not a %s", key,
                      luaL_typename(L, idx));
  }
  q->nfields++;
}

/* Reads the filter table at idx into q. The strings q points to belong to
 * that table, which stays on the stack while the query runs. */
static void read_filter(lua_State *L, const struct qun_testresult *r, enum kind k, int idx,
                        struct qun_query *q) {
  memset(q, 0, sizeof *q);
  if (kinds[k].ev) {
    q->fields[0] = (struct qun_query_field){.key = "ev", .type = JSON_STRING, .s = kinds[k].ev};
    q->nfields = 1;
  }
  if (lua_isnoneornil(L, idx))
    return;
  if (!lua_istable(L, idx))
    qun_sandbox_error(L, "r:%s{...}: the filter is a table (r:%s{} for all), not a %s", kinds[k].method,
                      kinds[k].method, luaL_typename(L, idx));
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      qun_sandbox_error(L, "r:%s{...}: filters are named (to = ..., between = ...), not a %s key",
                        kinds[k].method, luaL_typename(L, -2));
    const char *key = lua_tostring(L, -2);
    int known = kinds[k].filters[0] == NULL;
    for (int i = 0; !known && kinds[k].filters[i]; i++)
      known = strcmp(kinds[k].filters[i], key) == 0;
    if (!known) {
      lua_pushfstring(L, "r:%s{...}", kinds[k].method);
      qun_test_unknown(L, lua_tostring(L, -1), "filter", key, kinds[k].filters);
    }
    int v = lua_gettop(L);
    if (strcmp(key, "between") == 0) {
      read_between(L, r, k, v, q);
    } else if (strcmp(key, "contains") == 0 || strcmp(key, "to") == 0) {
      if (lua_type(L, v) != LUA_TSTRING)
        qun_sandbox_error(L, "r:%s{ %s = ... }: a string, not a %s", kinds[k].method, key, luaL_typename(L, v));
      const char *s = lua_tostring(L, v);
      if (key[0] == 'c') {
        q->contains = s;
      } else {
        if (!strchr(s, ':'))
          qun_sandbox_error(L, "r:%s{ to = \"%s\" }: say \"group:%s\" or \"member:%s\" (\"group:\" is "
                               "every group)", kinds[k].method, s, s, s);
        q->to = s;
      }
    } else {
      read_field(L, k, key, v, q);
    }
    lua_pop(L, 1);
  }
}

/* ---- the queries ---- */

/* The list's metatable answers getmetatable() with { qun_kind = noun },
 * a table of its own: expect's messages say "3 sends", and nothing a test
 * does to it reaches the metatable or another list. */
static void set_kind(lua_State *L, int list, const char *noun) {
  list = lua_absindex(L, list);
  lua_createtable(L, 0, 1);
  lua_createtable(L, 0, 1);
  lua_pushstring(L, noun);
  lua_setfield(L, -2, "qun_kind");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, list);
}

static int query(lua_State *L, enum kind k) {
  struct qun_testresult *r = self(L, kinds[k].method);
  struct qun_query q;
  lua_settop(L, 2);
  read_filter(L, r, k, 2, &q);
  const json_t *list = k == K_REQUESTS ? r->requests : r->lines;
  const int64_t *at = k == K_REQUESTS ? r->req_at : r->line_at;
  size_t n = k == K_REQUESTS ? r->nrequests : r->nlines;
  qun_sandbox_charge(L, (int64_t)n);
  lua_newtable(L);
  int out = lua_gettop(L);
  if (k == K_LINES) {
    const char *ev = NULL;
    for (int i = 0; i < q.nfields; i++)
      if (strcmp(q.fields[i].key, "ev") == 0 && q.fields[i].type == JSON_STRING)
        ev = q.fields[i].s;
    if (ev && (strcmp(ev, "send") == 0 || strcmp(ev, "event") == 0))
      lua_pushstring(L, ev);
    else if (ev)
      lua_pushfstring(L, "%s line", ev);
    else
      lua_pushstring(L, kinds[k].noun);
    set_kind(L, out, lua_tostring(L, -1));
    lua_pop(L, 1);
  } else {
    set_kind(L, out, kinds[k].noun);
  }
  lua_Integer found = 0;
  for (size_t i = 0; i < n; i++) {
    const json_t *line = json_array_get(list, i);
    if (!qun_query_match(&q, line, at[i]))
      continue;
    qun_sandbox_charge(L, 64);
    qun_lua_pushjson(L, line);
    lua_pushinteger(L, (lua_Integer)at[i]);
    lua_setfield(L, -2, "at");
    lua_rawseti(L, out, ++found);
  }
  return 1;
}

/* r:sends{ to =, between =, contains =, channel =, job = } */
static int result_sends(lua_State *L) {
  return query(L, K_SENDS);
}

/* r:events{ type =, member =, group =, between =, contains = } */
static int result_events(lua_State *L) {
  return query(L, K_EVENTS);
}

/* r:lines{ ev =, between =, contains =, to =, any top-level field = value } */
static int result_lines(lua_State *L) {
  return query(L, K_LINES);
}

/* r:requests{ channel =, type =, between =, contains = } */
static int result_requests(lua_State *L) {
  return query(L, K_REQUESTS);
}

/* r:summary(): summary.json as a table */
static int result_summary(lua_State *L) {
  struct qun_testresult *r = self(L, "summary");
  qun_sandbox_charge(L, 10000);
  qun_lua_pushjson(L, r->summary);
  return 1;
}

/* r:time("sat 20:00") → epoch seconds, in the run's zone from its start */
static int result_time(lua_State *L) {
  struct qun_testresult *r = self(L, "time");
  int64_t t;
  if (read_time(L, r, 2, &t) < 0)
    return qun_sandbox_error(L, "r:time(%s): not a time (e.g. \"2026-11-25 20:00\", \"sat 20:00\")",
                             luaL_tolstring(L, 2, NULL));
  lua_pushinteger(L, (lua_Integer)t);
  return 1;
}

void qun_testresult_open(lua_State *L) {
  static const luaL_Reg methods[] = {
      {"sends", result_sends},     {"events", result_events}, {"lines", result_lines},
      {"requests", result_requests}, {"summary", result_summary}, {"time", result_time},
      {NULL, NULL}};
  luaL_newmetatable(L, RESULT_MT);
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, result_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, result_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable"); /* getmetatable(r) is false: no calling __gc twice */
  lua_pop(L, 1);
}
