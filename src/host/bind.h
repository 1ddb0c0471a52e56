/* bind.h — the playbook primitives, one bind_<primitive>.c each, installed
 * into a run's sandbox by qun_bind_all (run.c). Each binding reads and
 * checks its arguments and calls the run (run.h); nothing more. */
#ifndef QUN_BIND_H
#define QUN_BIND_H

#include <lua.h>

void qun_bind_schedule(lua_State *L); /* schedule.*, jobs */
void qun_bind_events(lua_State *L);   /* on, log */
void qun_bind_member(lua_State *L);   /* member, members, tag.* */
void qun_bind_tier(lua_State *L);     /* tier.define, tier.on_change */
void qun_bind_send(lua_State *L);     /* send */

/* Pushes the member object for an id. */
void qun_bind_push_member(lua_State *L, const char *id);
/* A member object or id at idx → its id (raises a clear error otherwise). */
const char *qun_bind_check_member(lua_State *L, int idx, const char *fn);
/* Evaluates the tiers for one member (inside a protected call). */
void qun_bind_tier_eval(lua_State *L, const char *member);

/* Pushes the handler jobs.NAME (1), or nil if the playbook has none (0). */
int qun_bind_push_job(lua_State *L, const char *name);

#endif
