/* worker.c — the outbox's drain (see worker.h).
 *
 * Waiting messages are (next_try, id) pairs in a job heap; the rows stay in
 * SQLite and are read one at a time when due. A message that must wait for
 * its channel's rate limit goes back into the heap (in memory only: the
 * store's next_try changes only for policy and retry decisions, which are
 * transcript lines). Outcomes queue on a list and are committed together. */
#define _GNU_SOURCE /* tdestroy */
#include "deliver/worker.h"
#include "deliver/channel.h"
#include "deliver/http_client.h"
#include "core/err.h"
#include "core/jobheap.h"
#include "core/policy.h"
#include "core/ratelimit.h"
#include "core/transcript.h"
#include "host/config.h"
#include "store/store.h"

#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

enum outcome { SENT, RETRY, DEAD, QUIET_DEFER, QUIET_DROP };

/* One message between its hand-over and the commit of its outcome. */
struct done {
  struct qun_worker *w;
  int64_t id, due, started, until;
  char *channel, *target, *job, *msg, *key, *member;
  int attempts; /* before this one */
  const struct qun_channel *c;
  const struct qun_chan_type *t;
  struct qun_limiter *lim;
  struct dest *dest;
  enum outcome kind;
  struct qun_chan_result res;
  struct done *next;
  struct done *fl_next, **fl_pprev; /* in flight */
};

struct limiter_entry {
  char *key;
  struct qun_limiter *l; /* NULL: unlimited */
};

/* One destination (a channel and a target): one request at a time, so a
 * group sees its messages in the order they were sent. */
struct dest {
  char *key;
  int busy;         /* a message holds it: in flight, or first in line for the rate limit */
  int64_t head;     /* that message */
  int64_t *waiting; /* ids that found it busy, in order */
  size_t n, cap;
};

struct qun_worker {
  struct qun_worker_opts o;
  struct qun_jobheap heap;
  int64_t last_id;
  void *limiters; /* tsearch tree of limiter_entry, by key */
  void *dests;    /* tsearch tree of dest, by key */
  struct qun_http_client *http;
  uv_idle_t commit; /* outcomes wait for it: one commit a turn of the loop */
  int inflight;
  struct done *flying; /* requests in flight */
  struct done *done, **done_tail;
  uint64_t rnd;
  int draining;
  void (*drained)(void *ud);
  void *drained_ud;
};

static int64_t now_ms(struct qun_worker *w) {
  return w->o.now(w->o.ud);
}

static uint64_t rand64(struct qun_worker *w) {
  if (w->o.rand64)
    return w->o.rand64(w->o.ud);
  w->rnd ^= w->rnd << 13; /* xorshift64: a fixed sequence when the run gives none */
  w->rnd ^= w->rnd >> 7;
  w->rnd ^= w->rnd << 17;
  return w->rnd;
}

/* The wait before retry number `attempt` (1, 2, ...): 2 s doubling up to
 * 10 min, drawn from [b/2, b] so that many failures do not retry in step. */
static int64_t backoff_ms(struct qun_worker *w, int attempt) {
  int64_t b = w->o.backoff_ms > 0 ? w->o.backoff_ms : QUN_WORKER_BACKOFF_MS;
  for (int i = 1; i < attempt && b < QUN_WORKER_BACKOFF_MAX_MS; i++)
    b *= 2;
  if (b > QUN_WORKER_BACKOFF_MAX_MS)
    b = QUN_WORKER_BACKOFF_MAX_MS;
  return b / 2 + (int64_t)(rand64(w) % (uint64_t)(b / 2 + 1));
}

/* ---- limiters, one per channel (per chat for per_chat types) ---- */

static int cmp_entry(const void *a, const void *b) {
  return strcmp(((const struct limiter_entry *)a)->key, ((const struct limiter_entry *)b)->key);
}

static struct qun_limiter *limiter_for(struct qun_worker *w, const struct qun_channel *c,
                                       const struct qun_chan_type *t, const char *name, const char *chat) {
  char key[512];
  snprintf(key, sizeof key, "%s\n%s", name, t->per_chat && chat ? chat : "");
  struct limiter_entry probe = {.key = key};
  struct limiter_entry **found = tfind(&probe, &w->limiters, cmp_entry);
  if (found)
    return (*found)->l;
  struct qun_rate rates[QUN_RATE_RULES];
  int n = qun_chan_rates(c, t, rates);
  struct limiter_entry *e = calloc(1, sizeof *e);
  if (!e || !(e->key = strdup(key))) {
    free(e);
    return NULL;
  }
  e->l = n ? qun_limiter_new(rates, n) : NULL;
  if (!tsearch(e, &w->limiters, cmp_entry)) {
    qun_limiter_free(e->l);
    free(e->key);
    free(e);
    return NULL;
  }
  return e->l;
}

static struct dest *dest_for(struct qun_worker *w, const char *channel, const char *target) {
  char key[600];
  snprintf(key, sizeof key, "%s\n%s", channel, target);
  struct dest probe = {.key = key};
  struct dest **found = tfind(&probe, &w->dests, cmp_entry);
  if (found)
    return *found;
  struct dest *ds = calloc(1, sizeof *ds);
  if (!ds || !(ds->key = strdup(key)) || !tsearch(ds, &w->dests, cmp_entry)) {
    if (ds)
      free(ds->key);
    free(ds);
    return NULL;
  }
  return ds;
}

static int dest_wait(struct dest *ds, int64_t id) {
  if (ds->n == ds->cap) {
    size_t cap = ds->cap ? 2 * ds->cap : 8;
    int64_t *p = realloc(ds->waiting, cap * sizeof *p);
    if (!p)
      return -1;
    ds->waiting = p, ds->cap = cap;
  }
  ds->waiting[ds->n++] = id;
  return 0;
}

/* The destination's request is done: what waited goes back, in order. */
static void dest_release(struct qun_worker *w, struct dest *ds, int64_t now) {
  ds->busy = 0;
  for (size_t i = 0; i < ds->n; i++)
    qun_jobheap_push(&w->heap, now, ds->waiting[i]);
  ds->n = 0;
}

static void free_dest(void *p) {
  struct dest *ds = p;
  free(ds->key);
  free(ds->waiting);
  free(ds);
}

static void free_entry(void *p) {
  struct limiter_entry *e = p;
  qun_limiter_free(e->l);
  free(e->key);
  free(e);
}

/* ---- outcomes ---- */

static void free_done(struct done *d) {
  free(d->channel), free(d->target), free(d->job), free(d->msg), free(d->key), free(d->member);
  free(d);
}

static void on_commit(uv_idle_t *h);

static void finish(struct qun_worker *w, struct done *d) {
  d->next = NULL;
  *w->done_tail = d;
  w->done_tail = &d->next;
  /* An idle handle, not a check: a check runs after the poll, and a poll
   * that blocks (an outcome decided in a timer callback, nothing else
   * due) would hold the commit back until some I/O came. */
  if (w->o.loop && !uv_is_active((uv_handle_t *)&w->commit))
    uv_idle_start(&w->commit, on_commit);
}

static json_t *redacted(const struct qun_worker *w, const char *reason) {
  char buf[sizeof ((struct qun_chan_result *)0)->reason];
  snprintf(buf, sizeof buf, "%s", reason);
  if (w->o.cfg)
    qun_config_redact(w->o.cfg, buf, sizeof buf);
  return json_string(buf);
}

static void line(struct qun_worker *w, const struct done *d, const char *ev, const char *reason,
                 int64_t until, const char *error) {
  json_t *f = json_object();
  json_object_set_new(f, "to", json_string(d->target));
  json_object_set_new(f, "reason", json_string(reason));
  json_object_set_new(f, "job", json_string(d->job));
  if (until >= 0)
    json_object_set_new(f, "until", qun_transcript_time(until));
  if (error)
    json_object_set_new(f, "error", redacted(w, error));
  w->o.emit(w->o.ud, ev, f);
}

/* Writes one outcome in the open transaction; returns the time the
 * message waits until (it goes back into the heap after the commit), or -1. */
static int64_t apply(struct qun_worker *w, struct done *d, int64_t now) {
  struct qun_store *st = w->o.store;
  int max = w->o.max_attempts ? w->o.max_attempts : QUN_WORKER_ATTEMPTS;
  char why[320];
  switch (d->kind) {
  case SENT: {
    qun_store_out_set(st, d->id, QUN_OUT_SENT, now, NULL, 1);
    if (w->o.sent) { /* the dry-run's audience reads the message */
      json_t *msg = json_loads(d->msg, 0, NULL);
      if (msg)
        w->o.sent(w->o.ud, d->target, d->member, msg, now);
      json_decref(msg);
    }
    char *l = qun_transcript_send_line(now, d->channel, d->target, d->msg, d->job, d->due,
                                       d->started - d->due);
    if (l)
      w->o.emit_line(w->o.ud, l);
    free(l);
    return -1;
  }
  case RETRY:
    if (d->attempts + 1 >= max) {
      snprintf(why, sizeof why, "gave up after %d attempts: %s", d->attempts + 1, d->res.reason);
      qun_store_out_set(st, d->id, QUN_OUT_DEAD, now, why, 1);
      line(w, d, "dropped", "failed", -1, why);
      return -1;
    } else {
      int64_t wait = d->res.retry_after_ms > 0 ? d->res.retry_after_ms : backoff_ms(w, d->attempts + 1);
      int64_t until = now + wait;
      if (d->res.throttled && d->lim)
        qun_limiter_pause(d->lim, until);
      qun_store_out_wait(st, d->id, QUN_OUT_QUEUED, until, d->res.reason, 1);
      line(w, d, "deferred", "retry", until, d->res.reason);
      return until;
    }
  case DEAD:
    qun_store_out_set(st, d->id, QUN_OUT_DEAD, now, d->res.reason, 1);
    line(w, d, "dropped", "failed", -1, d->res.reason);
    return -1;
  case QUIET_DEFER:
    qun_store_out_wait(st, d->id, QUN_OUT_DEFERRED, d->until, "quiet_hours", 0);
    line(w, d, "deferred", "quiet_hours", d->until, NULL);
    return d->until;
  case QUIET_DROP:
    qun_store_out_set(st, d->id, QUN_OUT_DROPPED, now, "quiet_hours", 0);
    line(w, d, "dropped", "quiet_hours", -1, NULL);
    return -1;
  }
  return -1;
}

/* Commits every outcome on the list in one transaction. */
static void commit_done(struct qun_worker *w) {
  struct done *list = w->done;
  w->done = NULL, w->done_tail = &w->done;
  if (!list)
    return;
  int64_t now = now_ms(w);
  int ok = qun_store_begin(w->o.store) == 0;
  for (struct done *d = list; ok && d; d = d->next)
    d->until = apply(w, d, now);
  if (ok && qun_store_commit(w->o.store) < 0) {
    qun_store_rollback(w->o.store);
    ok = 0;
  }
  for (struct done *d = list, *next; d; d = next) {
    next = d->next;
    /* Committed: a waiting message goes back into the heap. Not
     * committed: the store still has it queued; try again in a second. */
    int64_t at = ok ? d->until : now + 1000;
    if (at >= 0)
      qun_jobheap_push(&w->heap, at, d->id);
    free_done(d);
  }
}

static void on_commit(uv_idle_t *h) {
  struct qun_worker *w = h->data;
  uv_idle_stop(h);
  if (qun_store_in_tx(w->o.store)) { /* a handler's transaction: next turn */
    uv_idle_start(h, on_commit);
    return;
  }
  commit_done(w);
  if (!w->draining)
    qun_worker_run(w); /* slots freed, retries due */
  if (w->o.committed)
    w->o.committed(w->o.ud); /* the transcript file gets the lines */
  if (w->draining && !w->inflight && w->drained) {
    void (*cb)(void *) = w->drained;
    w->drained = NULL;
    cb(w->drained_ud);
  }
}

void qun_worker_drain(struct qun_worker *w, void (*done)(void *ud), void *ud) {
  w->draining = 1;
  w->drained = done, w->drained_ud = ud;
  if (w->o.loop)
    uv_idle_start(&w->commit, on_commit); /* reports from the loop, even with nothing in flight */
  else
    done(ud);
}

/* ---- transports ---- */

static void fly(struct qun_worker *w, struct done *d) {
  d->fl_next = w->flying, d->fl_pprev = &w->flying;
  if (w->flying)
    w->flying->fl_pprev = &d->fl_next;
  w->flying = d;
  w->inflight++;
}

static void land(struct done *d) {
  *d->fl_pprev = d->fl_next;
  if (d->fl_next)
    d->fl_next->fl_pprev = d->fl_pprev;
  d->w->inflight--;
}

static void on_http(void *ud, const struct qun_http_res *res) {
  struct done *d = ud;
  land(d);
  if (d->dest)
    dest_release(d->w, d->dest, now_ms(d->w));
  d->t->read(d->c, res, &d->res);
  d->kind = d->res.verdict == QUN_CHAN_SENT ? SENT : d->res.verdict == QUN_CHAN_RETRY ? RETRY : DEAD;
  finish(d->w, d);
}

static void write_local(struct qun_worker *w, struct done *d, const struct qun_chan_req *req) {
  d->kind = SENT;
  if (!req->url) { /* console */
    if (w->o.echo) {
      fprintf(w->o.echo, "%.*s\n", (int)req->len, req->body);
      fflush(w->o.echo);
    }
    return;
  }
  FILE *f = fopen(req->url, "a");
  if (!f || fwrite(req->body, 1, req->len, f) != req->len || fputc('\n', f) == EOF) {
    qun_chan_retry(&d->res, 0, "%s: cannot write %s (%s)", d->channel, req->shown_url, strerror(errno));
    d->res.retry_after_ms = -1;
    d->kind = RETRY;
  }
  if (f && fclose(f) != 0 && d->kind == SENT) {
    qun_chan_retry(&d->res, 0, "%s: cannot write %s (%s)", d->channel, req->shown_url, strerror(errno));
    d->res.retry_after_ms = -1;
    d->kind = RETRY;
  }
}

/* Dry-run: the request is recorded and answered as the platform answers
 * success; the channel reads that answer as it would read a real one. */
static void record(struct qun_worker *w, struct done *d, const struct qun_chan_req *req, int64_t now) {
  if (w->o.record)
    w->o.record(w->o.ud, d->channel, d->t->name, req, now);
  if (!d->t->read) {
    d->kind = SENT;
    return;
  }
  const char *body = d->t->ok_body ? d->t->ok_body : "";
  struct qun_http_res res = {.status = d->t->ok_status ? d->t->ok_status : 200, .body = body,
                             .len = strlen(body)};
  d->t->read(d->c, &res, &d->res);
  d->kind = d->res.verdict == QUN_CHAN_SENT ? SENT : d->res.verdict == QUN_CHAN_RETRY ? RETRY : DEAD;
}

/* ---- handing messages over ---- */

static int copy_row(void *ud, const struct qun_out *m) {
  struct done *d = ud;
  d->id = m->id, d->due = m->due, d->attempts = m->attempts;
  d->channel = strdup(m->channel);
  d->target = strdup(m->target);
  d->job = strdup(m->job ? m->job : "");
  d->msg = strdup(m->msg);
  d->key = strdup(m->key);
  d->member = m->member ? strdup(m->member) : NULL;
  d->kind = m->state == QUN_OUT_QUEUED || m->state == QUN_OUT_DEFERRED ? SENT : DEAD;
  return 0;
}

static void dead(struct qun_worker *w, struct done *d, const char *fmt, const char *a) {
  d->kind = DEAD;
  snprintf(d->res.reason, sizeof d->res.reason, fmt, a);
  finish(w, d);
}

/* Starts one message; 1 if it went to the transport (or was decided),
 * 0 if it waits for its channel's rate limit. */
static int start(struct qun_worker *w, struct done *d, int64_t now) {
  const struct qun_config *cfg = w->o.cfg;
  /* Payouts are money owed: they leave whatever the hour. */
  if (cfg && cfg->quiet_from >= 0 && strncmp(d->target, "payout:", 7) != 0) {
    struct qun_quiet q = {cfg->quiet_from, cfg->quiet_to};
    int64_t s = now / 1000 - (now % 1000 < 0);
    if (qun_quiet_inside(&q, s)) {
      d->kind = cfg->quiet_drop ? QUIET_DROP : QUIET_DEFER;
      d->until = qun_quiet_open_at(&q, s) * 1000;
      finish(w, d);
      return 1;
    }
  }
  d->c = qun_config_channel(cfg, d->channel);
  d->t = qun_chan_type(d->c ? d->c->type : strcmp(d->channel, "console") == 0 ? "console" : NULL);
  if (!d->t) {
    dead(w, d, "no channel '%s' in the team config", d->channel);
    return 1;
  }
  const char *chat = NULL;
  if (strncmp(d->target, "group:", 6) == 0) {
    const struct qun_group *g = qun_config_group(cfg, d->target + 6);
    chat = g ? g->chat : NULL;
  }
  d->dest = dest_for(w, d->channel, d->target);
  if (d->dest && d->dest->busy && d->dest->head != d->id) {
    if (dest_wait(d->dest, d->id) < 0)
      qun_jobheap_push(&w->heap, now + 1000, d->id);
    return 0; /* after the one before it */
  }
  d->lim = limiter_for(w, d->c, d->t, d->channel, chat);
  if (d->lim) {
    int64_t at = qun_limiter_next(d->lim, now);
    if (at > now) { /* it keeps its place in line while it waits */
      if (d->dest)
        d->dest->busy = 1, d->dest->head = d->id;
      qun_jobheap_push(&w->heap, at, d->id);
      return 0;
    }
  }
  json_t *msg = json_loads(d->msg, 0, NULL);
  if (!msg) {
    dead(w, d, "the stored message is not JSON (%s)", "corrupt row");
    return 1;
  }
  struct qun_chan_msg m = {.msg = msg, .target = d->target, .chat = chat,
                           .member = d->member, .key = d->key, .now_ms = now};
  char err[256] = "";
  struct qun_chan_req req = {0};
  int rc = d->t->render(d->c, &m, &req, err, sizeof err);
  json_decref(msg);
  if (rc < 0) {
    qun_chan_req_free(&req);
    if (d->dest && d->dest->busy)
      dest_release(w, d->dest, now);
    dead(w, d, "%s", err);
    return 1;
  }
  if (d->lim)
    qun_limiter_take(d->lim, now);
  d->started = now;
  if (!w->o.loop || !req.method) { /* done at once: the recording sink, console, file */
    if (!w->o.loop)
      record(w, d, &req, now);
    else
      write_local(w, d, &req);
    finish(w, d);
    if (d->dest && d->dest->busy)
      dest_release(w, d->dest, now);
  } else {
    struct qun_http_req hr = {.method = req.method, .url = req.url, .headers = (const char *const *)req.headers,
                              .body = req.body, .len = req.len, .timeout_ms = w->o.timeout_ms};
    if (qun_http_client_request(w->http, &hr, on_http, d) < 0) {
      qun_chan_retry(&d->res, 0, "%s: cannot start the request", d->channel);
      d->res.retry_after_ms = -1;
      d->kind = RETRY;
      if (d->dest && d->dest->busy)
        dest_release(w, d->dest, now);
      finish(w, d);
    } else {
      fly(w, d);
      if (d->dest)
        d->dest->busy = 1, d->dest->head = d->id;
    }
  }
  qun_chan_req_free(&req);
  return 1;
}

void qun_worker_run(struct qun_worker *w) {
  if (w->draining)
    return;
  int64_t now = now_ms(w);
  int max = w->o.max_inflight ? w->o.max_inflight : QUN_WORKER_INFLIGHT;
  const struct qun_jobheap_item *top;
  while (w->inflight < max && (top = qun_jobheap_peek(&w->heap)) && top->due <= now) {
    struct qun_jobheap_item it;
    qun_jobheap_pop(&w->heap, &it);
    struct done *d = calloc(1, sizeof *d);
    if (!d) {
      qun_jobheap_push(&w->heap, now + 1000, it.id);
      break;
    }
    d->w = w;
    d->res.retry_after_ms = -1;
    if (qun_store_out_get(w->o.store, it.id, copy_row, d) != 0 || d->kind == DEAD ||
        !d->channel || !d->target || !d->job || !d->msg || !d->key) {
      free_done(d); /* gone, or no longer waiting */
      continue;
    }
    if (!start(w, d, now))
      free_done(d);
  }
  if (!w->o.loop)
    commit_done(w); /* dry-run: every outcome is known already */
}

static int take(void *ud, int64_t id, int64_t next_try) {
  struct qun_worker *w = ud;
  if (!qun_jobheap_contains(&w->heap, id) && qun_jobheap_push(&w->heap, next_try, id) < 0)
    return QUN_ENOMEM;
  w->last_id = id;
  return 0;
}

int qun_worker_load(struct qun_worker *w) {
  int n;
  do {
    n = qun_store_out_waiting(w->o.store, w->o.run_id, w->last_id, 1024, take, w);
  } while (n == 1024);
  return n < 0 ? n : 0;
}

int64_t qun_worker_next(const struct qun_worker *w) {
  int max = w->o.max_inflight ? w->o.max_inflight : QUN_WORKER_INFLIGHT;
  if (w->inflight >= max || w->draining)
    return -1; /* a completion starts the next (on_commit), not a timer */
  const struct qun_jobheap_item *top = qun_jobheap_peek(&w->heap);
  return top ? top->due : -1;
}

int qun_worker_inflight(const struct qun_worker *w) {
  return w->inflight;
}

size_t qun_worker_waiting(const struct qun_worker *w) {
  return qun_jobheap_size(&w->heap);
}

struct qun_worker *qun_worker_new(const struct qun_worker_opts *o) {
  struct qun_worker *w = calloc(1, sizeof *w);
  if (!w)
    return NULL;
  w->o = *o;
  w->rnd = 0x9E3779B97F4A7C15ull;
  w->done_tail = &w->done;
  qun_jobheap_init(&w->heap);
  if (o->loop) {
    if (!(w->http = qun_http_client_new(o->loop))) {
      free(w);
      return NULL;
    }
    uv_idle_init(o->loop, &w->commit);
    w->commit.data = w;
  }
  return w;
}

static void commit_closed(uv_handle_t *h) {
  free(h->data);
}

void qun_worker_free(struct qun_worker *w) {
  if (!w)
    return;
  /* In flight: cancelled without their callbacks; their rows stay queued,
   * and the next start sends them again, with the same key. */
  for (struct done *d = w->done, *next; d; d = next) {
    next = d->next;
    free_done(d);
  }
  while (w->flying) {
    struct done *d = w->flying;
    land(d);
    free_done(d);
  }
  qun_jobheap_free(&w->heap);
  tdestroy(w->limiters, free_entry);
  tdestroy(w->dests, free_dest);
  if (w->o.loop) {
    qun_http_client_close(w->http);
    uv_close((uv_handle_t *)&w->commit, commit_closed);
  } else {
    free(w);
  }
}
