/* run.c — a playbook running on a clock (see run.h).
 *
 * Every call into the playbook — the top level at start, each schedule
 * occurrence, each one-off job, each event — goes through call_handler():
 * one SQLite transaction and one instruction budget. Effects that live
 * outside SQLite (heap entries of new or cancelled jobs) are queued while
 * the handler runs and applied only after the commit, so a handler that
 * raises leaves nothing behind. Transcript lines are rows of the same
 * transaction; the file is appended from the table after each commit, so a
 * crash can delay a line but never lose or repeat one. */
#include "host/run.h"
#include "host/bind.h"
#include "host/luajson.h"
#include "host/playbook.h"
#include "host/sandbox.h"
#include "core/err.h"
#include "core/sched.h"
#include "core/timespec.h"
#include "core/transcript.h"
#include "core/tz.h"
#include "store/store.h"

#include <jansson.h>
#include <lauxlib.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <uv.h>

#define SKIPPED_LINES_MAX 100 /* per schedule, per restart; the rest are counted */

struct decl {
  char *name;
  int line;
  int recurring;
  struct qun_spec spec;
  int64_t at_s;
  int fnref;
};

struct on_handler {
  char *type;
  int fnref;
};

struct effect {
  int64_t id, due_ms;
  int cancel;
};

struct qun_run {
  struct qun_run_opts o;
  struct qun_store *st;
  struct qun_sched *sched;
  struct qun_sandbox *sb;
  struct qun_playbook pb;
  int64_t run_id;
  int loading;
  struct decl *decls;
  size_t ndecls;
  struct on_handler *ons;
  size_t nons;
  struct effect *fx;
  size_t nfx, capfx;
  int batch;       /* dispatching a batch of events in one transaction */
  int tiers;       /* the playbook defines tiers */
  int dead;        /* stopped by a memory kill */
  /* the call in progress */
  const char *job;
  int64_t due_ms;
  int seq;
  /* transcript file */
  FILE *tfile;
  int64_t tlines; /* lines of this run already in the file */
};

static int ensure_run(struct qun_run *r);
static void check_dead(struct qun_run *r);

static int64_t floor_s(int64_t ms) {
  return ms / 1000 - (ms % 1000 < 0);
}

struct qun_run *qun_run_of(lua_State *L) {
  return qun_sandbox_of(L)->host;
}

int qun_run_loading(const struct qun_run *r) {
  return r->loading;
}

void qun_run_set_tiers(struct qun_run *r) {
  r->tiers = 1;
}

int64_t qun_run_now(const struct qun_run *r) {
  return qun_sched_now(r->sched);
}

struct qun_store *qun_run_store(struct qun_run *r) {
  return r->st;
}

int64_t qun_run_id(struct qun_run *r) {
  if (r->run_id <= 0 && r->pb.name)
    ensure_run(r);
  return r->run_id;
}

const struct qun_playbook *qun_run_playbook(const struct qun_run *r) {
  return &r->pb;
}

/* ---- transcript ---- */

/* Adds one transcript line to the current transaction. */
void qun_run_emit(struct qun_run *r, const char *ev, json_t *fields) {
  if (r->run_id <= 0 && r->pb.name)
    ensure_run(r);
  char *line = qun_transcript_line(qun_run_now(r), ev, fields);
  if (!line)
    return;
  if (r->run_id > 0)
    qun_store_transcript_add(r->st, r->run_id, line);
  free(line);
}

static int flush_row(void *ud, const char *line) {
  struct qun_run *r = ud;
  if (r->tfile) {
    fputs(line, r->tfile);
    fputc('\n', r->tfile);
  }
  r->tlines++;
  return 0;
}

/* Appends the committed lines the file does not have yet. */
static void flush_transcript(struct qun_run *r) {
  if (!r->tfile)
    return;
  qun_store_transcript_since(r->st, r->run_id, r->tlines, flush_row, r);
  fflush(r->tfile);
}

/* Opens the transcript for appending; a partial last line (a crash in the
 * middle of a write) is cut off, and the complete ones are counted. */
static int open_transcript(struct qun_run *r, char *err, size_t errlen) {
  FILE *f = fopen(r->o.transcript, "a+");
  if (!f) {
    snprintf(err, errlen, "%s: cannot open the transcript (%s)", r->o.transcript, strerror(errno));
    return -1;
  }
  rewind(f);
  int64_t lines = 0;
  long good = 0, pos = 0;
  int c;
  while ((c = fgetc(f)) != EOF) {
    pos++;
    if (c == '\n')
      lines++, good = pos;
  }
  if (pos != good && ftruncate(fileno(f), good) < 0) {
    fclose(f);
    snprintf(err, errlen, "%s: cannot repair the transcript (%s)", r->o.transcript, strerror(errno));
    return -1;
  }
  fseek(f, 0, SEEK_END);
  r->tfile = f;
  r->tlines = lines;
  return 0;
}

static json_t *time_json(int64_t ms) {
  return qun_transcript_time(ms);
}

void qun_run_log(struct qun_run *r, const char *msg, size_t len) {
  json_t *f = json_object();
  json_object_set_new(f, "job", json_string(r->job ? r->job : "load"));
  json_object_set_new(f, "due", time_json(r->job ? r->due_ms : qun_run_now(r)));
  json_object_set_new(f, "message", json_stringn_nocheck(msg, len));
  qun_run_emit(r, "log", f);
  if (r->o.echo && r->o.echo_bare) {
    fprintf(r->o.echo, "%.*s\n", (int)len, msg);
  } else if (r->o.echo) {
    char t[40];
    qun_tz_rfc3339(floor_s(qun_run_now(r)), t, sizeof t);
    fprintf(r->o.echo, "%s %s: %.*s\n", t, r->job ? r->job : "load", (int)len, msg);
    fflush(r->o.echo);
  }
}

/* ---- effects applied after commit ---- */

static int add_effect(struct qun_run *r, int64_t id, int64_t due_ms, int cancel) {
  if (r->nfx == r->capfx) {
    size_t cap = r->capfx ? 2 * r->capfx : 16;
    struct effect *fx = realloc(r->fx, cap * sizeof *fx);
    if (!fx)
      return QUN_ENOMEM;
    r->fx = fx, r->capfx = cap;
  }
  r->fx[r->nfx++] = (struct effect){id, due_ms, cancel};
  return 0;
}

static void apply_effects(struct qun_run *r) {
  for (size_t i = 0; i < r->nfx; i++) {
    if (r->fx[i].cancel)
      qun_sched_cancel(r->sched, r->fx[i].id);
    else
      qun_sched_add(r->sched, r->fx[i].due_ms, r->fx[i].id);
  }
  r->nfx = 0;
}

/* ---- the one call path ---- */

typedef void (*redo_fn)(struct qun_run *r, void *ud);

/* Calls the function below nargs arguments on the stack as `job`, due at
 * due_ms, inside the transaction the caller began. On an error the effects
 * are rolled back, `redo` re-applies the bookkeeping that must stand (the
 * occurrence is used up, the job failed), and the error is recorded. */
static int call_handler(struct qun_run *r, const char *job, int64_t due_ms, int nargs, redo_fn redo,
                        void *ud) {
  char err[1024];
  char *trace = NULL;
  /* In a batch (r->batch) the caller holds the transaction and this call
   * is one savepoint in it; otherwise it is the whole transaction. */
  size_t mark = r->batch ? r->nfx : 0;
  r->job = job, r->due_ms = due_ms, r->seq = 0, r->nfx = mark;
  int rc = qun_sandbox_call(r->sb, nargs, 0, err, sizeof err, &trace);
  if (rc >= 0 && r->batch && qun_store_release(r->st) == 0) {
    /* effects wait for the batch's commit */
  } else if (rc >= 0 && !r->batch && qun_store_commit(r->st) == 0) {
    apply_effects(r);
  } else {
    if (rc >= 0)
      snprintf(err, sizeof err, "%s: cannot commit: %s", r->pb.path, qun_store_errmsg(r->st));
    r->nfx = mark;
    if (r->batch) {
      qun_store_rollback_to(r->st);
    } else {
      qun_store_rollback(r->st);
      qun_store_begin(r->st);
    }
    if (redo)
      redo(r, ud);
    json_t *f = json_object();
    json_object_set_new(f, "job", json_string(job));
    json_object_set_new(f, "message", json_string(err));
    qun_run_emit(r, "error", f);
    qun_store_log_add(r->st, r->run_id, qun_run_now(r), job, "error", trace ? trace : err);
    if (!r->batch)
      qun_store_commit(r->st);
    if (r->o.echo) {
      fprintf(r->o.echo, "error in %s: %s\n", job, trace ? trace : err);
      fflush(r->o.echo);
    }
    rc = -1;
  }
  free(trace);
  r->job = NULL;
  if (!r->batch)
    flush_transcript(r);
  return rc;
}

/* ---- schedules ---- */

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

static int64_t next_of(const struct decl *d, int64_t due_ms) {
  int64_t next = d->recurring ? qun_spec_next(&d->spec, 0, floor_s(due_ms)) : -1;
  return next >= 0 ? next * 1000 : -1;
}

static void redo_fired(struct qun_run *r, void *ud) {
  const struct decl *d = ud;
  qun_store_fired_add(r->st, r->run_id, d->name, r->due_ms, qun_run_now(r));
  qun_store_schedule_set(r->st, r->run_id, d->name, next_of(d, r->due_ms));
}

static void fire_decl(struct qun_run *r, size_t i, int64_t due_ms) {
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
  lua_pushinteger(L, floor_s(due_ms));
  lua_setfield(L, -2, "due");
  call_handler(r, d->name, due_ms, 1, redo_fired, d);
}

/* ---- one-off jobs ---- */

int64_t qun_run_job_add(struct qun_run *r, const char *handler, const char *args_json,
                        int64_t due_ms, char *err, size_t errlen) {
  /* The key makes the job idempotent: the same call of the same handler
   * occurrence (or the same line order at the top level, which runs again
   * at every start) names the same job. */
  if (ensure_run(r) < 0) {
    snprintf(err, errlen, "cannot record the run: %s", qun_store_errmsg(r->st));
    return -1;
  }
  char key[256];
  snprintf(key, sizeof key, "%s@%lld#%d", r->job ? r->job : "load",
           (long long)(r->job ? r->due_ms : 0), ++r->seq);
  int created = 0;
  int64_t id = qun_store_job_add(r->st, r->run_id, key, handler, args_json, due_ms,
                                 qun_run_now(r), &created);
  if (id < 0) {
    snprintf(err, errlen, "cannot store the job: %s", qun_store_errmsg(r->st));
    return -1;
  }
  if (created && add_effect(r, id, due_ms, 0) < 0) {
    snprintf(err, errlen, "not enough memory");
    return -1;
  }
  return id;
}

int qun_run_job_cancel(struct qun_run *r, int64_t id) {
  int rc = qun_store_job_set_state(r->st, r->run_id, id, QUN_JOB_CANCELLED, qun_run_now(r));
  if (rc > 0)
    add_effect(r, id, 0, 1);
  return rc > 0;
}

static void redo_failed(struct qun_run *r, void *ud) {
  qun_store_job_set_state(r->st, r->run_id, *(int64_t *)ud, QUN_JOB_FAILED, qun_run_now(r));
}

static int json_box_gc(lua_State *L) {
  json_t **box = lua_touserdata(L, 1);
  json_decref(*box);
  *box = NULL;
  return 0;
}

static void push_json_text(lua_State *L, const char *text, size_t len);

/* (fn, args_json) → fn(args), the JSON decoded inside the protected call. */
static int call_with_json(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 2, &len);
  lua_pushvalue(L, 1);
  push_json_text(L, text, len);
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

static void fire_job(struct qun_run *r, int64_t id, int64_t due_ms) {
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
  if (qun_bind_push_job(L, c.handler)) {
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
  call_handler(r, job, due_ms, nargs, redo_failed, &id);
}

/* ---- events ---- */

int qun_run_on(struct qun_run *r, const char *type, int fnref) {
  struct on_handler *h = realloc(r->ons, (r->nons + 1) * sizeof *h);
  if (!h)
    return QUN_ENOMEM;
  r->ons = h;
  if (!(h[r->nons].type = strdup(type)))
    return QUN_ENOMEM;
  h[r->nons++].fnref = fnref;
  return 0;
}

struct event_copy {
  int64_t id, at;
  char *type, *member, *group, *data;
};

struct event_batch {
  struct event_copy *ev;
  size_t n, cap;
};

static char *dup_or_null(const char *s) {
  return s ? strdup(s) : NULL;
}

static int copy_event(void *ud, const struct qun_store_event *row) {
  struct event_batch *b = ud;
  if (b->n == b->cap)
    return 1;
  struct event_copy *e = &b->ev[b->n++];
  e->id = row->id, e->at = row->at;
  e->type = dup_or_null(row->type), e->member = dup_or_null(row->member);
  e->group = dup_or_null(row->grp), e->data = dup_or_null(row->data);
  return 0;
}

/* Pushes a JSON text as a Lua value, decoded inside the protected call
 * into a box whose __gc frees it even if pushing raises. */
static void push_json_text(lua_State *L, const char *text, size_t len) {
  json_t **box = lua_newuserdatauv(L, sizeof *box, 0);
  *box = NULL;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, json_box_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  *box = json_loadb(text, len, JSON_DECODE_ANY, NULL);
  if (*box)
    qun_lua_pushjson(L, *box);
  else
    lua_pushnil(L);
  json_decref(*box);
  *box = NULL;
  lua_remove(L, -2);
}

/* (event) → every `on` handler of its type, in declaration order. */
static int call_all_handlers(lua_State *L) {
  struct qun_run *r = qun_run_of(L);
  const struct event_copy *e = lua_touserdata(L, 1);
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, e->id);
  lua_setfield(L, -2, "id");
  lua_pushstring(L, e->type);
  lua_setfield(L, -2, "type");
  if (e->member) {
    qun_bind_push_member(L, e->member);
    lua_setfield(L, -2, "member");
  }
  lua_pushstring(L, e->group);
  lua_setfield(L, -2, "group");
  lua_pushinteger(L, floor_s(e->at));
  lua_setfield(L, -2, "at");
  if (e->data) {
    push_json_text(L, e->data, strlen(e->data));
    lua_setfield(L, -2, "data");
  }
  int ev = lua_gettop(L);
  for (size_t i = 0; i < r->nons; i++) {
    if (strcmp(r->ons[i].type, e->type) != 0)
      continue;
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->ons[i].fnref);
    lua_pushvalue(L, ev);
    lua_call(L, 1, 0);
  }
  if (e->member) /* the member's tier may have changed */
    qun_bind_tier_eval(L, e->member);
  return 0;
}

static void emit_event(struct qun_run *r, const struct event_copy *e) {
  json_t *f = json_object();
  json_object_set_new(f, "type", json_string(e->type));
  json_object_set_new(f, "member", e->member ? json_string(e->member) : json_null());
  json_object_set_new(f, "group", e->group ? json_string(e->group) : json_null());
  json_t *data = e->data ? json_loads(e->data, JSON_DECODE_ANY, NULL) : NULL;
  json_object_set_new(f, "data", data ? data : json_null());
  qun_run_emit(r, "event", f);
}

/* After a handler raised: the event stays recorded (the cursor moves once
 * per batch, in dispatch_page). */
static void redo_event(struct qun_run *r, void *ud) {
  emit_event(r, ud);
}

/* One event of a batch: its own savepoint in the batch's transaction. */
static void dispatch_event(struct qun_run *r, const struct event_copy *e) {
  int heard = r->tiers; /* tiers are evaluated after each event of a member */
  for (size_t i = 0; i < r->nons && !heard; i++)
    heard = strcmp(r->ons[i].type, e->type) == 0;
  if (!heard) { /* nobody listens: record it, call nothing */
    emit_event(r, e);
    return;
  }
  if (qun_store_savepoint(r->st) < 0)
    return;
  redo_event(r, (void *)e);
  /* All handlers of one event share its transaction: the cursor moves with
   * their effects. A handler that raises rolls the event back whole; the
   * event is then recorded as handled with the error. */
  lua_State *L = r->sb->L;
  char job[160];
  snprintf(job, sizeof job, "on %s", e->type);
  lua_pushcfunction(L, call_all_handlers);
  lua_pushlightuserdata(L, (void *)e);
  call_handler(r, job, e->at, 1, redo_event, (void *)e);
}

/* Dispatches up to one page of new events inside the open transaction,
 * each in its own savepoint; returns how many. */
static int dispatch_page(struct qun_run *r) {
  struct event_copy evs[256];
  struct event_batch b = {evs, 0, 256};
  int64_t cursor = 0;
  qun_store_cursor_get(r->st, r->run_id, &cursor);
  qun_store_events_after(r->st, cursor, (int)b.cap, copy_event, &b);
  r->batch = 1;
  for (size_t i = 0; i < b.n; i++) {
    if (evs[i].type)
      dispatch_event(r, &evs[i]);
    free(evs[i].type), free(evs[i].member), free(evs[i].group), free(evs[i].data);
  }
  r->batch = 0;
  if (b.n) /* in the same transaction as the handlers' effects */
    qun_store_cursor_set(r->st, r->run_id, evs[b.n - 1].id);
  return (int)b.n;
}

int qun_run_dispatch_in_tx(struct qun_run *r) {
  if (r->dead)
    return 0;
  int n = 0, k;
  do
    n += k = dispatch_page(r);
  while (k == 256);
  return n;
}

void qun_run_after_commit(struct qun_run *r, int committed) {
  if (committed)
    apply_effects(r);
  else
    r->nfx = 0;
  flush_transcript(r);
  check_dead(r);
}

int qun_run_poll_events(struct qun_run *r) {
  if (r->dead)
    return 0;
  /* The batch is one transaction (one fsync), each event a savepoint: a
   * handler that raises undoes its own event only. */
  if (qun_store_begin(r->st) < 0)
    return 0;
  int n = dispatch_page(r);
  int ok = qun_store_commit(r->st) == 0;
  if (!ok)
    qun_store_rollback(r->st);
  qun_run_after_commit(r, ok);
  return n;
}

/* ---- the scheduler's callback ---- */

/* A memory kill ends the playbook's run (its state can no longer be
 * trusted), never the process: the scheduler stops and the owner is told. */
static void check_dead(struct qun_run *r) {
  if (!qun_sandbox_dead(r->sb) || r->dead)
    return;
  r->dead = 1;
  qun_sched_stop(r->sched);
  if (r->o.echo)
    fprintf(r->o.echo, "qun: %s was stopped: memory cap exceeded; fix the playbook and start it "
            "again (what it committed is kept)\n", r->pb.path);
  if (r->o.stopped)
    r->o.stopped(r->o.stopped_ud);
}

int qun_run_dead(const struct qun_run *r) {
  return r->dead;
}

static void on_fire(void *ud, struct qun_sched *s, const struct qun_jobheap_item *it) {
  (void)s;
  struct qun_run *r = ud;
  if (r->dead)
    return;
  if (it->id < 0)
    fire_decl(r, (size_t)(-it->id - 1), it->due);
  else
    fire_job(r, it->id, it->due);
  check_dead(r);
}

int qun_run_until(struct qun_run *r, int64_t until_ms) {
  return qun_sched_run_until(r->sched, until_ms);
}

/* ---- opening a run ---- */

static int64_t run_clock(void *ud) {
  struct qun_run *r = ud;
  return qun_sched_now(r->sched);
}

static void run_print(void *ud, const char *msg, size_t len) {
  qun_run_log(ud, msg, len);
}

static int install(struct qun_sandbox *sb, void *ud) {
  sb->host = ud;
  qun_bind_schedule(sb->L);
  qun_bind_events(sb->L);
  qun_bind_member(sb->L);
  qun_bind_tier(sb->L);
  return 0;
}

static int file_sha256(const char *path, char hex[65]) {
  unsigned char md[EVP_MAX_MD_SIZE], buf[8192];
  unsigned int mdlen = 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
    ok = EVP_DigestUpdate(ctx, buf, n);
  ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &mdlen);
  EVP_MD_CTX_free(ctx);
  fclose(f);
  for (unsigned i = 0; ok && i < mdlen; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  return ok ? 0 : -1;
}

static char *params_json(const struct qun_playbook *pb) {
  json_t *o = json_object();
  for (size_t i = 0; i < pb->nparams; i++)
    json_object_set_new(o, pb->params[i].name,
                        pb->params[i].value ? json_string(pb->params[i].value) : json_null());
  char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
  return s;
}

/* Records the run (or resumes it) as soon as the header is known. */
static int ensure_run(struct qun_run *r) {
  if (r->run_id > 0)
    return 0;
  char sha[65] = "";
  file_sha256(r->pb.path, sha);
  char *params = params_json(&r->pb);
  struct qun_run_info info = {
      .playbook = r->pb.name, .version = r->pb.version, .sha256 = sha, .path = r->pb.path,
      .params = params, .mode = r->o.mode ? r->o.mode : "live", .tz = qun_tz_name()};
  int resumed = 0;
  int rc = qun_store_run_start(r->st, &info, qun_run_now(r), &r->run_id, &resumed);
  free(params);
  if (rc == 0 && !resumed) { /* a new run hears the events from now on */
    int64_t last;
    if ((rc = qun_store_events_last(r->st, &last)) == 0)
      rc = qun_store_cursor_set(r->st, r->run_id, last);
  }
  return rc;
}

static void skipped(struct qun_run *r, const struct decl *d, int64_t due_ms) {
  char g[32];
  qun_duration_format(r->o.grace_ms / 1000, g, sizeof g);
  json_t *f = json_object();
  json_object_set_new(f, "job", json_string(d->name));
  json_object_set_new(f, "due", time_json(due_ms));
  char reason[64];
  snprintf(reason, sizeof reason, "missed by more than the grace (%s)", g);
  json_object_set_new(f, "reason", json_string(reason));
  qun_run_emit(r, "skipped", f);
}

/* Arms a declared schedule: the occurrences missed while qun was down fire
 * now if they are younger than the grace, the older ones are recorded as
 * skipped; an occurrence that fired already never fires again. */
static void arm_decl(struct qun_run *r, size_t i) {
  struct decl *d = &r->decls[i];
  int64_t now = qun_run_now(r), last_ms;
  int have_last = qun_store_fired_last(r->st, r->run_id, d->name, &last_ms) == 0;
  int64_t id = -(int64_t)i - 1;
  if (!d->recurring) {
    if (have_last) {
      qun_store_schedule_set(r->st, r->run_id, d->name, -1);
      return;
    }
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
  int64_t from = have_last ? floor_s(last_ms) : floor_s(now);
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

static int restore_job(void *ud, const struct qun_store_job *row) {
  struct qun_run *r = ud;
  qun_sched_add(r->sched, row->due, row->id);
  return 0;
}

int qun_run_open(const struct qun_run_opts *o, struct qun_run **out, char *err, size_t errlen) {
  *out = NULL;
  struct qun_run *r = calloc(1, sizeof *r);
  if (!r) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  r->o = *o;
  r->st = o->store;
  struct qun_sched_opts so = {.mode = o->loop ? QUN_CLOCK_REAL : QUN_CLOCK_VIRTUAL,
                              .loop = o->loop, .start_ms = o->start_ms, .fire = on_fire, .ud = r};
  if (!(r->sched = qun_sched_new(&so))) {
    snprintf(err, errlen, "out of memory");
    free(r);
    return -1;
  }
  if (o->transcript && open_transcript(r, err, errlen) < 0)
    goto fail;
  struct qun_playbook_opts po = {
      .mode = QUN_PB_FULL, .sets = o->sets, .nsets = o->nsets, .now_ms = qun_run_now(r),
      .sandbox = {.seed = o->seed, .now_ms = run_clock, .log = run_print, .ud = r},
      .install = install, .install_ud = r};
  /* The top level is a handler too: one transaction. */
  if (qun_store_begin(r->st) < 0) {
    snprintf(err, errlen, "%s", qun_store_errmsg(r->st));
    goto fail;
  }
  r->loading = 1;
  int rc = qun_playbook_eval(o->path, &po, &r->pb, &r->sb, err, errlen);
  r->loading = 0;
  if (rc < 0 || ensure_run(r) < 0) {
    if (rc == 0)
      snprintf(err, errlen, "%s: %s", o->path, qun_store_errmsg(r->st));
    qun_store_rollback(r->st);
    goto fail;
  }
  for (size_t i = 0; i < r->ndecls; i++)
    arm_decl(r, i);
  /* The pending jobs, the new ones included, come from the store. */
  free(r->fx);
  r->fx = NULL, r->nfx = r->capfx = 0;
  qun_store_jobs_pending(r->st, r->run_id, restore_job, r);
  if (qun_store_commit(r->st) < 0) {
    snprintf(err, errlen, "%s: %s", o->path, qun_store_errmsg(r->st));
    goto fail;
  }
  flush_transcript(r);
  *out = r;
  return 0;
fail:
  qun_run_close(r);
  return -1;
}

static void free_run(struct qun_sched *s, void *ud) {
  (void)s;
  free(ud);
}

void qun_run_close(struct qun_run *r) {
  if (!r)
    return;
  qun_sandbox_free(r->sb);
  qun_playbook_clear(&r->pb);
  for (size_t i = 0; i < r->ndecls; i++)
    free(r->decls[i].name);
  free(r->decls);
  for (size_t i = 0; i < r->nons; i++)
    free(r->ons[i].type);
  free(r->ons);
  free(r->fx);
  if (r->tfile)
    fclose(r->tfile);
  qun_sched_close(r->sched, free_run, r);
}
