/* run_deliver.c — the outbox side of a run. send() queues a message in
 * the handler's transaction after the host's send-time policies (quiet
 * hours defer or drop it, a member's daily cap drops it); after each
 * commit the delivery worker (deliver/worker) takes what is due. One
 * scheduler entry wakes the worker for what waits (deferred, rate-limited,
 * retried), on either clock. */
#include "host/run_int.h"
#include "host/config.h"
#include "core/policy.h"
#include "core/transcript.h"
#include "deliver/channel.h"
#include "deliver/worker.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The channel a target goes through, or NULL with the reason. */
static const char *channel_of(const struct qun_config *cfg, const char *target, char *err, size_t errlen) {
  if (strncmp(target, "group:", 6) == 0) {
    if (!cfg || !cfg->ngroups)
      return "console"; /* no groups configured: a rehearsal on the console */
    const struct qun_group *g = qun_config_group(cfg, target + 6);
    if (!g)
      snprintf(err, errlen, "no group '%s' in the team config", target + 6);
    return g ? g->channel : NULL;
  }
  if (strncmp(target, "payout:", 7) == 0) {
    if (!cfg || !cfg->payout_channel)
      snprintf(err, errlen, "no payout_channel in the team config (a signed webhook to the "
                            "merchant's backend)");
    return cfg ? cfg->payout_channel : NULL;
  }
  return cfg && cfg->members_channel ? cfg->members_channel : "console";
}

static void policy_line(struct qun_run *r, const char *ev, const char *target, const char *reason,
                        int64_t until_ms) {
  json_t *f = json_object();
  json_object_set_new(f, "to", json_string(target));
  json_object_set_new(f, "reason", json_string(reason));
  json_object_set_new(f, "job", json_string(r->job ? r->job : "load"));
  if (until_ms >= 0)
    json_object_set_new(f, "until", qun_run__time(until_ms));
  qun_run_emit(r, ev, f);
}

/* What qun check (and the dry-run's report) should tell the author:
 * a send that the host's policies hold back or drop. */
static void policy_warning(struct qun_run *r, const struct qun_out *m, const struct qun_quiet *q) {
  lua_State *L = r->sb ? r->sb->L : NULL;
  char from[24], to[24];
  snprintf(from, sizeof from, "%02d:%02d", q->from / 60, q->from % 60);
  snprintf(to, sizeof to, "%02d:%02d", q->to / 60, q->to % 60);
  if (strcmp(m->reason, "member_cap") == 0)
    qun_run_warn(r, L, "a member is over the daily cap of %d messages (caps.member_per_day): "
                       "this send is dropped for them", r->o.cfg->member_per_day);
  else if (m->state == QUN_OUT_DEFERRED)
    qun_run_warn(r, L, "this send falls in quiet hours %s-%s: it waits until %s", from, to, to);
  else
    qun_run_warn(r, L, "this send falls in quiet hours %s-%s and is dropped (quiet_hours.action)",
                 from, to);
}

/* A text over its channel's limit fails at delivery: say so now. */
static void check_size(struct qun_run *r, const char *channel, const char *msg) {
  const struct qun_channel *c = qun_config_channel(r->o.cfg, channel);
  if (!c)
    return;
  static const char *const kinds[] = {"text", "markdown"};
  json_t *o = NULL;
  for (int i = 0; i < 2; i++) {
    const struct qun_chan_limit *lim = qun_chan_limit(c->type, kinds[i]);
    if (!lim || (strcmp(lim->unit, "bytes") != 0 && strcmp(lim->unit, "characters") != 0))
      continue;
    if (!o && !(o = json_loads(msg, 0, NULL)))
      return;
    const char *text = json_string_value(json_object_get(o, kinds[i]));
    if (!text)
      continue;
    size_t n = strcmp(lim->unit, "bytes") == 0 ? strlen(text) : qun_chan_utf8_chars(text);
    if (n > lim->max)
      qun_run_warn(r, r->sb ? r->sb->L : NULL, "%s is %zu %s: over %s's limit of %zu %s for %s; "
                   "it will fail at delivery", kinds[i], n, lim->unit, c->type, lim->max, lim->unit,
                   lim->what);
  }
  json_decref(o);
}

int qun_run_send(struct qun_run *r, const struct qun_send *s, char *err, size_t errlen) {
  const struct qun_config *cfg = r->o.cfg;
  const char *channel = channel_of(cfg, s->target, err, errlen);
  if (!channel)
    return -1;
  if (qun_run__ensure(r) < 0) {
    snprintf(err, errlen, "cannot record the run: %s", qun_store_errmsg(r->st));
    return -1;
  }
  int64_t now = qun_run_now(r);
  char key[512], occ[200];
  qun_run__occurrence(r, occ, sizeof occ);
  if (!s->key)
    snprintf(key, sizeof key, "%lld/%s#%d/%s", (long long)r->run_id, occ, ++r->sends, s->target);
  struct qun_out m = {.run_id = r->run_id, .key = s->key ? s->key : key, .channel = channel,
                      .target = s->target, .member = s->member, .msg = s->msg,
                      .job = r->job ? r->job : "load",
                      /* meant to go when its occurrence was due: a late handler makes it late */
                      .due = r->timed && r->due_ms < now ? r->due_ms : now,
                      .day = qun_local_day(qun_run__floor_s(now)), .state = QUN_OUT_QUEUED,
                      .next_try = now};
  struct qun_quiet q = {cfg && cfg->quiet_from >= 0 ? cfg->quiet_from : 0,
                        cfg && cfg->quiet_from >= 0 ? cfg->quiet_to : 0};
  if (s->exempt) {
    /* payouts: money owed leaves whatever the hour */
  } else if (s->member && cfg && cfg->member_per_day > 0 &&
             qun_store_out_member_day(r->st, s->member, m.day) >= cfg->member_per_day) {
    m.state = QUN_OUT_DROPPED, m.reason = "member_cap";
  } else if (qun_quiet_inside(&q, qun_run__floor_s(now))) {
    if (cfg->quiet_drop) {
      m.state = QUN_OUT_DROPPED, m.reason = "quiet_hours";
    } else {
      m.state = QUN_OUT_DEFERRED, m.reason = "quiet_hours";
      m.next_try = qun_quiet_open_at(&q, qun_run__floor_s(now)) * 1000;
    }
  }
  check_size(r, channel, s->msg);
  int created;
  if (qun_store_out_add(r->st, &m, now, &created) < 0) {
    snprintf(err, errlen, "cannot queue the message: %s", qun_store_errmsg(r->st));
    return -1;
  }
  if (created)
    r->queued = 1;
  if (created && m.state != QUN_OUT_QUEUED) {
    policy_line(r, m.state == QUN_OUT_DROPPED ? "dropped" : "deferred", s->target, m.reason,
                m.state == QUN_OUT_DEFERRED ? m.next_try : -1);
    policy_warning(r, &m, &q);
  }
  return 0;
}

/* ---- the worker ---- */

static int64_t w_now(void *ud) {
  return qun_run_now(ud);
}

static void w_emit(void *ud, const char *ev, json_t *fields) {
  qun_run_emit(ud, ev, fields);
}

static void w_emit_line(void *ud, const char *line) {
  qun_run_emit_line(ud, line);
}

static void w_record(void *ud, const char *channel, const char *type, const struct qun_chan_req *req,
                     int64_t at) {
  struct qun_run *r = ud;
  if (r->o.record)
    r->o.record(r->o.owner, channel, type, req, at);
}

static void w_sent(void *ud, const char *target, const char *member, json_t *msg, int64_t at) {
  struct qun_run *r = ud;
  if (r->o.sent)
    r->o.sent(r->o.owner, target, member, msg, at);
}

/* One wake in the scheduler for the earliest waiting message. */
static void rearm(struct qun_run *r) {
  int64_t next = qun_worker_next(r->worker), now = qun_run_now(r);
  if (next >= 0 && next < now)
    next = now;
  if (next == r->wake_due)
    return; /* already set (or none either way) */
  qun_sched_cancel(r->sched, QUN_RUN_OUTBOX_WAKE);
  r->wake_due = next;
  if (next >= 0)
    qun_sched_add(r->sched, next, QUN_RUN_OUTBOX_WAKE);
}

static void w_committed(void *ud) {
  struct qun_run *r = ud;
  qun_run__flush(r);
  if (!r->dead)
    rearm(r);
}

int qun_run__worker_open(struct qun_run *r) {
  if (r->worker)
    return 0;
  struct qun_worker_opts o = {.store = r->st, .run_id = r->run_id, .cfg = r->o.cfg, .loop = r->o.loop,
                              .echo = r->o.echo_bare ? NULL : r->o.echo, .record = w_record, .sent = w_sent,
                              .now = w_now, .emit = w_emit, .emit_line = w_emit_line, .committed = w_committed, .ud = r};
  return (r->worker = qun_worker_new(&o)) ? 0 : -1;
}

void qun_run__deliver(struct qun_run *r) {
  if (r->delivering || r->dead || r->run_id <= 0 || qun_run__worker_open(r) < 0)
    return;
  r->delivering = 1;
  if (r->queued || !r->loaded) { /* only this run writes its outbox: nothing new, nothing to read */
    r->queued = 0, r->loaded = 1;
    qun_worker_load(r->worker);
  }
  int64_t next = qun_worker_next(r->worker);
  if (next >= 0 && next <= qun_run_now(r))
    qun_worker_run(r->worker);
  qun_run__flush(r);
  rearm(r);
  r->delivering = 0;
}

void qun_run_drain(struct qun_run *r, void (*done)(void *ud), void *ud) {
  qun_sched_stop(r->sched);
  if (r->worker)
    qun_worker_drain(r->worker, done, ud);
  else
    done(ud);
}

int qun_run_inflight(const struct qun_run *r) {
  return r->worker ? qun_worker_inflight(r->worker) : 0;
}
