/* sandbox_env.h — the safe global environment of a playbook's state
 * (sandbox_env.c) and the metered C functions (sandbox_meter.c). Internal
 * to src/host. */
#ifndef QUN_SANDBOX_ENV_H
#define QUN_SANDBOX_ENV_H

#include <lua.h>
#include <stddef.h>

/* Opens the safe libraries into the globals of L. Runs inside a pcall. */
void qun_sandbox_env_open(lua_State *L);

/* Replaces the C functions of string/table/utf8 whose cost is not counted
 * in Lua instructions with wrappers that charge the budget first. */
void qun_sandbox_meter_open(lua_State *L);

/* Loads a text chunk named "@path" with the globals as its _ENV, or with a
 * fresh environment (reading through to the globals) when own_env is set.
 * Pushes the function, or returns -1 with "path:line: msg" in err. */
int qun_sandbox_load_buffer(lua_State *L, const char *buf, size_t len, const char *path,
                            char *err, size_t errlen);
int qun_sandbox_load_module(lua_State *L, const char *buf, size_t len, const char *path);

#endif
