/* run_redpacket.c — red packets in a run: creation (idempotent across
 * restarts), claims (from a handler, an event or the HTTP endpoint), the
 * payout each claim queues, and the refund at expiry (a host job). The
 * arithmetic is core/redpacket's; the rows are store_redpacket's; this
 * file decides, in the caller's transaction, and writes the transcript. */
#include "host/run_int.h"
#include "host/config.h"
#include "core/err.h"
#include "core/redpacket.h"
#include "core/timespec.h"
#include "core/tz.h"
#include "store/store.h"

#include <jansson.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPIRES_MAX_S (30 * 86400) /* platforms refund after 24 h; a month is plenty */
#define NOTE_MAX 300               /* bytes: about 100 Chinese characters */
#define GROUP_MAX 128
#define ID_LEN 12                  /* [0-9A-Za-z]: about 71 bits */

static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static struct qun_rp_limits limits_of(const struct qun_run *r) {
  const struct qun_config *cfg = r->o.cfg;
  /* Without a config the defaults of one: 200.00 元 and 100 shares. */
  struct qun_rp_limits l = {cfg ? cfg->rp_max_total : 20000, cfg ? cfg->rp_max_count : 100};
  return l;
}

int qun_run_rp_check(struct qun_run *r, const struct qun_rp_spec *s, char *err, size_t errlen) {
  struct qun_rp_limits lim = limits_of(r);
  int rc = qun_rp_check_message(s->total, s->count, &lim, err, errlen);
  if (rc < 0)
    return rc;
  if (s->expires_s < 1 || s->expires_s > EXPIRES_MAX_S) {
    char d[32];
    qun_duration_format(s->expires_s, d, sizeof d);
    snprintf(err, errlen, "expires is from 1s to 30d (WeChat refunds after 24h); %s was given", d);
    return QUN_ERANGE;
  }
  if (s->note && strlen(s->note) > NOTE_MAX) {
    snprintf(err, errlen, "the note is %zu bytes, over the limit of %d (about 100 characters)",
             strlen(s->note), NOTE_MAX);
    return QUN_ELIMIT;
  }
  if (s->group && (!*s->group || strlen(s->group) > GROUP_MAX)) {
    snprintf(err, errlen, "group is a group id of 1 to %d characters", GROUP_MAX);
    return QUN_ERANGE;
  }
  return 0;
}

static void line(struct qun_run *r, const char *op, const char *packet, const char *member, json_t *fen,
                 json_t *extra) {
  json_t *f = json_object();
  json_object_set_new(f, "op", json_string(op));
  json_object_set_new(f, "packet", json_string(packet));
  json_object_set_new(f, "member", member ? json_string(member) : json_null());
  json_object_set_new(f, "fen", fen ? fen : json_null());
  if (extra)
    json_object_update(f, extra);
  json_decref(extra);
  qun_run_emit(r, "redpacket", f);
}

/* A fresh id from the run's generator: 12 of [0-9A-Za-z]. */
static int new_id(struct qun_run *r, char id[ID_LEN + 1]) {
  for (int i = 0; i < ID_LEN; i++)
    id[i] = alphabet[qun_rng_uniform(&r->rng, 0, (int64_t)sizeof alphabet - 2)];
  id[ID_LEN] = '\0';
  return qun_rng_error(&r->rng);
}

int qun_run_rp_new(struct qun_run *r, const struct qun_rp_spec *s, struct qun_store_packet *out,
                   int *created, char *err, size_t errlen) {
  *created = 0;
  if (qun_run_rp_check(r, s, err, errlen) < 0)
    return -1;
  if (qun_run__ensure(r) < 0) {
    snprintf(err, errlen, "cannot record the run: %s", qun_store_errmsg(r->st));
    return -1;
  }
  /* Keyed like a one-off job: the top level runs again at every start and
   * finds the packet it created the first time. */
  char occ[200], key[256];
  qun_run__occurrence(r, occ, sizeof occ);
  snprintf(key, sizeof key, "%s#rp%d", occ, ++r->packets);
  int rc = qun_store_packet_find(r->st, r->run_id, key, out);
  if (rc == 0)
    return 0;
  if (rc != QUN_ENOENT) {
    snprintf(err, errlen, "cannot read the red packets: %s", qun_store_errmsg(r->st));
    return -1;
  }
  int64_t now = qun_run_now(r);
  memset(out, 0, sizeof *out);
  out->run_id = r->run_id, out->total = s->total, out->count = s->count;
  out->created_at = now, out->expires_at = now + s->expires_s * 1000;
  out->refund = -1;
  snprintf(out->split, sizeof out->split, "%s", qun_rp_split_name(s->split));
  snprintf(out->grp, sizeof out->grp, "%s", s->group ? s->group : "");
  snprintf(out->note, sizeof out->note, "%s", s->note ? s->note : "");
  for (int attempt = 0;; attempt++) {
    if (new_id(r, out->id) < 0) {
      snprintf(err, errlen, "cannot draw the packet's id: the kernel's random generator failed");
      return -1;
    }
    if ((rc = qun_store_packet_add(r->st, out, key)) != QUN_EEXIST || attempt == 3)
      break;
  }
  if (rc < 0) {
    snprintf(err, errlen, "cannot store the red packet: %s", qun_store_errmsg(r->st));
    return -1;
  }
  /* The refund at expiry is a durable job of the host's. */
  char jkey[64], args[64];
  snprintf(jkey, sizeof jkey, "qun.refund/%s", out->id);
  snprintf(args, sizeof args, "{\"packet\":\"%s\"}", out->id);
  if (qun_run__job_add_key(r, jkey, "qun.refund", args, out->expires_at, err, errlen) < 0)
    return -1;
  json_t *extra = json_object();
  json_object_set_new(extra, "count", json_integer(out->count));
  json_object_set_new(extra, "split", json_string(out->split));
  json_object_set_new(extra, "group", s->group ? json_string(s->group) : json_null());
  json_object_set_new(extra, "expires", qun_run__time(out->expires_at));
  line(r, "new", out->id, NULL, json_integer(out->total), extra);
  *created = 1;
  return 0;
}

int qun_run_rp_get(struct qun_run *r, const char *id, struct qun_store_packet *out) {
  int rc = qun_store_packet_get(r->st, id, out);
  return rc == 0 && out->run_id != r->run_id ? QUN_ENOENT : rc;
}

const char *qun_run_rp_refusal(int rc) {
  switch (rc) {
  case QUN_ENOENT:
    return "no such red packet";
  case QUN_EEXIST:
    return "already claimed";
  case QUN_ESTATE:
    return "expired";
  case QUN_ELIMIT:
    return "no shares left";
  default:
    return "cannot claim";
  }
}

/* The payout of one claim: money owed goes out through the payout channel
 * whatever the hour, keyed by the bill number, so that a retry (after a
 * crash, a timeout) carries the same key and the same amount. */
static int queue_payout(struct qun_run *r, const char *packet, const char *member,
                        const struct qun_rp_claim *c, char *err, size_t errlen) {
  const struct qun_config *cfg = r->o.cfg;
  if (!cfg || !cfg->payout_channel) {
    if (!r->payout_warned) {
      r->payout_warned = 1;
      const char *msg = "red packets: no payout_channel in the team config: claims are recorded, "
                        "no payouts are sent";
      qun_run__warn_line(r, 0, "%s", msg);
      if (r->o.echo && !r->o.echo_bare) {
        fprintf(r->o.echo, "qun: %s\n", msg);
        fflush(r->o.echo);
      }
    }
    return 0;
  }
  json_t *m = json_pack("{s:{s:s, s:I, s:s, s:I, s:s}}", "payout", "packet", packet, "claim",
                        (json_int_t)c->seq, "member", member, "fen", (json_int_t)c->fen, "billno",
                        c->billno);
  char *text = m ? json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(m);
  if (!text) {
    snprintf(err, errlen, "out of memory");
    return QUN_ENOMEM;
  }
  char target[64];
  snprintf(target, sizeof target, "payout:%s", packet);
  struct qun_send s = {.target = target, .member = member, .msg = text, .key = c->billno, .exempt = 1};
  int rc = qun_run_send(r, &s, err, errlen);
  free(text);
  return rc < 0 ? QUN_EIO : 0;
}

/* `redpacket.claimed` for the `on` handlers (and m:count), in the claim's
 * transaction. */
static int claimed_event(struct qun_run *r, const char *packet, const char *member,
                         const struct qun_rp_claim *c, char *err, size_t errlen) {
  json_t *d = json_pack("{s:s, s:I, s:I, s:s}", "packet", packet, "fen", (json_int_t)c->fen, "seq",
                        (json_int_t)c->seq, "amount", c->amount);
  char *text = d ? json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(d);
  if (!text) {
    snprintf(err, errlen, "out of memory");
    return QUN_ENOMEM;
  }
  int64_t now = qun_run_now(r);
  int64_t id = qun_store_event_add(r->st, "redpacket.claimed", member, c->group[0] ? c->group : NULL,
                                   now, text, now);
  free(text);
  if (id < 0) {
    snprintf(err, errlen, "cannot record the claim's event: %s", qun_store_errmsg(r->st));
    return QUN_EIO;
  }
  return 0;
}

int qun_run_rp_claim(struct qun_run *r, const char *packet, const char *member,
                     struct qun_rp_claim *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  struct qun_store_packet p;
  int rc = qun_run__ensure(r) < 0 ? QUN_EIO : qun_run_rp_get(r, packet, &p);
  if (rc == QUN_ENOENT) {
    snprintf(err, errlen, "no red packet '%.40s' in this run", packet);
    return rc;
  }
  if (rc < 0) {
    snprintf(err, errlen, "cannot read the red packet: %s", qun_store_errmsg(r->st));
    return QUN_EIO;
  }
  snprintf(out->group, sizeof out->group, "%s", p.grp);
  /* One claim per member: the earlier one is the answer. */
  rc = qun_store_claim_get(r->st, packet, member, &out->seq, &out->fen, out->billno);
  if (rc == 0) {
    qun_money_format(out->fen, out->amount, sizeof out->amount);
    snprintf(err, errlen, "already claimed");
    return QUN_EEXIST;
  }
  if (rc != QUN_ENOENT) {
    snprintf(err, errlen, "cannot read the claims: %s", qun_store_errmsg(r->st));
    return QUN_EIO;
  }
  if (p.refund >= 0 || qun_run_now(r) >= p.expires_at) {
    snprintf(err, errlen, "expired");
    return QUN_ESTATE;
  }
  if (p.claimed_count >= p.count) {
    snprintf(err, errlen, "no shares left");
    return QUN_ELIMIT;
  }
  /* The share is decided now, from what the ledger says is left. */
  enum qun_rp_split split;
  if (qun_rp_split_parse(p.split, &split) < 0) {
    snprintf(err, errlen, "red packet %s has an unknown split '%s'", packet, p.split);
    return QUN_EIO;
  }
  int64_t fen = qun_rp_next_share(split, p.total - p.claimed_fen, p.count - p.claimed_count, &r->rng);
  if (fen < 1) {
    snprintf(err, errlen, "cannot draw the share of red packet %s: %s", packet,
             fen == QUN_EIO ? "the kernel's random generator failed" : "its ledger is impossible");
    return QUN_EIO;
  }
  out->fen = fen;
  out->seq = p.claimed_count + 1;
  /* WeChat Pay's mch_billno: ≤ 28 of [0-9a-zA-Z], re-entrant. */
  snprintf(out->billno, sizeof out->billno, "%s%05lld", packet, (long long)out->seq);
  qun_money_format(fen, out->amount, sizeof out->amount);
  if (qun_store_claim_add(r->st, packet, member, out->seq, fen, out->billno, qun_run_now(r)) < 0) {
    snprintf(err, errlen, "cannot record the claim: %s", qun_store_errmsg(r->st));
    return QUN_EIO;
  }
  json_t *extra = json_pack("{s:I}", "seq", (json_int_t)out->seq);
  line(r, "claim", packet, member, json_integer(fen), extra);
  if ((rc = queue_payout(r, packet, member, out, err, errlen)) < 0 ||
      (rc = claimed_event(r, packet, member, out, err, errlen)) < 0)
    return QUN_EIO;
  return 0;
}

int qun_run_rp_claim_tx(struct qun_run *r, const char *packet, const char *member,
                        struct qun_rp_claim *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (r->dead) {
    snprintf(err, errlen, "the playbook was stopped (memory cap): restart it");
    return QUN_EIO;
  }
  if (qun_store_in_tx(r->st) || qun_store_begin(r->st) < 0) {
    snprintf(err, errlen, "the store is busy: %s", qun_store_errmsg(r->st));
    return QUN_EIO;
  }
  r->job = "redpacket.claim", r->due_ms = qun_run_now(r), r->event_id = 0;
  r->seq = r->sends = r->packets = 0, r->nfx = 0;
  int rc = qun_run_rp_claim(r, packet, member, out, err, errlen);
  if (rc == 0 && qun_store_commit(r->st) == 0) {
    qun_run__apply_effects(r); /* the payout leaves now */
  } else {
    if (rc == 0) {
      snprintf(err, errlen, "cannot commit the claim: %s", qun_store_errmsg(r->st));
      rc = QUN_EIO;
    }
    qun_store_rollback(r->st);
    r->nfx = 0;
  }
  r->job = NULL;
  qun_run__flush(r);
  return rc;
}

/* ---- claims by event ---- */

static int refusal(int rc) {
  return rc == QUN_ENOENT || rc == QUN_EEXIST || rc == QUN_ESTATE || rc == QUN_ELIMIT;
}

void qun_run__claim_event(struct qun_run *r, int64_t id, int64_t at, const char *member, const char *data) {
  char packet[64] = "";
  json_t *d = data ? json_loads(data, 0, NULL) : NULL;
  const char *v = json_string_value(json_object_get(d, "packet"));
  if (v && strlen(v) < sizeof packet)
    snprintf(packet, sizeof packet, "%s", v);
  json_decref(d);
  if (!*packet || !member) {
    json_t *extra = json_pack("{s:s}", "reason", "the event needs member and data {\"packet\": ID}");
    line(r, "refused", *packet ? packet : "", member, NULL, extra);
    return;
  }
  /* Another run's packet (playbooks share a database) is its business. */
  struct qun_store_packet p;
  if (qun_store_packet_get(r->st, packet, &p) == 0 && p.run_id != r->run_id)
    return;
  if (qun_store_savepoint(r->st) < 0)
    return;
  size_t mark = r->nfx;
  r->job = "on redpacket.claim", r->due_ms = at, r->event_id = id;
  r->seq = r->sends = r->packets = 0;
  struct qun_rp_claim c;
  char err[400];
  int rc = qun_run_rp_claim(r, packet, member, &c, err, sizeof err);
  if (rc == 0) {
    qun_store_release(r->st);
  } else {
    qun_store_rollback_to(r->st);
    r->nfx = mark;
    if (refusal(rc)) {
      json_t *extra = json_pack("{s:s}", "reason", qun_run_rp_refusal(rc));
      line(r, "refused", packet, member, rc == QUN_EEXIST ? json_integer(c.fen) : NULL, extra);
    } else {
      json_t *f = json_pack("{s:s, s:s}", "job", r->job, "message", err);
      qun_run_emit(r, "error", f);
      qun_store_log_add(r->st, r->run_id, qun_run_now(r), r->job, "error", err);
      if (r->o.echo) {
        fprintf(r->o.echo, "error in %s: %s\n", r->job, err);
        fflush(r->o.echo);
      }
    }
  }
  r->job = NULL, r->event_id = 0;
}

/* ---- the refund at expiry: host job "qun.refund" ---- */

static int refund(struct qun_run *r, const char *id, char *err, size_t errlen) {
  struct qun_store_packet p;
  int rc = qun_run_rp_get(r, id, &p);
  if (rc < 0) {
    snprintf(err, errlen, "qun.refund: no red packet '%s' in this run", id);
    return -1;
  }
  if (p.refund >= 0)
    return 0; /* closed already */
  int64_t want;
  if (qun_rp_refund(p.total, p.count, p.claimed_fen, p.claimed_count, &want) < 0) {
    snprintf(err, errlen, "qun.refund: the ledger of red packet %s is impossible (%lld fen in %lld "
             "claims of %lld fen in %lld shares)", id, (long long)p.claimed_fen,
             (long long)p.claimed_count, (long long)p.total, (long long)p.count);
    return -1;
  }
  int64_t fen = qun_store_packet_refund(r->st, id, qun_run_now(r));
  if (fen < 0 || fen != want) {
    snprintf(err, errlen, "qun.refund: cannot refund red packet %s: %s", id, qun_store_errmsg(r->st));
    return -1;
  }
  line(r, "refund", id, NULL, json_integer(fen), NULL);
  return 0;
}

/* (args_json) → the refund; raises only once nothing is held. */
static int host_refund(lua_State *L) {
  struct qun_run *r = qun_run_of(L);
  size_t len;
  const char *args = luaL_checklstring(L, 1, &len);
  char id[64] = "", err[300];
  json_t *j = json_loadb(args, len, 0, NULL);
  const char *v = json_string_value(json_object_get(j, "packet"));
  if (v && strlen(v) < sizeof id)
    snprintf(id, sizeof id, "%s", v);
  json_decref(j);
  if (!*id)
    return luaL_error(L, "qun.refund: no packet in the job's args");
  if (refund(r, id, err, sizeof err) < 0) {
    lua_pushstring(L, err);
    return lua_error(L);
  }
  return 0;
}

int qun_run__push_host_job(lua_State *L, const char *handler) {
  if (strcmp(handler, "qun.refund") != 0)
    return 0;
  lua_pushcfunction(L, host_refund);
  return 1;
}
