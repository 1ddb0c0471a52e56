/* config.c — the team config (see config.h). The file runs in a sandbox
 * whose _ENV records each top-level setting with the line that set it;
 * the values are then checked in C, and every message names that line. */
#include "host/config.h"
#include "host/sandbox.h"
#include "core/timespec.h"
#include "core/tz.h"

#include <lauxlib.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const settings[] = {
    "timezone", "quiet_hours", "caps", "grace", "listen", "redpacket", "channels",
    "groups", "members_channel", "payout_channel", "params", NULL};

static const struct {
  const char *type;
  const char *const fields[6];
  const char *required; /* the field the channel cannot work without */
} channel_types[] = {
    {"console", {"type", "rate"}, NULL},
    {"file", {"type", "path", "rate"}, "path"},
    {"webhook", {"type", "url", "secret", "rate"}, "url"},
    {"wecom", {"type", "key", "base_url", "rate"}, "key"},
    {"dingtalk", {"type", "token", "secret", "base_url", "rate"}, "token"},
    {"feishu", {"type", "hook", "secret", "base_url", "rate"}, "hook"},
    {"slack", {"type", "url", "rate"}, "url"},
    {"telegram", {"type", "token", "base_url", "rate"}, "token"},
};
#define NTYPES (sizeof channel_types / sizeof channel_types[0])

static void sort_config(struct qun_config *cfg);

struct load {
  struct qun_config *cfg;
  int flags;
  const char *path;
  int lines[16]; /* line of each setting's assignment, by index in settings[] */
};

static int setting_index(const char *k) {
  for (int i = 0; settings[i]; i++)
    if (strcmp(settings[i], k) == 0)
      return i;
  return -1;
}

/* Edit distance, for "did you mean". Short names only. */
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
      if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
      d[i][j] = c;
    }
  return d[n][m];
}

static void push_suggestion(lua_State *L, const char *k, const char *const *known) {
  const char *best = NULL;
  int bd = 3;
  for (int i = 0; known[i]; i++) {
    int dd = distance(k, known[i]);
    if (dd < bd)
      bd = dd, best = known[i];
  }
  if (best)
    lua_pushfstring(L, "did you mean '%s'? ", best);
  else
    lua_pushliteral(L, "");
}

static void push_list(lua_State *L, const char *const *known) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 0; known[i]; i++) {
    luaL_addstring(&b, i ? ", " : "");
    luaL_addstring(&b, known[i]);
  }
  luaL_pushresult(&b);
}

static int current_line(lua_State *L) {
  lua_Debug ar;
  for (int level = 1; lua_getstack(L, level, &ar); level++)
    if (lua_getinfo(L, "l", &ar) && ar.currentline > 0)
      return ar.currentline;
  return 0;
}

/* _ENV.__newindex: only known settings, each recorded with its line. */
static int env_newindex(lua_State *L) {
  struct load *ld = lua_touserdata(L, lua_upvalueindex(2));
  const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
  int i = k ? setting_index(k) : -1;
  if (i < 0) {
    push_suggestion(L, k ? k : "", settings);
    push_list(L, settings);
    return qun_sandbox_error(L, "unknown setting '%s' (%ssettings: %s)", k ? k : luaL_typename(L, 2),
                             lua_tostring(L, -2), lua_tostring(L, -1));
  }
  ld->lines[i] = current_line(L);
  lua_rawset(L, lua_upvalueindex(1));
  return 0;
}

/* _ENV.__index: a setting already made, else the safe globals. */
static int env_index(lua_State *L) {
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
    return 1;
  lua_pushvalue(L, 2);
  lua_gettable(L, lua_upvalueindex(2));
  return 1;
}

static char *dup_or_raise(lua_State *L, const char *s) {
  char *d = strdup(s);
  if (!d)
    luaL_error(L, "not enough memory");
  return d;
}

static void add_secret(lua_State *L, struct qun_config *cfg, const char *v) {
  if (strlen(v) < 4)
    return; /* too short to redact without redacting everything */
  char **s = realloc(cfg->secrets, (cfg->nsecrets + 1) * sizeof *s);
  if (!s)
    luaL_error(L, "not enough memory");
  cfg->secrets = s;
  cfg->secrets[cfg->nsecrets] = dup_or_raise(L, v);
  cfg->nsecrets++;
}

/* env("NAME" [, default]) */
static int l_env(lua_State *L) {
  struct load *ld = lua_touserdata(L, lua_upvalueindex(1));
  const char *name = luaL_checkstring(L, 1);
  const char *v = getenv(name);
  if (!v && lua_isnoneornil(L, 2) && ld->flags & QUN_CONFIG_DRY) {
    /* nothing is sent: a stand-in will do, and the name is kept to say so */
    char **u = realloc(ld->cfg->unset, (ld->cfg->nunset + 1) * sizeof *u);
    if (!u)
      return luaL_error(L, "not enough memory");
    ld->cfg->unset = u;
    u[ld->cfg->nunset] = dup_or_raise(L, name);
    ld->cfg->nunset++;
    lua_pushfstring(L, "dry-run-%s", name);
    return 1;
  }
  if (!v) {
    if (lua_isnoneornil(L, 2))
      return qun_sandbox_error(L, "env(\"%s\") is not set: export it before starting qun", name);
    lua_settop(L, 2);
    luaL_checkstring(L, 2);
    return 1;
  }
  add_secret(L, ld->cfg, v);
  lua_pushstring(L, v);
  return 1;
}

/* ---- checking the values (inside a protected call) ---- */

#define FAIL(ld, i, ...) fail(L, ld, i, __VA_ARGS__)
static int fail(lua_State *L, struct load *ld, int i, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  qun_config_redact(ld->cfg, msg, sizeof msg);
  lua_pushfstring(L, "%s:%d: %s", ld->path, ld->lines[i], msg);
  return lua_error(L);
}

static void check_fields(lua_State *L, struct load *ld, int i, int t, const char *what,
                         const char *const *known) {
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
    int ok = 0;
    for (int j = 0; known[j] && !ok; j++)
      ok = strcmp(known[j], k) == 0;
    if (!ok) {
      push_list(L, known);
      FAIL(ld, i, "%s: unknown field '%s' (fields: %s)", what, k, lua_tostring(L, -1));
    }
  }
}

static const char *opt_string(lua_State *L, struct load *ld, int i, int t, const char *key,
                              const char *what) {
  int ty = lua_getfield(L, t, key);
  const char *s = ty == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
  if (ty != LUA_TNIL && ty != LUA_TSTRING)
    FAIL(ld, i, "%s.%s must be a string", what, key);
  lua_pop(L, 1); /* the string stays alive in the table */
  return s;
}

static int read_clock(const char *s, int *minutes) {
  int h, m, n = 0;
  if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5 || h > 23 || m > 59 || h < 0 || m < 0)
    return -1;
  *minutes = h * 60 + m;
  return 0;
}

static void check_url(lua_State *L, struct load *ld, int i, const char *what, const char *field,
                      const char *url) {
  if (url && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
    FAIL(ld, i, "%s: %s must start with https:// (or http:// for a local test server)", what, field);
}

/* rate = "20/min" or { "5/s", "100/min" } */
static void read_rate(lua_State *L, struct load *ld, int i, int t, const char *what,
                      struct qun_channel *c) {
  int ty = lua_getfield(L, t, "rate");
  if (ty == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  int n = ty == LUA_TTABLE ? (int)lua_rawlen(L, -1) : 1;
  if ((ty != LUA_TSTRING && ty != LUA_TTABLE) || n < 1 || n > QUN_RATE_RULES)
    FAIL(ld, i, "%s: rate is \"20/min\" or a list of up to %d, e.g. { \"5/s\", \"100/min\" }", what,
         QUN_RATE_RULES);
  for (int k = 1; k <= n; k++) {
    if (ty == LUA_TTABLE)
      lua_rawgeti(L, -1, k);
    else
      lua_pushvalue(L, -1);
    const char *r = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
    if (qun_rate_parse(r, &c->rate[k - 1]) < 0)
      FAIL(ld, i, "%s: cannot read the rate \"%s\" (expected e.g. \"20/min\", \"5/s\", \"100/h\")", what, r);
    lua_pop(L, 1);
  }
  c->nrate = n;
  lua_pop(L, 1);
}

static void check_channels(lua_State *L, struct load *ld, int v) {
  int i = setting_index("channels");
  if (lua_getfield(L, v, "channels") == LUA_TNIL)
    return;
  if (!lua_istable(L, -1))
    FAIL(ld, i, "channels must be a table of NAME = { type = ... }");
  int t = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1))
      FAIL(ld, i, "channels: each is NAME = { type = \"wecom\", ... }");
    const char *name = lua_tostring(L, -2);
    char what[160];
    snprintf(what, sizeof what, "channels.%s", name);
    const char *type = opt_string(L, ld, i, lua_gettop(L), "type", what);
    size_t k = 0;
    while (type && k < NTYPES && strcmp(channel_types[k].type, type) != 0)
      k++;
    if (!type || k == NTYPES)
      FAIL(ld, i, "%s: type must be one of console, file, webhook, wecom, dingtalk, feishu, "
                  "slack, telegram", what);
    char tw[200];
    snprintf(tw, sizeof tw, "%s (%s)", what, type);
    int ct = lua_gettop(L);
    check_fields(L, ld, i, ct, tw, channel_types[k].fields);
    struct qun_channel *c = realloc(ld->cfg->channels, (ld->cfg->nchannels + 1) * sizeof *c);
    if (!c)
      luaL_error(L, "not enough memory");
    ld->cfg->channels = c;
    c = &c[ld->cfg->nchannels];
    memset(c, 0, sizeof *c);
    ld->cfg->nchannels++;
    c->name = dup_or_raise(L, name);
    c->type = dup_or_raise(L, type);
    c->line = ld->lines[i];
    static const struct { const char *field; size_t off; } texts[] = {
        {"key", offsetof(struct qun_channel, key)}, {"token", offsetof(struct qun_channel, token)},
        {"secret", offsetof(struct qun_channel, secret)}, {"hook", offsetof(struct qun_channel, hook)},
        {"url", offsetof(struct qun_channel, url)}, {"base_url", offsetof(struct qun_channel, base_url)},
        {"path", offsetof(struct qun_channel, path)}};
    for (size_t f = 0; f < sizeof texts / sizeof texts[0]; f++) {
      const char *val = opt_string(L, ld, i, ct, texts[f].field, tw);
      if (val && !*val)
        FAIL(ld, i, "%s: %s is empty", tw, texts[f].field);
      if (val)
        *(char **)((char *)c + texts[f].off) = dup_or_raise(L, val);
    }
    if (channel_types[k].required && !opt_string(L, ld, i, ct, channel_types[k].required, tw))
      FAIL(ld, i, "%s: no %s (e.g. %s = env(\"...\"))", tw, channel_types[k].required,
           channel_types[k].required);
    check_url(L, ld, i, tw, "url", c->url);
    check_url(L, ld, i, tw, "base_url", c->base_url);
    read_rate(L, ld, i, ct, tw, c);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

static void check_groups(lua_State *L, struct load *ld, int v) {
  int i = setting_index("groups");
  static const char *const fields[] = {"name", "channel", "chat", "internal", NULL};
  if (lua_getfield(L, v, "groups") == LUA_TNIL)
    return;
  if (!lua_istable(L, -1))
    FAIL(ld, i, "groups must be a table of ID = { name = ..., channel = ... }");
  int t = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1))
      FAIL(ld, i, "groups: each is [\"ID\"] = { name = ..., channel = ... }");
    char what[160];
    snprintf(what, sizeof what, "groups[\"%s\"]", lua_tostring(L, -2));
    int g = lua_gettop(L);
    check_fields(L, ld, i, g, what, fields);
    const char *ch = opt_string(L, ld, i, g, "channel", what);
    if (!ch)
      FAIL(ld, i, "%s: no channel", what);
    if (!qun_config_channel(ld->cfg, ch))
      FAIL(ld, i, "%s: no channel named '%s' in channels", what, ch);
    struct qun_group *gr = realloc(ld->cfg->groups, (ld->cfg->ngroups + 1) * sizeof *gr);
    if (!gr)
      luaL_error(L, "not enough memory");
    ld->cfg->groups = gr;
    gr = &gr[ld->cfg->ngroups];
    memset(gr, 0, sizeof *gr);
    ld->cfg->ngroups++;
    gr->id = dup_or_raise(L, lua_tostring(L, -2));
    gr->channel = dup_or_raise(L, ch);
    const char *name = opt_string(L, ld, i, g, "name", what), *chat = opt_string(L, ld, i, g, "chat", what);
    gr->name = name ? dup_or_raise(L, name) : NULL;
    gr->chat = chat ? dup_or_raise(L, chat) : NULL;
    int ty = lua_getfield(L, g, "internal");
    if (ty != LUA_TNIL && ty != LUA_TBOOLEAN)
      FAIL(ld, i, "%s.internal is true or false", what);
    gr->internal = lua_toboolean(L, -1);
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
}

/* A param's value as the text --set would give. */
static void push_param_text(lua_State *L, struct load *ld, int i, int idx, const char *name) {
  int t = lua_type(L, idx);
  if (t == LUA_TSTRING || t == LUA_TNUMBER)
    lua_pushstring(L, lua_tostring(L, idx));
  else if (t == LUA_TBOOLEAN)
    lua_pushstring(L, lua_toboolean(L, idx) ? "true" : "false");
  else if (t == LUA_TTABLE) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer k = 1; k <= n; k++) {
      lua_rawgeti(L, idx, k);
      if (!lua_isstring(L, -1))
        FAIL(ld, i, "params.%s: a list holds strings or numbers", name);
      if (k > 1)
        luaL_addchar(&b, ',');
      luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
  } else
    FAIL(ld, i, "params.%s: a %s is not a param value", name, luaL_typename(L, idx));
}

/* quiet_hours = "22:00-08:00" (sends inside wait for its end) or
 * { window = "22:00-08:00", action = "drop" } (sends inside are dropped). */
static void read_quiet(lua_State *L, struct load *ld, int v, struct qun_config *cfg) {
  int i = setting_index("quiet_hours");
  int ty = lua_getfield(L, v, "quiet_hours");
  const char *s = NULL;
  if (ty == LUA_TTABLE) {
    static const char *const f[] = {"window", "action", NULL};
    int t = lua_gettop(L);
    check_fields(L, ld, i, t, "quiet_hours", f);
    s = opt_string(L, ld, i, t, "window", "quiet_hours");
    const char *action = opt_string(L, ld, i, t, "action", "quiet_hours");
    if (!s)
      FAIL(ld, i, "quiet_hours: no window (e.g. window = \"22:00-08:00\")");
    if (action && strcmp(action, "drop") != 0 && strcmp(action, "defer") != 0)
      FAIL(ld, i, "quiet_hours.action is \"defer\" (send at the window's end) or \"drop\", not \"%s\"",
           action);
    cfg->quiet_drop = action && strcmp(action, "drop") == 0;
  } else if (ty == LUA_TSTRING) {
    s = lua_tostring(L, -1);
  } else if (ty != LUA_TNIL) {
    FAIL(ld, i, "quiet_hours is \"22:00-08:00\" or { window = \"22:00-08:00\", action = \"drop\" }");
  }
  if (s && (strlen(s) != 11 || s[5] != '-' || read_clock(s, &cfg->quiet_from) < 0 ||
            read_clock(s + 6, &cfg->quiet_to) < 0 || cfg->quiet_from == cfg->quiet_to))
    FAIL(ld, i, "quiet_hours: cannot read \"%s\" (expected e.g. \"22:00-08:00\")", s);
  lua_pop(L, 1);
}

/* redpacket = { max_total = "200.00", max_count = 100, claim_url = "https://…/{packet}" } */
static void read_redpacket(lua_State *L, struct load *ld, int i, int t, struct qun_config *cfg) {
  const char *s;
  if ((s = opt_string(L, ld, i, t, "max_total", "redpacket")) &&
      (qun_money_parse(s, &cfg->rp_max_total) < 0 || cfg->rp_max_total < 1))
    FAIL(ld, i, "redpacket.max_total: cannot read \"%s\" as money in yuan (e.g. \"200.00\")", s);
  if (lua_getfield(L, t, "max_count") != LUA_TNIL) {
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > 10000)
      FAIL(ld, i, "redpacket.max_count must be a whole number from 1 to 10000");
    cfg->rp_max_count = (int)lua_tointeger(L, -1);
  }
  lua_pop(L, 1);
  if ((s = opt_string(L, ld, i, t, "claim_url", "redpacket"))) {
    if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
      FAIL(ld, i, "redpacket.claim_url must be a URL (e.g. \"https://shop.example/rp/{packet}\")");
    cfg->rp_claim_url = dup_or_raise(L, s);
  }
}

static int check_all(lua_State *L) {
  struct load *ld = lua_touserdata(L, 1);
  struct qun_config *cfg = ld->cfg;
  int v = 2; /* the settings table */
  int i;
  const char *s;
  if ((s = opt_string(L, ld, i = setting_index("timezone"), v, "timezone", "timezone"))) {
    char prev[128];
    snprintf(prev, sizeof prev, "%s", qun_tz_name() ? qun_tz_name() : "UTC");
    int bad = qun_tz_set(s) < 0;
    qun_tz_set(prev);
    if (bad)
      FAIL(ld, i, "timezone '%s' is not in the tz database (e.g. \"Asia/Shanghai\")", s);
    free(cfg->timezone);
    cfg->timezone = dup_or_raise(L, s);
  }
  if ((s = opt_string(L, ld, i = setting_index("grace"), v, "grace", "grace")) &&
      qun_duration_parse(s, &cfg->grace_s) < 0)
    FAIL(ld, i, "grace: cannot read \"%s\" as a duration (expected e.g. \"10m\")", s);
  read_quiet(L, ld, v, cfg);
  i = setting_index("caps");
  if (lua_getfield(L, v, "caps") != LUA_TNIL) {
    static const char *const f[] = {"member_per_day", NULL};
    if (!lua_istable(L, -1))
      FAIL(ld, i, "caps must be a table, e.g. { member_per_day = 3 }");
    check_fields(L, ld, i, lua_gettop(L), "caps", f);
    if (lua_getfield(L, -1, "member_per_day") != LUA_TNIL) {
      if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > 1000)
        FAIL(ld, i, "caps.member_per_day must be a whole number from 1 to 1000");
      cfg->member_per_day = (int)lua_tointeger(L, -1);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  static const struct { const char *name; const char *const f[4]; } tables[] = {
      {"listen", {"token", "addr", "max_body", NULL}},
      {"redpacket", {"max_total", "max_count", "claim_url", NULL}}};
  for (size_t k = 0; k < 2; k++) {
    i = setting_index(tables[k].name);
    if (lua_getfield(L, v, tables[k].name) != LUA_TNIL) {
      if (!lua_istable(L, -1))
        FAIL(ld, i, "%s must be a table", tables[k].name);
      check_fields(L, ld, i, lua_gettop(L), tables[k].name, tables[k].f);
      if (k == 0) { /* listen */
        int t = lua_gettop(L);
        if ((s = opt_string(L, ld, i, t, "token", "listen"))) {
          if (strlen(s) < 16)
            FAIL(ld, i, "listen.token is too short to guess-proof (at least 16 characters)");
          cfg->listen_token = dup_or_raise(L, s);
        }
        if ((s = opt_string(L, ld, i, t, "addr", "listen")))
          cfg->listen_addr = dup_or_raise(L, s);
        if (lua_getfield(L, t, "max_body") != LUA_TNIL) {
          if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1024)
            FAIL(ld, i, "listen.max_body is a size in bytes (at least 1024)");
          cfg->listen_max_body = lua_tointeger(L, -1);
        }
        lua_pop(L, 1);
      } else {
        read_redpacket(L, ld, i, lua_gettop(L), cfg);
      }
    }
    lua_pop(L, 1);
  }
  check_channels(L, ld, v);
  sort_config(cfg); /* groups look their channel up */
  check_groups(L, ld, v);
  sort_config(cfg);
  static const char *const refs[] = {"members_channel", "payout_channel"};
  for (size_t k = 0; k < 2; k++) {
    i = setting_index(refs[k]);
    if ((s = opt_string(L, ld, i, v, refs[k], refs[k]))) {
      const struct qun_channel *c = qun_config_channel(cfg, s);
      if (!c)
        FAIL(ld, i, "%s: no channel named '%s' in channels", refs[k], s);
      if (k && (strcmp(c->type, "webhook") != 0 || !c->secret))
        FAIL(ld, i, "payout_channel: '%s' must be a webhook with a secret (payouts are signed)", s);
      *(k ? &cfg->payout_channel : &cfg->members_channel) = dup_or_raise(L, s);
    }
  }
  i = setting_index("params");
  if (lua_getfield(L, v, "params") != LUA_TNIL) {
    if (!lua_istable(L, -1))
      FAIL(ld, i, "params must be a table of NAME = value");
    int t = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t)) {
      if (lua_type(L, -2) != LUA_TSTRING)
        FAIL(ld, i, "params: names are strings");
      const char *name = lua_tostring(L, -2);
      push_param_text(L, ld, i, lua_gettop(L), name);
      char **sets = realloc(cfg->sets, (size_t)(cfg->nsets + 1) * sizeof *sets);
      if (!sets)
        luaL_error(L, "not enough memory");
      cfg->sets = sets;
      lua_pushfstring(L, "%s=%s", name, lua_tostring(L, -1));
      cfg->sets[cfg->nsets] = dup_or_raise(L, lua_tostring(L, -1));
      cfg->nsets++;
      lua_pop(L, 3);
    }
  }
  lua_pop(L, 1);
  return 0;
}

/* ---- loading ---- */

static int64_t wall_ms(void *ud) {
  (void)ud;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void no_log(void *ud, const char *msg, size_t len) {
  (void)ud, (void)msg, (void)len;
}

static int setup_env(lua_State *L) {
  struct load *ld = lua_touserdata(L, 1);
  lua_newtable(L); /* values: 2 */
  lua_newtable(L); /* _ENV: 3 */
  lua_createtable(L, 0, 3);
  lua_pushvalue(L, 2);
  lua_pushlightuserdata(L, ld);
  lua_pushcclosure(L, env_newindex, 2);
  lua_setfield(L, -2, "__newindex");
  lua_pushvalue(L, 2);
  lua_pushglobaltable(L);
  lua_pushcclosure(L, env_index, 2);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, 3);
  lua_pushlightuserdata(L, ld);
  lua_pushcclosure(L, l_env, 1);
  lua_setglobal(L, "env");
  return 2;
}

void qun_config_defaults(struct qun_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->timezone = strdup(QUN_TZ_DEFAULT);
  cfg->grace_s = 600;
  cfg->quiet_from = cfg->quiet_to = -1;
  cfg->listen_max_body = 1 << 20;
  cfg->rp_max_total = 20000;
  cfg->rp_max_count = 100;
}

int qun_config_load(const char *path, struct qun_config *cfg, int flags, char *err, size_t errlen) {
  qun_config_defaults(cfg);
  cfg->path = strdup(path);
  struct load ld = {.cfg = cfg, .flags = flags, .path = path};
  struct qun_sandbox_opts so = {.path = path, .now_ms = wall_ms, .log = no_log};
  struct qun_sandbox *sb = qun_sandbox_new(&so);
  if (!sb || !cfg->path || !cfg->timezone) {
    snprintf(err, errlen, "%s: out of memory", path);
    qun_sandbox_free(sb);
    return -1;
  }
  lua_State *L = sb->L;
  int rc = -1;
  lua_pushcfunction(L, setup_env);
  lua_pushlightuserdata(L, &ld);
  if (qun_sandbox_call(sb, 1, 2, err, errlen, NULL) != 0)
    goto out;
  /* Stack: values, env */
  if (qun_sandbox_load(sb, err, errlen) < 0)
    goto out;
  lua_pushvalue(L, -2);
  lua_setupvalue(L, -2, 1); /* the chunk's _ENV */
  if (qun_sandbox_call(sb, 0, 0, err, errlen, NULL) != 0)
    goto out;
  lua_pushcfunction(L, check_all);
  lua_pushlightuserdata(L, &ld);
  lua_pushvalue(L, -4); /* values */
  if (qun_sandbox_call(sb, 2, 0, err, errlen, NULL) != 0)
    goto out;
  rc = 0;
out:
  if (rc < 0)
    qun_config_redact(cfg, err, errlen);
  qun_sandbox_free(sb);
  return rc;
}

void qun_config_free(struct qun_config *cfg) {
  free(cfg->path);
  free(cfg->timezone);
  for (int i = 0; i < cfg->nsets; i++)
    free(cfg->sets[i]);
  free(cfg->sets);
  for (size_t i = 0; i < cfg->nchannels; i++) {
    struct qun_channel *c = &cfg->channels[i];
    free(c->name), free(c->type), free(c->key), free(c->token), free(c->secret), free(c->hook);
    free(c->url), free(c->base_url), free(c->path);
  }
  free(cfg->channels);
  for (size_t i = 0; i < cfg->ngroups; i++)
    free(cfg->groups[i].id), free(cfg->groups[i].name), free(cfg->groups[i].channel),
        free(cfg->groups[i].chat);
  free(cfg->groups);
  free(cfg->members_channel);
  free(cfg->payout_channel);
  free(cfg->rp_claim_url);
  free(cfg->listen_token);
  free(cfg->listen_addr);
  for (size_t i = 0; i < cfg->nsecrets; i++)
    free(cfg->secrets[i]);
  free(cfg->secrets);
  for (size_t i = 0; i < cfg->nunset; i++)
    free(cfg->unset[i]);
  free(cfg->unset);
  memset(cfg, 0, sizeof *cfg);
}

void qun_config_redact(const struct qun_config *cfg, char *buf, size_t len) {
  (void)len;
  for (size_t k = 0; k < cfg->nsecrets; k++) {
    const char *sec = cfg->secrets[k];
    size_t n = strlen(sec);
    char *p;
    while ((p = strstr(buf, sec))) {
      size_t tail = strlen(p + n);
      memmove(p + 3, p + n, tail + 1); /* n ≥ 4: the text only shrinks */
      memcpy(p, "***", 3);
    }
  }
}

static int cmp_channel(const void *a, const void *b) {
  return strcmp(((const struct qun_channel *)a)->name, ((const struct qun_channel *)b)->name);
}

static int cmp_group(const void *a, const void *b) {
  return strcmp(((const struct qun_group *)a)->id, ((const struct qun_group *)b)->id);
}

/* Lookups by name are binary searches: a config may generate 10 000 robots. */
static void sort_config(struct qun_config *cfg) {
  if (cfg->nchannels)
    qsort(cfg->channels, cfg->nchannels, sizeof *cfg->channels, cmp_channel);
  if (cfg->ngroups)
    qsort(cfg->groups, cfg->ngroups, sizeof *cfg->groups, cmp_group);
}

const struct qun_channel *qun_config_channel(const struct qun_config *cfg, const char *name) {
  if (!cfg || !cfg->nchannels)
    return NULL;
  struct qun_channel key = {.name = (char *)name};
  return bsearch(&key, cfg->channels, cfg->nchannels, sizeof key, cmp_channel);
}

const struct qun_group *qun_config_group(const struct qun_config *cfg, const char *id) {
  if (!cfg || !cfg->ngroups)
    return NULL;
  struct qun_group key = {.id = (char *)id};
  return bsearch(&key, cfg->groups, cfg->ngroups, sizeof key, cmp_group);
}
