/* bind_redpacket.c — redpacket.new{...}, redpacket.get(id), the packet
 * object (p.id, p.total, p.count, p.split, p.group, p.note, p.expires_at;
 * p:claim(member), p:left()), the helpers redpacket.check{...},
 * redpacket.fen(money) and redpacket.yuan(fen), and the message that
 * send(group, packet) posts. Thin: the run (run_redpacket.c) decides. */
#include "host/bind.h"
#include "host/config.h"
#include "host/run.h"
#include "host/sandbox.h"
#include "core/err.h"
#include "core/timespec.h"
#include "core/tz.h"
#include "store/store.h"

#include <jansson.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#define PACKET_MT "qun.redpacket"

/* ---- reading a spec ---- */

/* Money: "88.88" (yuan) or an integer number of fen (a money param). */
static int64_t check_money(lua_State *L, int idx, const char *fn, const char *what) {
  if (lua_isinteger(L, idx))
    return lua_tointeger(L, idx);
  if (lua_type(L, idx) == LUA_TSTRING) {
    int64_t fen;
    if (qun_money_parse(lua_tostring(L, idx), &fen) < 0)
      qun_sandbox_error(L, "%s: %s \"%s\" is not money in yuan (e.g. \"88.88\")", fn, what,
                        lua_tostring(L, idx));
    return fen;
  }
  if (lua_type(L, idx) == LUA_TNUMBER)
    qun_sandbox_error(L, "%s: write %s as a string of yuan, e.g. \"88.88\" (a float cannot hold fen "
                         "exactly), or as whole fen", fn, what);
  qun_sandbox_error(L, "%s: %s is money: \"88.88\" (yuan) or whole fen, not a %s", fn, what,
                    luaL_typename(L, idx));
  return 0;
}

static const char *opt_text(lua_State *L, int t, const char *key, const char *fn) {
  int ty = lua_getfield(L, t, key);
  if (ty != LUA_TNIL && ty != LUA_TSTRING)
    qun_sandbox_error(L, "%s: %s is a string, not a %s", fn, key, luaL_typename(L, -1));
  const char *s = lua_tostring(L, -1);
  lua_pop(L, 1); /* still referenced by the spec table */
  return s;
}

/* Reads { total =, count =, split =, expires =, group =, note = } at t. */
static void read_spec(lua_State *L, int t, const char *fn, struct qun_rp_spec *s) {
  if (!lua_istable(L, t))
    qun_sandbox_error(L, "%s takes a table: %s{ total = \"88.88\", count = 20, split = \"lucky\", "
                         "expires = \"24h\", group = ..., note = ... }", fn, fn);
  static const char *const fields[] = {"total", "count", "split", "expires", "group", "note", NULL};
  const char *unknown = qun_sandbox_unknown_field(L, t, fields);
  if (unknown)
    qun_sandbox_error(L, "%s: unknown field '%s' (fields: total, count, split, expires, group, note)", fn,
                      unknown);
  memset(s, 0, sizeof *s);
  if (lua_getfield(L, t, "total") == LUA_TNIL)
    qun_sandbox_error(L, "%s: no total (the packet's money, e.g. total = \"88.88\")", fn);
  s->total = check_money(L, -1, fn, "total");
  lua_pop(L, 1);
  if (lua_getfield(L, t, "count") == LUA_TNIL)
    qun_sandbox_error(L, "%s: no count (how many shares, e.g. count = 20)", fn);
  if (!lua_isinteger(L, -1))
    qun_sandbox_error(L, "%s: count is a whole number of shares, not %s", fn,
                      lua_type(L, -1) == LUA_TNUMBER ? "a fraction" : luaL_typename(L, -1));
  s->count = lua_tointeger(L, -1);
  lua_pop(L, 1);
  const char *split = opt_text(L, t, "split", fn);
  if (split && qun_rp_split_parse(split, &s->split) < 0)
    qun_sandbox_error(L, "%s: split is \"lucky\" (拼手气) or \"even\" (普通), not \"%s\"", fn, split);
  if (!split)
    s->split = QUN_RP_LUCKY;
  s->expires_s = 24 * 3600;
  if (lua_getfield(L, t, "expires") != LUA_TNIL)
    s->expires_s = qun_bind_check_duration(L, lua_gettop(L), fn);
  lua_pop(L, 1);
  s->group = opt_text(L, t, "group", fn);
  s->note = opt_text(L, t, "note", fn);
}

/* ---- the packet object: a userdata whose user value holds its fields ---- */

static void push_packet(lua_State *L, const struct qun_store_packet *p) {
  lua_newuserdatauv(L, 0, 1);
  lua_createtable(L, 0, 8);
  lua_pushstring(L, p->id);
  lua_setfield(L, -2, "id");
  lua_pushinteger(L, p->total);
  lua_setfield(L, -2, "total");
  lua_pushinteger(L, p->count);
  lua_setfield(L, -2, "count");
  lua_pushstring(L, p->split);
  lua_setfield(L, -2, "split");
  if (p->grp[0]) {
    lua_pushstring(L, p->grp);
    lua_setfield(L, -2, "group");
  }
  if (p->note[0]) {
    lua_pushstring(L, p->note);
    lua_setfield(L, -2, "note");
  }
  lua_pushinteger(L, p->expires_at / 1000);
  lua_setfield(L, -2, "expires_at");
  lua_setiuservalue(L, -2, 1);
  luaL_setmetatable(L, PACKET_MT);
}

/* The packet's id (its user value's), or NULL if idx is not a packet. */
static const char *packet_id(lua_State *L, int idx) {
  if (!luaL_testudata(L, idx, PACKET_MT))
    return NULL;
  lua_getiuservalue(L, idx, 1);
  lua_getfield(L, -1, "id");
  lua_remove(L, -2);
  const char *id = lua_tostring(L, -1); /* kept alive by the user value */
  lua_pop(L, 1);
  return id;
}

static const char *check_packet(lua_State *L, int idx, const char *fn) {
  const char *id = packet_id(L, idx);
  if (!id)
    qun_sandbox_error(L, "%s: expected a red packet (from redpacket.new), not a %s", fn, luaL_typename(L, idx));
  return id;
}

/* p:claim(member) → fen, or nil and the reason ("already claimed", ...) */
static int p_claim(lua_State *L) {
  const char *id = check_packet(L, 1, "p:claim(member)");
  const char *member = qun_bind_check_member(L, 2, "p:claim(member)");
  size_t n = strlen(member);
  if (n == 0 || n > 128) /* as events and the HTTP endpoint require */
    return qun_sandbox_error(L, "p:claim: a member id is 1 to 128 characters");
  struct qun_rp_claim c;
  char err[400];
  qun_sandbox_charge(L, 1000);
  int rc = qun_run_rp_claim(qun_run_of(L), id, member, &c, err, sizeof err);
  if (rc == 0) {
    lua_pushinteger(L, c.fen);
    return 1;
  }
  if (rc == QUN_EIO) { /* not a refusal: the handler rolls back */
    lua_pushstring(L, err);
    return qun_sandbox_error(L, "p:claim: %s", lua_tostring(L, -1));
  }
  lua_pushnil(L);
  lua_pushstring(L, qun_run_rp_refusal(rc));
  return 2;
}

/* p:left() → fen left, shares left (0, 0 once expired and refunded) */
static int p_left(lua_State *L) {
  const char *id = check_packet(L, 1, "p:left()");
  struct qun_store_packet p;
  if (qun_run_rp_get(qun_run_of(L), id, &p) < 0)
    return qun_sandbox_error(L, "p:left: cannot read red packet %s", id);
  int closed = p.refund >= 0;
  lua_pushinteger(L, closed ? 0 : p.total - p.claimed_fen);
  lua_pushinteger(L, closed ? 0 : p.count - p.claimed_count);
  return 2;
}

static int p_index(lua_State *L) {
  if (lua_type(L, 2) == LUA_TSTRING) {
    const char *k = lua_tostring(L, 2);
    if (strcmp(k, "claim") == 0) {
      lua_pushcfunction(L, p_claim);
      return 1;
    }
    if (strcmp(k, "left") == 0) {
      lua_pushcfunction(L, p_left);
      return 1;
    }
  }
  lua_getiuservalue(L, 1, 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

static int p_newindex(lua_State *L) {
  return qun_sandbox_error(L, "a red packet is read-only (its money is in the ledger)");
}

static int p_tostring(lua_State *L) {
  lua_getiuservalue(L, 1, 1);
  lua_getfield(L, -1, "id");
  lua_getfield(L, -2, "total");
  lua_getfield(L, -3, "count");
  char yuan[24];
  qun_money_format(lua_tointeger(L, -2), yuan, sizeof yuan);
  lua_pushfstring(L, "red packet %s (%s 元 in %d shares)", lua_tostring(L, -3), yuan, (int)lua_tointeger(L, -1));
  return 1;
}

static int p_eq(lua_State *L) {
  const char *a = packet_id(L, 1), *b = packet_id(L, 2);
  lua_pushboolean(L, a && b && strcmp(a, b) == 0);
  return 1;
}

/* ---- redpacket.* ---- */

/* redpacket.new{ total =, count =, split =, expires =, group =, note = } */
static int rp_new(lua_State *L) {
  struct qun_run *r = qun_run_of(L);
  struct qun_rp_spec s;
  read_spec(L, 1, "redpacket.new", &s);
  struct qun_store_packet p;
  int created;
  char err[400];
  qun_sandbox_charge(L, 1000);
  if (qun_run_rp_new(r, &s, &p, &created, err, sizeof err) < 0) {
    lua_pushstring(L, err);
    return qun_sandbox_error(L, "redpacket.new: %s", lua_tostring(L, -1));
  }
  if (!created && (p.total != s.total || p.count != s.count)) {
    char a[24], b[24];
    qun_money_format(p.total, a, sizeof a);
    qun_money_format(s.total, b, sizeof b);
    qun_run_warn(r, L, "redpacket.new: packet %s was created earlier as %s 元 in %lld shares; the "
                 "playbook now says %s 元 in %lld: the packet stands as created", p.id, a,
                 (long long)p.count, b, (long long)s.count);
  }
  const struct qun_config *cfg = qun_run_config(r);
  if (!cfg || !cfg->payout_channel)
    qun_run_warn(r, L, "redpacket.new: no payout_channel in the team config: claims are recorded, "
                 "no payouts are sent");
  push_packet(L, &p);
  return 1;
}

/* redpacket.get(id) → the packet, or nil if this run has none by that id */
static int rp_get(lua_State *L) {
  const char *id = luaL_checkstring(L, 1);
  struct qun_store_packet p;
  if (qun_run_rp_get(qun_run_of(L), id, &p) < 0) {
    lua_pushnil(L);
    return 1;
  }
  push_packet(L, &p);
  return 1;
}

/* redpacket.check{...} → true, or nil and why (what redpacket.new would
 * refuse: money, shares, the config's limits, the expiry) */
static int rp_check(lua_State *L) {
  struct qun_rp_spec s;
  read_spec(L, 1, "redpacket.check", &s);
  char err[400];
  if (qun_run_rp_check(qun_run_of(L), &s, err, sizeof err) < 0) {
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* redpacket.fen("88.88") → 8888 (whole fen pass through) */
static int rp_fen(lua_State *L) {
  lua_pushinteger(L, check_money(L, 1, "redpacket.fen", "the amount"));
  return 1;
}

/* redpacket.yuan(8888) → "88.88" */
static int rp_yuan(lua_State *L) {
  char buf[24];
  qun_money_format(luaL_checkinteger(L, 1), buf, sizeof buf);
  lua_pushstring(L, buf);
  return 1;
}

/* ---- send(group, packet) ---- */

int qun_bind_packet_message(lua_State *L, int idx) {
  const char *id = packet_id(L, idx);
  if (!id)
    return 0;
  struct qun_run *r = qun_run_of(L);
  const struct qun_config *cfg = qun_run_config(r);
  const char *tpl = cfg ? cfg->rp_claim_url : NULL;
  if (!tpl)
    return qun_sandbox_error(L, "send: a red packet needs redpacket.claim_url in the team config (the "
                                "page where members claim it, e.g. \"https://shop.example/rp/{packet}\")");
  const char *slot = strstr(tpl, "{packet}");
  if (!slot)
    return qun_sandbox_error(L, "send: redpacket.claim_url has no {packet} for the packet's id");
  struct qun_store_packet p;
  if (qun_run_rp_get(r, id, &p) < 0)
    return qun_sandbox_error(L, "send: no red packet %s in this run", id);
  char url[2048], total[24], expires[40];
  snprintf(url, sizeof url, "%.*s%s%s", (int)(slot - tpl), tpl, p.id, slot + 8);
  qun_money_format(p.total, total, sizeof total);
  qun_tz_rfc3339(p.expires_at / 1000, expires, sizeof expires);
  json_t *o = json_pack("{s:{s:s, s:s, s:I, s:s*, s:s, s:s}}", "redpacket", "id", p.id, "total", total,
                        "count", (json_int_t)p.count, "note", p.note[0] ? p.note : NULL, "url", url,
                        "expires", expires);
  char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(o);
  lua_pushstring(L, text ? text : "{}");
  free(text);
  return 1;
}

static const luaL_Reg packet_meta[] = {
    {"__index", p_index}, {"__newindex", p_newindex}, {"__tostring", p_tostring}, {"__eq", p_eq}, {NULL, NULL}};

static const luaL_Reg rp_funcs[] = {{"new", rp_new},   {"get", rp_get},   {"check", rp_check},
                                    {"fen", rp_fen},   {"yuan", rp_yuan}, {NULL, NULL}};

void qun_bind_redpacket(lua_State *L) {
  qun_sandbox_newmetatable(L, PACKET_MT, packet_meta);
  lua_pop(L, 1);
  luaL_newlib(L, rp_funcs);
  lua_setglobal(L, "redpacket");
}
