/* sandbox.c — the playbook's lua_State: allocator, budget hook, message
 * handler and the one call path. The safe environment itself is built in
 * sandbox_env.c; metered C functions live in sandbox_meter.c. */
#include "host/sandbox.h"
#include "host/sandbox_env.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

/* The hook runs every HOOK_STEP instructions; after a kill, on every one,
 * so that a pcall in the script cannot swallow the kill (Redis does the
 * same). */
#define HOOK_STEP 1000
/* After the cap is hit the allocator lends this much more, so that the
 * error can unwind and be formatted; the hook kills every instruction. */
#define MEM_RESERVE ((size_t)1 << 20)

static const char stop_key = 'S';

struct qun_sandbox *qun_sandbox_of(lua_State *L) {
  return *(struct qun_sandbox **)lua_getextraspace(L);
}

/* Remembers the script's position at a memory kill: the allocation may
 * fail outright, and then no handler runs to ask where it happened.
 * lua_getstack/lua_getinfo("Sl") only read the call chain; they do not
 * allocate, so they are safe inside the allocator. */
static void note_where(struct qun_sandbox *sb) {
  lua_Debug ar;
  sb->kill_where[0] = '\0';
  for (int level = 0; lua_getstack(sb->L, level, &ar); level++) {
    if (!lua_getinfo(sb->L, "Sl", &ar))
      break;
    if (ar.currentline > 0) {
      snprintf(sb->kill_where, sizeof sb->kill_where, "%s:%d: ", ar.short_src, ar.currentline);
      return;
    }
  }
}

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  struct qun_sandbox *sb = ud;
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    free(ptr);
    sb->mem_used -= old;
    return NULL;
  }
  if (nsize > old && sb->mem_used + (nsize - old) > sb->opts.mem_cap) {
    /* Over the cap: the run is killed. The allocation is still lent from
     * the reserve when it fits, so the kill is raised by the hook at the
     * next instruction, with the script's position, rather than as a bare
     * "not enough memory" from deep inside the VM. */
    if (sb->killed != QUN_KILL_MEMORY && sb->L) {
      sb->killed = QUN_KILL_MEMORY;
      note_where(sb);
      /* lua_sethook is safe to call from anywhere, even here. */
      lua_sethook(sb->L, sb->hook, LUA_MASKCOUNT, 1);
    }
    if (sb->mem_used + (nsize - old) > sb->opts.mem_cap + MEM_RESERVE)
      return NULL;
  }
  void *p = realloc(ptr, nsize);
  if (p) {
    sb->mem_used = sb->mem_used - old + nsize;
    if (sb->mem_used > sb->mem_peak)
      sb->mem_peak = sb->mem_used;
  }
  return p;
}

/* Position of the innermost Lua function on the stack: "file:line:" */
static void where_lua(lua_State *L, luaL_Buffer *b) {
  lua_Debug ar;
  for (int level = 0; lua_getstack(L, level, &ar); level++) {
    lua_getinfo(L, "Sl", &ar);
    if (ar.currentline > 0) {
      luaL_addstring(b, ar.short_src);
      luaL_addchar(b, ':');
      lua_pushinteger(L, ar.currentline);
      luaL_addvalue(b);
      luaL_addstring(b, ": ");
      return;
    }
  }
}

static const char *kill_message(const struct qun_sandbox *sb, char *buf, size_t n) {
  if (sb->killed == QUN_KILL_MEMORY)
    snprintf(buf, n, "memory cap exceeded (%zu MiB): a table or string grows without bound?",
             sb->opts.mem_cap >> 20);
  else
    snprintf(buf, n, "instruction budget exceeded (%lld per call): a loop that never ends?",
             (long long)sb->opts.budget);
  return buf;
}

int qun_sandbox_error(lua_State *L, const char *fmt, ...) {
  luaL_Buffer b;
  va_list ap;
  luaL_buffinit(L, &b);
  where_lua(L, &b);
  va_start(ap, fmt);
  lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  luaL_addvalue(&b);
  luaL_pushresult(&b);
  return lua_error(L);
}

void qun_sandbox_newmetatable(lua_State *L, const char *tname, const luaL_Reg *funcs) {
  luaL_newmetatable(L, tname);
  luaL_setfuncs(L, funcs, 0);
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
}

const char *qun_sandbox_unknown_field(lua_State *L, int t, const char *const *known) {
  t = lua_absindex(L, t);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    int i = 0;
    while (k && known[i] && strcmp(known[i], k) != 0)
      i++;
    if (!k || !known[i]) {
      lua_pop(L, 1); /* the key: the table still holds the string */
      return k ? k : "?";
    }
  }
  return NULL;
}

static void kill_now(lua_State *L, struct qun_sandbox *sb) {
  char msg[160];
  lua_sethook(L, lua_gethook(L), LUA_MASKCOUNT, 1);
  qun_sandbox_error(L, "%s", kill_message(sb, msg, sizeof msg));
}

static void sb_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  struct qun_sandbox *sb = qun_sandbox_of(L);
  if (sb->killed != QUN_KILL_NONE)
    kill_now(L, sb);
  sb->budget_left -= HOOK_STEP;
  if (sb->budget_left < 0) {
    sb->killed = QUN_KILL_BUDGET;
    kill_now(L, sb);
  }
}

void qun_sandbox_charge(lua_State *L, int64_t cost) {
  struct qun_sandbox *sb = qun_sandbox_of(L);
  if (cost < 0)
    cost = INT64_MAX / 2;
  sb->budget_left -= cost;
  if (sb->killed != QUN_KILL_NONE || sb->budget_left < 0) {
    if (sb->killed == QUN_KILL_NONE)
      sb->killed = QUN_KILL_BUDGET;
    kill_now(L, sb);
  }
}

int64_t qun_sandbox_now_ms(lua_State *L) {
  struct qun_sandbox *sb = qun_sandbox_of(L);
  return sb->opts.now_ms(sb->opts.ud);
}

void qun_sandbox_push_stop(lua_State *L) {
  lua_pushlightuserdata(L, (void *)&stop_key);
}

int qun_sandbox_is_stop(lua_State *L, int idx) {
  return lua_touserdata(L, idx) == (void *)&stop_key;
}

/* Message handler: never runs metamethods of the error value (a hostile
 * __tostring could loop or raise), and reports a kill as the kill whatever
 * the script raised after catching it. */
static int msgh(lua_State *L) {
  struct qun_sandbox *sb = qun_sandbox_of(L);
  char buf[160];
  if (qun_sandbox_is_stop(L, 1))
    return 1;
  if (sb->killed != QUN_KILL_NONE) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    where_lua(L, &b);
    luaL_addstring(&b, kill_message(sb, buf, sizeof buf));
    luaL_pushresult(&b);
  } else if (lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TNUMBER) {
    lua_pushstring(L, lua_tostring(L, 1));
  } else {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    where_lua(L, &b);
    lua_pushfstring(L, "error with a %s value instead of a message", luaL_typename(L, 1));
    luaL_addvalue(&b);
    luaL_pushresult(&b);
  }
  luaL_traceback(L, L, lua_tostring(L, -1), 1);
  return 1;
}

static void copy_first_line(const char *msg, char *err, size_t errlen) {
  size_t n = strcspn(msg, "\n");
  if (n >= errlen)
    n = errlen - 1;
  memcpy(err, msg, n);
  err[n] = '\0';
}

int qun_sandbox_dead(const struct qun_sandbox *sb) {
  return sb->killed == QUN_KILL_MEMORY;
}

int qun_sandbox_call(struct qun_sandbox *sb, int nargs, int nresults,
                     char *err, size_t errlen, char **trace) {
  lua_State *L = sb->L;
  if (trace)
    *trace = NULL;
  if (qun_sandbox_dead(sb)) {
    lua_pop(L, nargs + 1);
    snprintf(err, errlen, "%s: the playbook was stopped earlier: %s", sb->opts.path,
             kill_message(sb, (char[160]){0}, 160));
    return -1;
  }
  sb->killed = QUN_KILL_NONE;
  sb->budget_left = sb->opts.budget;
  sb->hook = sb_hook;
  lua_sethook(L, sb_hook, LUA_MASKCOUNT, HOOK_STEP);
  int base = lua_gettop(L) - nargs;
  lua_pushcfunction(L, msgh);
  lua_insert(L, base);
  int status = lua_pcall(L, nargs, nresults, base);
  lua_remove(L, base);
  lua_sethook(L, NULL, 0, 0);
  if (sb->killed == QUN_KILL_BUDGET)
    sb->killed = QUN_KILL_NONE; /* the call is over; the run goes on */
  if (status == LUA_OK)
    return 0;
  if (qun_sandbox_is_stop(L, -1)) {
    lua_pop(L, 1);
    return 1;
  }
  const char *msg = lua_tostring(L, -1);
  char killed[512];
  if (status == LUA_ERRMEM) {
    /* No message handler runs for a memory error: say what happened. */
    sb->killed = QUN_KILL_MEMORY;
    if (sb->kill_where[0])
      snprintf(killed, sizeof killed, "%s%s", sb->kill_where, kill_message(sb, (char[160]){0}, 160));
    else
      snprintf(killed, sizeof killed, "%s: %s", sb->opts.path, kill_message(sb, (char[160]){0}, 160));
    msg = killed;
  } else if (!msg) {
    msg = "error in error handling";
  }
  copy_first_line(msg, err, errlen);
  if (trace)
    *trace = strdup(msg);
  lua_pop(L, 1);
  return -1;
}

int qun_sandbox_load(struct qun_sandbox *sb, char *err, size_t errlen) {
  const char *path = sb->opts.path;
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: cannot read the file (%s)", path, strerror(errno));
    return -1;
  }
  char *buf = NULL;
  size_t len = 0, cap = 0, n;
  char chunk[8192];
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (len + n > cap) {
      cap = (len + n) * 2;
      char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        fclose(f);
        snprintf(err, errlen, "%s: out of memory reading the playbook", path);
        return -1;
      }
      buf = nb;
    }
    memcpy(buf + len, chunk, n);
    len += n;
  }
  fclose(f);
  /* A "#!" first line is allowed, as lua(1) allows it; keep line numbers. */
  size_t skip = 0;
  if (len >= 2 && buf[0] == '#' && buf[1] == '!')
    while (skip < len && buf[skip] != '\n')
      skip++;
  int rc = qun_sandbox_load_buffer(sb->L, buf ? buf + skip : "", len - skip, path, err, errlen);
  free(buf);
  return rc;
}

static int sb_init(lua_State *L) {
  qun_sandbox_env_open(L);
  return 0;
}

struct qun_sandbox *qun_sandbox_new(const struct qun_sandbox_opts *opts) {
  struct qun_sandbox *sb = calloc(1, sizeof *sb);
  if (!sb)
    return NULL;
  sb->opts = *opts;
  if (!sb->opts.mem_cap)
    sb->opts.mem_cap = QUN_SANDBOX_MEM_DEFAULT;
  if (!sb->opts.budget)
    sb->opts.budget = QUN_SANDBOX_BUDGET_DEFAULT;
  if (!sb->opts.path)
    sb->opts.path = "playbook";
  snprintf(sb->dir, sizeof sb->dir, "%s", sb->opts.path);
  char *slash = strrchr(sb->dir, '/');
  if (slash)
    slash[1] = '\0';
  else
    sb->dir[0] = '\0';
  sb->start_ms = sb->opts.now_ms(sb->opts.ud);
  lua_State *L = lua_newstate(sb_alloc, sb);
  if (!L) {
    free(sb);
    return NULL;
  }
  sb->L = L;
  *(struct qun_sandbox **)lua_getextraspace(L) = sb;
  char err[256];
  lua_pushcfunction(L, sb_init);
  if (qun_sandbox_call(sb, 0, 0, err, sizeof err, NULL) != 0) {
    qun_sandbox_free(sb);
    return NULL;
  }
  return sb;
}

void qun_sandbox_free(struct qun_sandbox *sb) {
  if (!sb)
    return;
  if (sb->L)
    lua_close(sb->L); /* no finalizers can run: setmetatable refuses __gc */
  free(sb);
}
