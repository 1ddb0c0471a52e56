/* run_events.c — events to `on` handlers: a batch per transaction, a
 * savepoint per event, the cursor moved with the effects. */
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
  lua_pushinteger(L, qun_run__floor_s(e->at));
  lua_setfield(L, -2, "at");
  if (e->data) {
    qun_lua_pushjson_text(L, e->data, strlen(e->data));
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

/* The `event` transcript line (as qun_run_emit would add it, without
 * building JSON objects: one per event ingested). */
static void emit_event(struct qun_run *r, const struct event_copy *e) {
  if (r->run_id <= 0 && r->pb.name)
    qun_run__ensure(r);
  char *line = qun_transcript_event_line(qun_run_now(r), e->type, e->member, e->group, e->data);
  if (line && r->run_id > 0)
    qun_store_transcript_add(r->st, r->run_id, line);
  free(line);
}

/* After a handler raised: the event stays recorded (the cursor moves once
 * per batch, in dispatch_page). */
static void redo_event(struct qun_run *r, void *ud) {
  emit_event(r, ud);
}

/* One event of a batch: its own savepoint in the batch's transaction. */
static void dispatch_event(struct qun_run *r, const struct event_copy *e) {
  /* A claim is the host's: made before any handler sees the event, and
   * kept whatever the handlers do. */
  int host = strcmp(e->type, "redpacket.claim") == 0;
  if (host) {
    emit_event(r, e);
    qun_run__claim_event(r, e->id, e->at, e->member, e->data);
  }
  int heard = r->tiers; /* tiers are evaluated after each event of a member */
  for (size_t i = 0; i < r->nons && !heard; i++)
    heard = strcmp(r->ons[i].type, e->type) == 0;
  if (!heard) { /* nobody listens: record it, call nothing */
    if (!host)
      emit_event(r, e);
    return;
  }
  if (qun_store_savepoint(r->st) < 0)
    return;
  r->held_calls = 1;
  if (!host)
    redo_event(r, (void *)e);
  /* All handlers of one event share its transaction: the cursor moves with
   * their effects. A handler that raises rolls the event back whole; the
   * event is then recorded as handled with the error. */
  lua_State *L = r->sb->L;
  char job[160];
  snprintf(job, sizeof job, "on %s", e->type);
  lua_pushcfunction(L, call_all_handlers);
  lua_pushlightuserdata(L, (void *)e);
  r->event_id = e->id;
  qun_run__call(r, job, e->at, 1, host ? NULL : redo_event, (void *)e);
  r->event_id = 0;
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

/* Swaps the pending effects with the held ones (both arrays stay owned). */
static void swap_held(struct qun_run *r) {
  struct effect *fx = r->fx;
  size_t n = r->nfx, cap = r->capfx;
  r->fx = r->held, r->nfx = r->nheld, r->capfx = r->capheld;
  r->held = fx, r->nheld = n, r->capheld = cap;
}

int qun_run_dispatch_in_tx(struct qun_run *r) {
  r->held_calls = 0;
  if (r->dead)
    return 0;
  int n = 0, k;
  do
    n += k = dispatch_page(r);
  while (k == 256);
  /* The caller commits, maybe on another thread while the loop runs other
   * calls (each applies or drops its own effects): this batch's wait aside
   * for qun_run_after_commit. Between calls fx is empty, and one group
   * commit is in flight at a time, so held is empty here. */
  swap_held(r);
  r->holding = 1;
  return n;
}

static void after_own_commit(struct qun_run *r, int committed) {
  if (committed)
    qun_run__apply_effects(r);
  else
    r->nfx = 0;
  qun_run__flush(r);
  qun_run__check_dead(r);
}

void qun_run_after_commit(struct qun_run *r, int committed) {
  int calls = 1;
  if (r->holding) {
    swap_held(r);
    r->holding = 0;
    calls = r->held_calls;
  }
  if (!calls && !r->nfx && !r->queued) { /* events nobody listens to: nothing to apply or send */
    qun_run__flush(r);
    return;
  }
  after_own_commit(r, committed);
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
  after_own_commit(r, ok);
  return n;
}
