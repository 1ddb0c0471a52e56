/* testresult.h — the result of sim.run in a playbook test: a userdata
 * that owns what the dry-run kept (transcript lines, recorded requests,
 * the summary) in C, and whose methods (r:sends{...}, r:events{...},
 * r:lines{...}, r:requests{...}, r:summary(), r:time(...)) turn only what
 * a query picks into Lua tables. Internal to sim/testfile.c.
 * Uses: sim/query, host/luajson, host/sandbox. */
#ifndef QUN_TESTRESULT_H
#define QUN_TESTRESULT_H

#include <lua.h>
#include <stdint.h>

struct qun_sim_result;
struct qun_testresult;

/* Registers the result's metatable (inside a protected call). */
void qun_testresult_open(lua_State *L);

/* Pushes a new result that owns nothing yet (may raise: call it before
 * taking any resource). */
struct qun_testresult *qun_testresult_new(lua_State *L);

/* Moves what the dry-run kept into r (res is left empty) with the run's
 * zone and window, for reading times in queries. Never raises; -1 if out
 * of memory (r then owns nothing). */
int qun_testresult_fill(struct qun_testresult *r, struct qun_sim_result *res, const char *tz,
                        int64_t start_s, int64_t end_s, const char *playbook);

/* For a note on the run: lines and sends. */
void qun_testresult_counts(const struct qun_testresult *r, size_t *lines, size_t *sends);

/* Raises "what: no NOUN 'key' (did you mean 'x'? NOUNs: a, b, c)". */
int qun_test_unknown(lua_State *L, const char *what, const char *noun, const char *key,
                     const char *const *known);

#endif
