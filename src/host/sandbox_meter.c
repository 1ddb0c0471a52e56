/* sandbox_meter.c — the C library functions whose work is not counted in
 * Lua instructions (a string.rep of a gigabyte is one instruction) are
 * wrapped: each wrapper charges the instruction budget for the work it
 * is about to do, then calls the original (kept as an upvalue).
 *
 * Patterns are the hard case: Lua's matcher backtracks, so "a*a*a*a*b" on a
 * long string takes time exponential in the number of quantifiers, inside
 * one C call the count hook never sees. The wrapper estimates the worst
 * case (starts × n^k for k unbounded quantifiers) and refuses a call whose
 * estimate exceeds PATTERN_LIMIT before it starts. The estimate is
 * deliberately rough; what matters is that every call is bounded. */
#include "host/sandbox.h"
#include "host/sandbox_env.h"

#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define PATTERN_LIMIT 1e9

enum cost {
  COST_REP, COST_PATTERN, COST_PATTERN_GSUB, COST_FORMAT, COST_ARG1_LEN, COST_CHAR,
  COST_CONCAT, COST_SORT, COST_UNPACK, COST_SHIFT, COST_MOVE,
};

static int64_t sat(double x) {
  return x >= 9e18 ? INT64_MAX / 2 : (int64_t)x;
}

static size_t arg_len(lua_State *L, int i) {
  size_t n = 0;
  if (lua_type(L, i) == LUA_TSTRING)
    lua_tolstring(L, i, &n);
  return n;
}

/* Unbounded quantifiers in a Lua pattern (escapes and sets skipped). */
static int quantifiers(const char *p, size_t m) {
  int k = 0;
  for (size_t i = 0; i < m; i++) {
    if (p[i] == '%') {
      if (i + 1 < m && (p[i + 1] == 'b' || p[i + 1] == 'f'))
        k++; /* %b and %f scan too */
      i++;
    } else if (p[i] == '[') {
      i++;
      if (i < m && p[i] == '^')
        i++;
      if (i < m && p[i] == ']')
        i++;
      while (i < m && p[i] != ']') {
        if (p[i] == '%')
          i++;
        i++;
      }
    } else if (p[i] == '*' || p[i] == '+' || p[i] == '-') {
      k++;
    }
  }
  return k;
}

static int has_specials(const char *p, size_t m) {
  return strpbrk(p, "^$*+?.([%-") != NULL || strlen(p) != m;
}

static void charge_pattern(lua_State *L, int plain_arg) {
  size_t n = arg_len(L, 1), m;
  const char *p = luaL_checklstring(L, 2, &m);
  int plain = plain_arg && lua_toboolean(L, 4);
  if (plain || !has_specials(p, m)) {
    qun_sandbox_charge(L, (int64_t)(n / 8 + m));
    return;
  }
  int k = quantifiers(p, m);
  double base = (double)n + 1, starts = p[0] == '^' ? 1 : base;
  double est = starts * (k ? pow(base, k) : (double)m);
  if (est > PATTERN_LIMIT) {
    char msg[200];
    size_t show = m < 40 ? m : 40;
    snprintf(msg, sizeof msg, "pattern '%.*s%s' on a %zu-byte string could take up to ~%.0e steps "
             "(limit %.0e): simplify the pattern or shorten the text",
             (int)show, p, m > 40 ? "..." : "", n, est, PATTERN_LIMIT);
    qun_sandbox_error(L, "%s", msg);
  }
  qun_sandbox_charge(L, sat(est / 64) + 1);
}

static int metered(lua_State *L) {
  enum cost kind = (enum cost)lua_tointeger(L, lua_upvalueindex(2));
  int n = lua_gettop(L);
  switch (kind) {
  case COST_REP: {
    double times = (double)luaL_optinteger(L, 2, 0);
    double bytes = times > 0 ? times * (double)(arg_len(L, 1) + arg_len(L, 3)) : 0;
    qun_sandbox_charge(L, sat(bytes / 16) + 1);
    break;
  }
  case COST_PATTERN:
    charge_pattern(L, 1);
    break;
  case COST_PATTERN_GSUB:
    charge_pattern(L, 0);
    break;
  case COST_FORMAT: {
    size_t total = 0;
    for (int i = 1; i <= n; i++)
      total += arg_len(L, i);
    qun_sandbox_charge(L, (int64_t)(total / 16 + (size_t)n));
    break;
  }
  case COST_ARG1_LEN:
    qun_sandbox_charge(L, (int64_t)(arg_len(L, 1) / 16 + 1));
    break;
  case COST_CHAR:
    qun_sandbox_charge(L, n + 1);
    break;
  case COST_CONCAT:
  case COST_SHIFT:
    qun_sandbox_charge(L, lua_type(L, 1) == LUA_TTABLE ? (int64_t)lua_rawlen(L, 1) + 1 : 1);
    break;
  case COST_SORT: {
    double len = lua_type(L, 1) == LUA_TTABLE ? (double)lua_rawlen(L, 1) : 0;
    qun_sandbox_charge(L, sat(len * log2(len + 2)) + 1);
    break;
  }
  case COST_UNPACK: {
    lua_Integer i = luaL_optinteger(L, 2, 1);
    lua_Integer e = lua_isnoneornil(L, 3) ? (lua_type(L, 1) == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, 1) : 0)
                                          : luaL_checkinteger(L, 3);
    qun_sandbox_charge(L, e >= i ? sat((double)e - (double)i + 1) : 1);
    break;
  }
  case COST_MOVE: {
    lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
    qun_sandbox_charge(L, e >= f ? sat((double)e - (double)f + 1) : 1);
    break;
  }
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

static const struct {
  const char *lib, *name;
  enum cost kind;
} meters[] = {
    {LUA_STRLIBNAME, "rep", COST_REP},
    {LUA_STRLIBNAME, "find", COST_PATTERN},
    {LUA_STRLIBNAME, "match", COST_PATTERN_GSUB},
    {LUA_STRLIBNAME, "gmatch", COST_PATTERN_GSUB},
    {LUA_STRLIBNAME, "gsub", COST_PATTERN_GSUB},
    {LUA_STRLIBNAME, "format", COST_FORMAT},
    {LUA_STRLIBNAME, "byte", COST_ARG1_LEN},
    {LUA_STRLIBNAME, "upper", COST_ARG1_LEN},
    {LUA_STRLIBNAME, "lower", COST_ARG1_LEN},
    {LUA_STRLIBNAME, "reverse", COST_ARG1_LEN},
    {LUA_STRLIBNAME, "char", COST_CHAR},
    {LUA_TABLIBNAME, "concat", COST_CONCAT},
    {LUA_TABLIBNAME, "sort", COST_SORT},
    {LUA_TABLIBNAME, "unpack", COST_UNPACK},
    {LUA_TABLIBNAME, "insert", COST_SHIFT},
    {LUA_TABLIBNAME, "remove", COST_SHIFT},
    {LUA_TABLIBNAME, "move", COST_MOVE},
    {LUA_UTF8LIBNAME, "char", COST_CHAR},
    {LUA_UTF8LIBNAME, "len", COST_ARG1_LEN},
    {LUA_UTF8LIBNAME, "codepoint", COST_ARG1_LEN},
    {LUA_UTF8LIBNAME, "offset", COST_ARG1_LEN},
};

void qun_sandbox_meter_open(lua_State *L) {
  for (size_t i = 0; i < sizeof meters / sizeof meters[0]; i++) {
    lua_getglobal(L, meters[i].lib);
    lua_getfield(L, -1, meters[i].name);
    lua_pushinteger(L, meters[i].kind);
    lua_pushcclosure(L, metered, 2);
    lua_setfield(L, -2, meters[i].name);
    lua_pop(L, 1);
  }
}
