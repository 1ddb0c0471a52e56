/* run_deliver.c — the outbox side of a run: send() queues a message in the
 * handler's transaction after the host's policies (quiet hours defer it,
 * a member's daily cap drops it); after each commit, what is due is
 * handed to its channel and marked sent in a transaction of its own, with
 * a `send` transcript line. One timer (a heap entry) wakes the outbox for
 * deferred messages. Channels over HTTP come with the delivery worker;
 * this build delivers to the console channel. */
#include "host/run_int.h"
#include "host/config.h"
#include "core/policy.h"
#include "core/transcript.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *group_channel(const struct qun_config *cfg, const char *gid, char *err, size_t errlen) {
  if (!cfg || !cfg->ngroups)
    return "console"; /* no groups configured: a rehearsal on the console */
  for (size_t i = 0; i < cfg->ngroups; i++)
    if (strcmp(cfg->groups[i].id, gid) == 0)
      return cfg->groups[i].channel;
  snprintf(err, errlen, "no group '%s' in the team config", gid);
  return NULL;
}

static const char *channel_type(const struct qun_config *cfg, const char *name) {
  for (size_t i = 0; cfg && i < cfg->nchannels; i++)
    if (strcmp(cfg->channels[i].name, name) == 0)
      return cfg->channels[i].type;
  return strcmp(name, "console") == 0 ? "console" : NULL;
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

int qun_run_send(struct qun_run *r, const char *target, const char *member, const char *msg,
                 char *err, size_t errlen) {
  const struct qun_config *cfg = r->o.cfg;
  const char *channel;
  if (strncmp(target, "group:", 6) == 0)
    channel = group_channel(cfg, target + 6, err, errlen);
  else
    channel = cfg && cfg->members_channel ? cfg->members_channel : "console";
  if (!channel)
    return -1;
  if (qun_run__ensure(r) < 0) {
    snprintf(err, errlen, "cannot record the run: %s", qun_store_errmsg(r->st));
    return -1;
  }
  int64_t now = qun_run_now(r);
  char key[512];
  snprintf(key, sizeof key, "%lld/%s@%lld#%d/%s", (long long)r->run_id, r->job ? r->job : "load",
           (long long)(r->job ? r->due_ms : 0), ++r->sends, target);
  struct qun_out m = {.run_id = r->run_id, .key = key, .channel = channel, .target = target,
                      .member = member, .msg = msg, .job = r->job ? r->job : "load", .due = now,
                      .day = qun_local_day(qun_run__floor_s(now)), .state = QUN_OUT_QUEUED,
                      .next_try = now};
  struct qun_quiet q = {cfg && cfg->quiet_from >= 0 ? cfg->quiet_from : 0,
                        cfg && cfg->quiet_from >= 0 ? cfg->quiet_to : 0};
  if (member && cfg && cfg->member_per_day > 0 &&
      qun_store_out_member_day(r->st, member, m.day) >= cfg->member_per_day) {
    m.state = QUN_OUT_DROPPED, m.reason = "member_cap";
  } else if (qun_quiet_inside(&q, qun_run__floor_s(now))) {
    m.state = QUN_OUT_DEFERRED, m.reason = "quiet_hours";
    m.next_try = qun_quiet_open_at(&q, qun_run__floor_s(now)) * 1000;
  }
  int created;
  if (qun_store_out_add(r->st, &m, now, &created) < 0) {
    snprintf(err, errlen, "cannot queue the message: %s", qun_store_errmsg(r->st));
    return -1;
  }
  if (created && m.state != QUN_OUT_QUEUED)
    policy_line(r, m.state == QUN_OUT_DROPPED ? "dropped" : "deferred", target, m.reason,
                m.state == QUN_OUT_DEFERRED ? m.next_try : -1);
  return 0;
}

/* ---- delivery ---- */

struct pending {
  int64_t id, due;
  char *channel, *target, *msg, *job;
};

struct batch {
  struct pending p[64];
  int n;
};

static int take(void *ud, const struct qun_out *m) {
  struct batch *b = ud;
  struct pending *p = &b->p[b->n++];
  p->id = m->id, p->due = m->due;
  p->channel = strdup(m->channel), p->target = strdup(m->target);
  p->msg = strdup(m->msg), p->job = strdup(m->job ? m->job : "");
  return b->n == 64;
}

/* The console channel: one line per message on the run's echo stream. */
static int console_send(struct qun_run *r, const struct pending *p, json_t *msg) {
  if (r->o.echo && !r->o.echo_bare) {
    const char *text = json_string_value(json_object_get(msg, "text"));
    if (!text)
      text = json_string_value(json_object_get(msg, "markdown"));
    fprintf(r->o.echo, "→ %s: %s\n", p->target, text ? text : p->msg);
    fflush(r->o.echo);
  }
  return 0;
}

static void deliver_one(struct qun_run *r, const struct pending *p, int64_t now) {
  json_t *msg = json_loads(p->msg, 0, NULL);
  const char *type = channel_type(r->o.cfg, p->channel);
  int state = QUN_OUT_SENT;
  char reason[160] = "";
  if (!type)
    state = QUN_OUT_DEAD, snprintf(reason, sizeof reason, "no channel '%s'", p->channel);
  else if (strcmp(type, "console") == 0)
    console_send(r, p, msg);
  else
    state = QUN_OUT_DEAD,
    snprintf(reason, sizeof reason, "the %s channel is not in this build yet", type);
  if (qun_store_begin(r->st) < 0) {
    json_decref(msg);
    return;
  }
  qun_store_out_set(r->st, p->id, state, now, *reason ? reason : NULL);
  json_t *f = json_object();
  if (state == QUN_OUT_SENT) {
    json_object_set_new(f, "channel", json_string(p->channel));
    json_object_set_new(f, "to", json_string(p->target));
    json_object_set_new(f, "msg", msg ? msg : json_object());
    msg = NULL;
    json_object_set_new(f, "job", json_string(p->job));
    json_object_set_new(f, "due", qun_run__time(p->due));
    json_object_set_new(f, "late_ms", json_integer(now - p->due));
    qun_run_emit(r, "send", f);
  } else {
    json_object_set_new(f, "to", json_string(p->target));
    json_object_set_new(f, "reason", json_string(reason));
    json_object_set_new(f, "job", json_string(p->job));
    qun_run_emit(r, "dropped", f);
  }
  json_decref(msg);
  if (qun_store_commit(r->st) < 0)
    qun_store_rollback(r->st);
}

void qun_run__deliver(struct qun_run *r) {
  if (r->delivering || r->dead || r->run_id <= 0)
    return;
  r->delivering = 1;
  int64_t now = qun_run_now(r);
  struct batch b;
  do {
    b.n = 0;
    qun_store_out_due(r->st, r->run_id, now, 64, take, &b);
    for (int i = 0; i < b.n; i++) {
      deliver_one(r, &b.p[i], now);
      free(b.p[i].channel), free(b.p[i].target), free(b.p[i].msg), free(b.p[i].job);
    }
  } while (b.n == 64);
  qun_run__flush(r);
  /* One wake for the earliest waiting (deferred) message. */
  qun_sched_cancel(r->sched, QUN_RUN_OUTBOX_WAKE);
  int64_t next = qun_store_out_next(r->st, r->run_id);
  if (next > now)
    qun_sched_add(r->sched, next, QUN_RUN_OUTBOX_WAKE);
  r->delivering = 0;
}
