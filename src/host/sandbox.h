/* sandbox.h — one lua_State per playbook, and everything that keeps an
 * untrusted playbook inside its box.
 *
 * Provides: a byte-budget allocator (memory cap), an instruction budget per
 * call (count hook plus explicit charges for C functions whose cost is not
 * counted in Lua instructions: patterns, string.rep, table.sort, load, ...),
 * a safe global environment (no io/debug/package/os.execute/bytecode, host
 * versions of os.time/os.date/os.clock/print/require, a seeded math.random,
 * a locked string metatable), and the one function every call into Lua goes
 * through (qun_sandbox_call).
 * Uses: Lua 5.4, the embedded stdlib (stdlib.h). Knows nothing of the engine:
 * the host passes a clock and a log sink. */
#ifndef QUN_SANDBOX_H
#define QUN_SANDBOX_H

#include <lauxlib.h>
#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#define QUN_SANDBOX_MEM_DEFAULT ((size_t)64 << 20)  /* 64 MiB */
#define QUN_SANDBOX_BUDGET_DEFAULT ((int64_t)100000000) /* instructions per call */

struct qun_sandbox_opts {
  size_t mem_cap;        /* bytes; 0 = default */
  int64_t budget;        /* instructions per call; 0 = default */
  const char *path;      /* the playbook file, as named by the user */
  uint64_t seed;         /* math.random seed */
  /* The run's clock in milliseconds since the epoch (virtual in a dry-run). */
  int64_t (*now_ms)(void *ud);
  /* Where print() and log() lines go. */
  void (*log)(void *ud, const char *msg, size_t len);
  void *ud;
};

enum qun_kill { QUN_KILL_NONE, QUN_KILL_BUDGET, QUN_KILL_MEMORY };

struct qun_sandbox {
  lua_State *L;
  struct qun_sandbox_opts opts;
  char dir[4096];        /* directory of the playbook, for require */
  size_t mem_used, mem_peak;
  int64_t budget_left;
  enum qun_kill killed;  /* BUDGET ends the call; MEMORY ends the run */
  int64_t start_ms;      /* clock at creation, for os.clock */
  void *host;            /* the engine's run, for bindings */
  lua_Hook hook;         /* the budget hook, re-armed by the allocator */
  char kill_where[300];  /* "file:line: " of a memory kill */
};

/* Creates the state with the safe environment. NULL if out of memory. */
struct qun_sandbox *qun_sandbox_new(const struct qun_sandbox_opts *opts);
void qun_sandbox_free(struct qun_sandbox *sb);
struct qun_sandbox *qun_sandbox_of(lua_State *L);

/* Loads the playbook file (text only) and pushes the chunk. On failure
 * returns -1 with a one-line message "file:line: ..." in err. */
int qun_sandbox_load(struct qun_sandbox *sb, char *err, size_t errlen);

/* Calls the function below nargs arguments with a fresh instruction
 * budget and a traceback handler. Returns 0 or -1; on failure err holds
 * "file:line: message" (one line) and, if trace is not NULL, *trace is a
 * malloc'd traceback (caller frees). A memory kill marks the sandbox dead:
 * later calls fail at once. */
int qun_sandbox_call(struct qun_sandbox *sb, int nargs, int nresults,
                     char *err, size_t errlen, char **trace);
int qun_sandbox_dead(const struct qun_sandbox *sb);

/* Charges `cost` instructions to the current call; raises the budget error
 * if the budget is spent. For bindings whose work is not Lua instructions. */
void qun_sandbox_charge(lua_State *L, int64_t cost);

/* Run clock, for bindings. */
int64_t qun_sandbox_now_ms(lua_State *L);

/* Raises a Lua error whose position is the innermost Lua line of the
 * playbook (C functions have none), e.g. "x.lua:12: message". */
int qun_sandbox_error(lua_State *L, const char *fmt, ...);

/* Creates the metatable tname in the registry (luaL_newmetatable) with the
 * metamethods of funcs, locked: getmetatable() on its objects answers
 * false, so a playbook can neither read nor change what all of them share.
 * Leaves it on the stack. */
void qun_sandbox_newmetatable(lua_State *L, const char *tname, const luaL_Reg *funcs);

/* The first key of the table at t that is not one of known (a NULL-ended
 * list): the key, "?" for a key that is not a string, or NULL when every
 * key is known. For a binding's "unknown field" error. */
const char *qun_sandbox_unknown_field(lua_State *L, int t, const char *const *known);

/* A sentinel error value: raising it stops a chunk without it being an
 * error (qun info stops the script after its header). */
void qun_sandbox_push_stop(lua_State *L);
int qun_sandbox_is_stop(lua_State *L, int idx);

#endif
