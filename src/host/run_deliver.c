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
                      .job = r->job ? r->job : "load", .due = now,
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
  int created;
  if (qun_store_out_add(r->st, &m, now, &created) < 0) {
    snprintf(err, errlen, "cannot queue the message: %s", qun_store_errmsg(r->st));
    return -1;
  }
  if (created && m.state != QUN_OUT_QUEUED)
    policy_line(r, m.state == QUN_OUT_DROPPED ? "dropped" : "deferred", s->target, m.reason,
                m.state == QUN_OUT_DEFERRED ? m.next_try : -1);
  return 0;
}

/* ---- the worker ---- */

static int64_t w_now(void *ud) {
  return qun_run_now(ud);
}

static void w_emit(void *ud, const char *ev, json_t *fields) {
  qun_run_emit(ud, ev, fields);
}

static void w_record(void *ud, const char *channel, const char *type, const struct qun_chan_req *req,
                     int64_t at) {
  struct qun_run *r = ud;
  if (r->o.record)
    r->o.record(r->o.record_ud, channel, type, req, at);
}

/* One wake in the scheduler for the earliest waiting message. */
static void rearm(struct qun_run *r) {
  qun_sched_cancel(r->sched, QUN_RUN_OUTBOX_WAKE);
  int64_t next = qun_worker_next(r->worker);
  if (next >= 0)
    qun_sched_add(r->sched, next > qun_run_now(r) ? next : qun_run_now(r), QUN_RUN_OUTBOX_WAKE);
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
                              .echo = r->o.echo_bare ? NULL : r->o.echo, .record = w_record,
                              .now = w_now, .emit = w_emit, .committed = w_committed, .ud = r};
  return (r->worker = qun_worker_new(&o)) ? 0 : -1;
}

void qun_run__deliver(struct qun_run *r) {
  if (r->delivering || r->dead || r->run_id <= 0 || qun_run__worker_open(r) < 0)
    return;
  r->delivering = 1;
  qun_worker_load(r->worker);
  qun_worker_run(r->worker);
  qun_run__flush(r);
  rearm(r);
  r->delivering = 0;
}
