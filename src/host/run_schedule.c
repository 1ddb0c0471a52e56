/* run_schedule.c — named schedules (declared, armed across restarts,
 * fired once per occurrence) and durable one-off jobs. */
#include "host/run_int.h"
#include "host/bind.h"
#include "host/luajson.h"
#include "core/err.h"
#include "core/transcript.h"
#include "core/tz.h"
#include "store/store.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>


int qun_run_declare(struct qun_run *r, const char *name, int line, const struct qun_spec *spec,
                    int64_t at_s, int fnref, char *err, size_t errlen) {
  for (size_t i = 0; i < r->ndecls; i++)
    if (strcmp(r->decls[i].name, name) == 0) {
      snprintf(err, errlen, "schedule name '%s' declared twice (lines %d and %d): names are "
               "the schedules' keys across restarts", name, r->decls[i].line, line);
      return -1;
    }
  struct decl *d = realloc(r->decls, (r->ndecls + 1) * sizeof *d);
  if (!d || !(name = strdup(name))) {
    if (d)
      r->decls = d;
    snprintf(err, errlen, "not enough memory");
    return -1;
  }
  r->decls = d;
  d = &r->decls[r->ndecls++];
  memset(d, 0, sizeof *d);
  d->name = (char *)name, d->line = line, d->fnref = fnref, d->at_s = at_s;
  if (spec)
    d->recurring = 1, d->spec = *spec;
  return 0;
}

int qun_run_declare_mark(struct qun_run *r, const char *name, int line, int64_t at_s,
                         int64_t offset_s, int fnref, char *err, size_t errlen) {
  if (qun_run_declare(r, name, line, NULL, at_s, fnref, err, errlen) < 0)
    return -1;
  r->decls[r->ndecls - 1].mark = 1;
  r->decls[r->ndecls - 1].offset_s = offset_s;
  return 0;
}

void qun_run__occurrence(const struct qun_run *r, char *buf, size_t n) {
  /* A job's name and due time are not unique (two jobs.burst queued in the
   * same millisecond): its id is. An event's handler: the event's id. */
  if (r->job && r->job_id > 0)
    snprintf(buf, n, "%s@%lld/j%lld", r->job, (long long)r->due_ms, (long long)r->job_id);
  else if (r->job && r->event_id > 0)
    snprintf(buf, n, "%s@%lld/%lld", r->job, (long long)r->due_ms, (long long)r->event_id);
  else
    snprintf(buf, n, "%s@%lld", r->job ? r->job : "load", (long long)(r->job ? r->due_ms : 0));
}

static int64_t next_of(const struct decl *d, int64_t due_ms) {
  int64_t next = d->recurring ? qun_spec_next(&d->spec, 0, qun_run__floor_s(due_ms)) : -1;
  return next >= 0 ? next * 1000 : -1;
}

static void redo_fired(struct qun_run *r, void *ud) {
  const struct decl *d = ud;
  qun_store_fired_add(r->st, r->run_id, d->name, r->due_ms, qun_run_now(r));
  qun_store_schedule_set(r->st, r->run_id, d->name, next_of(d, r->due_ms));
}

void qun_run__fire_decl(struct qun_run *r, size_t i, int64_t due_ms) {
  struct decl *d = &r->decls[i];
  int64_t next = next_of(d, due_ms);
  if (next >= 0) /* the next one first: an error must not end the schedule */
    qun_sched_add(r->sched, next, -(int64_t)i - 1);
  if (qun_store_begin(r->st) < 0)
    return;
  if (qun_store_fired_add(r->st, r->run_id, d->name, due_ms, qun_run_now(r)) != 0) {
    qun_store_rollback(r->st); /* fired already: never twice */
    return;
  }
  qun_store_schedule_set(r->st, r->run_id, d->name, next);
  lua_State *L = r->sb->L;
  lua_rawgeti(L, LUA_REGISTRYINDEX, d->fnref);
  lua_createtable(L, 0, 2);
  lua_pushstring(L, d->name);
  lua_setfield(L, -2, "name");
  lua_pushinteger(L, qun_run__floor_s(due_ms));
  lua_setfield(L, -2, "due");
  r->timed = 1;
  qun_run__call(r, d->name, due_ms, 1, redo_fired, d);
  r->timed = 0;
}

/* ---- one-off jobs ---- */

int64_t qun_run_job_add(struct qun_run *r, const char *handler, const char *args_json,
                        int64_t due_ms, char *err, size_t errlen) {
  /* The key makes the job idempotent: the same call of the same handler
   * occurrence (or the same line order at the top level, which runs again
   * at every start) names the same job. */
  char occ[200], key[256];
  qun_run__occurrence(r, occ, sizeof occ);
  snprintf(key, sizeof key, "%s#%d", occ, ++r->seq);
  return qun_run__job_add_key(r, key, handler, args_json, due_ms, err, errlen);
}

int64_t qun_run__job_add_key(struct qun_run *r, const char *key, const char *handler,
                             const char *args_json, int64_t due_ms, char *err, size_t errlen) {
  if (qun_run__ensure(r) < 0) {
    snprintf(err, errlen, "cannot record the run: %s", qun_store_errmsg(r->st));
    return -1;
  }
  int created = 0;
  int64_t id = qun_store_job_add(r->st, r->run_id, key, handler, args_json, due_ms,
                                 qun_run_now(r), &created);
  if (id < 0) {
    snprintf(err, errlen, "cannot store the job: %s", qun_store_errmsg(r->st));
    return -1;
  }
  if (created && qun_run__add_effect(r, id, due_ms, 0) < 0) {
    snprintf(err, errlen, "not enough memory");
    return -1;
  }
  return id;
}

int qun_run_job_cancel(struct qun_run *r, int64_t id) {
  int rc = qun_store_job_set_state(r->st, r->run_id, id, QUN_JOB_CANCELLED, qun_run_now(r));
  if (rc > 0)
    qun_run__add_effect(r, id, 0, 1);
  return rc > 0;
}

static void redo_failed(struct qun_run *r, void *ud) {
  qun_store_job_set_state(r->st, r->run_id, *(int64_t *)ud, QUN_JOB_FAILED, qun_run_now(r));
}

/* (fn, args_json) → fn(args), the JSON decoded inside the protected call. */
static int call_with_json(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 2, &len);
  lua_pushvalue(L, 1);
  qun_lua_pushjson_text(L, text, len);
  lua_call(L, 1, 0);
  return 0;
}

static int raise_upvalue(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  return lua_error(L);
}

struct job_row_copy {
  char handler[128];
  char *args;
  int pending;
};

static int copy_job(void *ud, const struct qun_store_job *row) {
  struct job_row_copy *c = ud;
  snprintf(c->handler, sizeof c->handler, "%s", row->handler);
  c->args = strdup(row->args ? row->args : "null");
  c->pending = row->state == QUN_JOB_PENDING;
  return 0;
}

void qun_run__fire_job(struct qun_run *r, int64_t id, int64_t due_ms) {
  if (qun_store_begin(r->st) < 0)
    return;
  struct job_row_copy c = {0};
  if (qun_store_job_get(r->st, id, copy_job, &c) != 0 || !c.pending || !c.args) {
    free(c.args);
    qun_store_rollback(r->st);
    return;
  }
  qun_store_job_set_state(r->st, r->run_id, id, QUN_JOB_DONE, qun_run_now(r));
  lua_State *L = r->sb->L;
  int nargs = 0;
  if (strncmp(c.handler, "qun.", 4) == 0 && qun_run__push_host_job(L, c.handler)) {
    lua_pushstring(L, c.args); /* a host job: C, through the same call path */
    nargs = 1;
  } else if (qun_bind_push_job(L, c.handler)) {
    lua_pushcfunction(L, call_with_json);
    lua_insert(L, -2);
    lua_pushstring(L, c.args);
    nargs = 2;
  } else {
    lua_pop(L, 1);
    lua_pushfstring(L, "jobs.%s is not defined in this version of the playbook", c.handler);
    lua_pushcclosure(L, raise_upvalue, 1);
  }
  free(c.args);
  char job[160];
  snprintf(job, sizeof job, "%s", c.handler);
  r->timed = 1, r->job_id = id;
  qun_run__call(r, job, due_ms, nargs, redo_failed, &id);
  r->timed = 0, r->job_id = 0;
}

static void skipped_line(struct qun_run *r, const char *job, int64_t due_ms, const char *reason) {
  json_t *f = json_object();
  json_object_set_new(f, "job", json_string(job));
  json_object_set_new(f, "due", qun_run__time(due_ms));
  json_object_set_new(f, "reason", json_string(reason));
  qun_run_emit(r, "skipped", f);
}

static void skipped(struct qun_run *r, const struct decl *d, int64_t due_ms) {
  char g[32], reason[64];
  qun_duration_format(r->o.grace_ms / 1000, g, sizeof g);
  snprintf(reason, sizeof reason, "missed by more than the grace (%s)", g);
  skipped_line(r, d->name, due_ms, reason);
}

void qun_run_skip_current(struct qun_run *r, const char *reason) {
  skipped_line(r, r->job ? r->job : "load", r->job ? r->due_ms : qun_run_now(r), reason);
}

/* A countdown mark the run arms for the first time after its moment: it
 * is not news any more ("3 hours left" when 2 are), so it is skipped,
 * and the author hears of it (qun check prints the warning). */
static int mark_past_at_first_start(struct qun_run *r, const struct decl *d, int64_t now) {
  int64_t next;
  if (!d->mark || d->at_s * 1000 >= now ||
      qun_store_schedule_get(r->st, r->run_id, d->name, &next) != QUN_ENOENT)
    return 0;
  char off[32], when[40];
  qun_duration_format(d->offset_s, off, sizeof off);
  qun_tz_rfc3339(d->at_s, when, sizeof when);
  skipped_line(r, d->name, d->at_s * 1000, "already past when the run first started");
  qun_run__warn_line(r, d->line, "countdown: the %s mark (%s) was already past when the run first "
                     "started: skipped", off, when);
  qun_store_fired_add(r->st, r->run_id, d->name, d->at_s * 1000, now);
  qun_store_schedule_set(r->st, r->run_id, d->name, -1);
  return 1;
}

/* Arms a declared schedule: the occurrences missed while qun was down fire
 * now if they are younger than the grace, the older ones are recorded as
 * skipped; an occurrence that fired already never fires again. */
void qun_run__arm_decl(struct qun_run *r, size_t i) {
  struct decl *d = &r->decls[i];
  int64_t now = qun_run_now(r), last_ms;
  int have_last = qun_store_fired_last(r->st, r->run_id, d->name, &last_ms) == 0;
  int64_t id = -(int64_t)i - 1;
  if (!d->recurring) {
    if (have_last) {
      qun_store_schedule_set(r->st, r->run_id, d->name, -1);
      return;
    }
    if (mark_past_at_first_start(r, d, now))
      return;
    if (d->at_s * 1000 >= now - r->o.grace_ms) {
      qun_sched_add(r->sched, d->at_s * 1000, id);
      qun_store_schedule_set(r->st, r->run_id, d->name, d->at_s * 1000);
    } else {
      skipped(r, d, d->at_s * 1000);
      qun_store_fired_add(r->st, r->run_id, d->name, d->at_s * 1000, now);
      qun_store_schedule_set(r->st, r->run_id, d->name, -1);
    }
    return;
  }
  int64_t from = have_last ? qun_run__floor_s(last_ms) : qun_run__floor_s(now);
  int64_t t = qun_spec_next(&d->spec, 0, from), last_skipped = -1;
  int nskipped = 0;
  while (t >= 0 && t * 1000 < now - r->o.grace_ms) {
    if (nskipped++ < SKIPPED_LINES_MAX)
      skipped(r, d, t * 1000);
    last_skipped = t;
    t = qun_spec_next(&d->spec, 0, t);
  }
  if (nskipped > SKIPPED_LINES_MAX) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s: %d more occurrences skipped", d->name, nskipped - SKIPPED_LINES_MAX);
    qun_store_log_add(r->st, r->run_id, now, d->name, "skipped", msg);
  }
  if (last_skipped >= 0)
    qun_store_fired_add(r->st, r->run_id, d->name, last_skipped * 1000, now);
  if (t >= 0)
    qun_sched_add(r->sched, t * 1000, id);
  qun_store_schedule_set(r->st, r->run_id, d->name, t >= 0 ? t * 1000 : -1);
}

int qun_run__restore_job(void *ud, const struct qun_store_job *row) {
  struct qun_run *r = ud;
  qun_sched_add(r->sched, row->due, row->id);
  return 0;
}

