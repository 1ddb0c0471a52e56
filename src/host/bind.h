/* bind.h — the playbook primitives, one bind_<primitive>.c each, installed
 * into a run's sandbox by qun_bind_all (run.c). Each binding reads and
 * checks its arguments and calls the run (run.h); nothing more. */
#ifndef QUN_BIND_H
#define QUN_BIND_H

#include <lua.h>
#include <stdint.h>

void qun_bind_schedule(lua_State *L); /* schedule.*, jobs */
void qun_bind_events(lua_State *L);   /* on, log */
void qun_bind_member(lua_State *L);   /* member, members, tag.* */
void qun_bind_tier(lua_State *L);     /* tier.define, tier.on_change */
void qun_bind_send(lua_State *L);     /* send */
void qun_bind_countdown(lua_State *L); /* countdown */
void qun_bind_redpacket(lua_State *L); /* redpacket.*, packet objects */

/* The filters group, tag and tier of the table at idx (send's selector,
 * members{}, members.count{}): each a name or a list of names (any of
 * them). Pushes three values, a JSON array text or nil each; raises a
 * clear error naming fn for anything else. */
void qun_bind_push_filters(lua_State *L, int idx, const char *fn);

/* Pushes the member object for an id. */
void qun_bind_push_member(lua_State *L, const char *id);
/* A member object or id at idx → its id (raises a clear error otherwise). */
const char *qun_bind_check_member(lua_State *L, int idx, const char *fn);
/* Evaluates the tiers for one member (inside a protected call). */
void qun_bind_tier_eval(lua_State *L, const char *member);

/* Pushes the handler jobs.NAME (1), or nil if the playbook has none (0). */
int qun_bind_push_job(lua_State *L, const char *name);

/* A time argument (epoch seconds or "sat 20:00") → epoch seconds; a
 * duration ("2h" or seconds ≥ 0) → seconds. Raise a clear error naming fn. */
int64_t qun_bind_check_time(lua_State *L, int idx, const char *fn);
int64_t qun_bind_check_duration(lua_State *L, int idx, const char *fn);
/* The innermost Lua line of the playbook (0 if none). */
int qun_bind_line(lua_State *L);

/* If the value at idx is a red packet, pushes its message (the JSON text
 * {"redpacket": {...}}) and returns 1; else 0 and pushes nothing. Raises
 * if the team config has no redpacket.claim_url. */
int qun_bind_packet_message(lua_State *L, int idx);

#endif
