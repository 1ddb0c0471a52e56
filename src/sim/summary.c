/* summary.c — see summary.h. One pass over the transcript lines into
 * counters and small maps (summary_finish.c turns them into summary.json);
 * the report's timeline is gathered alongside (timeline.h). */
#include "sim/summary_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct qun_summary *qun_summary_new(void) {
  struct qun_summary *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  struct qun_smap *maps[] = {QUN_SUMMARY_MAPS(s)};
  for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
    qun_smap_init(maps[i]);
  s->tl = qun_timeline_new();
  s->failed = json_array();
  s->first_errors = json_array();
  s->problems = json_array();
  s->share_min = -1;
  if (!s->tl || !s->failed || !s->first_errors || !s->problems) {
    qun_summary_free(s);
    return NULL;
  }
  return s;
}

void qun_summary_free(struct qun_summary *s) {
  if (!s)
    return;
  struct qun_smap *maps[] = {QUN_SUMMARY_MAPS(s)};
  for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
    qun_smap_free(maps[i]);
  qun_timeline_free(s->tl);
  free(s->late.v);
  free(s->late.n);
  free(s->pk);
  json_decref(s->failed);
  json_decref(s->first_errors);
  json_decref(s->problems);
  free(s);
}

/* ---- lateness: an exact histogram, one slot per distinct value ---- */

static int late_grow(struct qun_late *h) {
  size_t cap = h->cap ? h->cap * 2 : 256;
  int64_t *v = calloc(cap, sizeof *v);
  int64_t *n = calloc(cap, sizeof *n);
  if (!v || !n) {
    free(v);
    free(n);
    return -1;
  }
  for (size_t i = 0; i < h->cap; i++) {
    if (!h->n[i])
      continue;
    size_t j = ((uint64_t)h->v[i] * 0x9e3779b97f4a7c15ull) >> 7 & (cap - 1);
    while (n[j])
      j = (j + 1) & (cap - 1);
    v[j] = h->v[i];
    n[j] = h->n[i];
  }
  free(h->v);
  free(h->n);
  h->v = v;
  h->n = n;
  h->cap = cap;
  return 0;
}

static void late_add(struct qun_late *h, int64_t ms) {
  if ((h->used + 1) * 2 > h->cap && late_grow(h) < 0)
    return;
  size_t j = ((uint64_t)ms * 0x9e3779b97f4a7c15ull) >> 7 & (h->cap - 1);
  while (h->n[j] && h->v[j] != ms)
    j = (j + 1) & (h->cap - 1);
  if (!h->n[j]) {
    h->v[j] = ms;
    h->used++;
  }
  h->n[j]++;
  h->total++;
  if (h->total == 1 || ms > h->max)
    h->max = ms;
  if (ms > 0)
    h->late++;
}

/* ---- helpers ---- */

static const char *str(const json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

/* A string or null (or absent): 0 with *out set (NULL for null), -1 otherwise. */
static int opt_str(const json_t *o, const char *k, const char **out) {
  json_t *v = json_object_get(o, k);
  if (!v || json_is_null(v)) {
    *out = NULL;
    return 0;
  }
  *out = json_string_value(v);
  return *out ? 0 : -1;
}

static int starts(const char *s, const char *prefix) {
  return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static int is_countdown(const char *job) {
  return starts(job, "countdown");
}

/* A countdown occurrence (job, due) seen for the first time in lane group? */
static int first_occurrence(struct qun_summary *s, const char *job, const char *due,
                            const char *group) {
  char key[512];
  snprintf(key, sizeof key, "%s\x1f%s", job, due ? due : "");
  int created = 0;
  if (qun_smap_add(&s->occurrences, key, &created) >= 0 && created)
    s->countdown_marks++;
  snprintf(key, sizeof key, "%s\x1f%s\x1f%s", job, due ? due : "", group ? group : "");
  qun_smap_add(&s->occurrence_lanes, key, &created);
  return created;
}

static const char *msg_kind(const json_t *msg) {
  static const char *const kinds[] = {"text", "markdown", "image", "link", "news", "redpacket", "payout"};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (json_object_get(msg, kinds[i]))
      return kinds[i];
  return "other";
}

/* A short line for the timeline: the text, or what kind of card it is. */
static void msg_label(const json_t *msg, char *buf, size_t n) {
  const char *kind = msg_kind(msg);
  json_t *v = json_object_get(msg, kind);
  char text[96];
  if (json_is_string(v)) {
    qun_timeline_label(buf, n, json_string_value(v), 60);
    return;
  }
  if (strcmp(kind, "image") == 0) {
    const char *p = str(v, "path") ? str(v, "path") : str(v, "url");
    const char *base = p && strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
    qun_timeline_label(text, sizeof text, base, 48);
    snprintf(buf, n, "[image] %s", text);
  } else if (strcmp(kind, "link") == 0) {
    qun_timeline_label(text, sizeof text, str(v, "title"), 52);
    snprintf(buf, n, "[link] %s", text);
  } else if (strcmp(kind, "news") == 0) {
    qun_timeline_label(text, sizeof text, str(json_array_get(v, 0), "title"), 52);
    snprintf(buf, n, "[news] %s", text);
  } else if (strcmp(kind, "redpacket") == 0) {
    json_t *c = json_object_get(v, "count");
    snprintf(buf, n, "红包 %.20s 元 × %lld", str(v, "total") ? str(v, "total") : "?",
             (long long)json_integer_value(c));
  } else {
    snprintf(buf, n, "[%s]", kind);
  }
}

static void keep_first(json_t *list, json_t *item) {
  if (json_array_size(list) < QUN_SUMMARY_FIRST)
    json_array_append_new(list, item);
  else
    json_decref(item);
}

/* ---- one handler per line kind; -1 = the line is bad ---- */

static int on_send(struct qun_summary *s, const json_t *l, const struct qun_stamp *t) {
  const char *channel = str(l, "channel"), *to = str(l, "to"), *job = str(l, "job");
  const char *due = str(l, "due");
  json_t *msg = json_object_get(l, "msg"), *late = json_object_get(l, "late_ms");
  if (!channel || !to || !json_is_object(msg) || (late && !json_is_integer(late)))
    return -1;
  s->sends++;
  qun_smap_inc(&s->send_channel, channel, 1);
  qun_smap_inc(&s->send_day, t->day, 1);
  char key[300];
  snprintf(key, sizeof key, "%s\x1f%s", channel, t->day);
  qun_smap_inc(&s->send_channel_day, key, 1);
  qun_smap_inc(&s->send_kind, msg_kind(msg), 1);
  if (json_object_get(msg, "mention"))
    s->mentions++;
  if (late)
    late_add(&s->late, json_integer_value(late));
  int cd = is_countdown(job);
  if (cd)
    s->countdown_sends++;
  char label[128];
  if (starts(to, "group:")) {
    const char *group = to + 6;
    s->to_group++;
    qun_smap_add(&s->groups_sent, group, NULL);
    msg_label(msg, label, sizeof label);
    json_t *rp = json_object_get(msg, "redpacket");
    if (cd) {
      if (first_occurrence(s, job, due, group)) {
        char l2[200];
        snprintf(l2, sizeof l2, "%.60s: %s", job, label);
        qun_timeline_mark(s->tl, t->ms, t->off, "countdown", group, channel, to, l2);
      }
    } else if (rp) {
      const char *id = str(rp, "id");
      long p = id ? qun_smap_find(&s->packets, id) : -1;
      if (p >= 0)
        s->pk[p].shown = 1;
      else if (id)
        qun_smap_inc(&s->packets_shown_early, id, 1);
      qun_timeline_mark(s->tl, t->ms, t->off, "redpacket", group, channel, to, label);
    } else {
      qun_timeline_mark(s->tl, t->ms, t->off, "send", group, channel, to, label);
    }
  } else if (starts(to, "member:")) {
    const char *member = to + 7;
    s->to_member++;
    qun_smap_add(&s->members_sent, member, NULL);
    long g = qun_smap_find(&s->member_group, member);
    const char *group = g >= 0 ? qun_smap_key(&s->groups_seen, (long)*qun_smap_val(&s->member_group, g)) : NULL;
    qun_timeline_count(s->tl, t->ms, t->off, "send", group);
    if (cd && first_occurrence(s, job, due, NULL)) {
      msg_label(msg, label, sizeof label);
      char l2[200];
      snprintf(l2, sizeof l2, "%.60s: %s", job, label);
      qun_timeline_mark(s->tl, t->ms, t->off, "countdown", NULL, channel, NULL, l2);
    }
  } else {
    s->to_other++;
  }
  return 0;
}

static int on_policy(struct qun_summary *s, const json_t *l, const struct qun_stamp *t, int dropped) {
  const char *to = str(l, "to"), *reason = str(l, "reason");
  if (!to || !reason)
    return -1;
  if (!dropped) {
    s->deferred++;
    qun_smap_inc(&s->deferred_reason, reason, 1);
    return 0;
  }
  s->dropped++;
  qun_smap_inc(&s->dropped_reason, reason, 1);
  if (strcmp(reason, "failed") == 0) {
    json_t *f = json_object();
    json_object_set_new(f, "t", json_string(str(l, "t")));
    json_object_set_new(f, "to", json_string(to));
    json_object_set_new(f, "job", str(l, "job") ? json_string(str(l, "job")) : json_null());
    json_object_set_new(f, "error", str(l, "error") ? json_string(str(l, "error")) : json_null());
    keep_first(s->failed, f);
  }
  (void)t;
  return 0;
}

static int on_event(struct qun_summary *s, const json_t *l, const struct qun_stamp *t) {
  const char *type = str(l, "type"), *member, *group;
  if (!type || opt_str(l, "member", &member) < 0 || opt_str(l, "group", &group) < 0)
    return -1;
  s->events++;
  qun_smap_inc(&s->event_type, type, 1);
  if (member && group) { /* the member's lane on the timeline, for sends to them */
    long g = qun_smap_add(&s->groups_seen, group, NULL);
    long m = qun_smap_add(&s->member_group, member, NULL);
    if (g >= 0 && m >= 0)
      *qun_smap_val(&s->member_group, m) = g;
  }
  if (strcmp(type, "purchase") == 0) {
    s->purchases++;
    if (member)
      qun_smap_add(&s->bought, member, NULL);
    if (!group && member) {
      long m = qun_smap_find(&s->member_group, member);
      if (m >= 0)
        group = qun_smap_key(&s->groups_seen, (long)*qun_smap_val(&s->member_group, m));
    }
    qun_timeline_count(s->tl, t->ms, t->off, "event", group);
  } else if (member && strcmp(type, "link.click") == 0) {
    qun_smap_add(&s->clicked, member, NULL);
  } else if (member && strcmp(type, "pay.click") == 0) {
    qun_smap_add(&s->paid, member, NULL);
  }
  return 0;
}

static int on_tag(struct qun_summary *s, const json_t *l) {
  const char *member = str(l, "member"), *tag = str(l, "tag"), *op = str(l, "op");
  if (!member || !tag || !op)
    return -1;
  if (strcmp(op, "add") == 0)
    qun_smap_inc(&s->tag_added, tag, 1);
  else if (strcmp(op, "remove") == 0)
    qun_smap_inc(&s->tag_removed, tag, 1);
  else
    return -1;
  return 0;
}

static int on_tier(struct qun_summary *s, const json_t *l) {
  const char *member = str(l, "member"), *from, *to;
  if (!member || opt_str(l, "from", &from) < 0 || opt_str(l, "to", &to) < 0)
    return -1;
  long m = qun_smap_add(&s->tier_of, member, NULL);
  long k = to ? qun_smap_add(&s->tier_names, to, NULL) : -1;
  if (m < 0)
    return 0;
  s->tier_changes++;
  *qun_smap_val(&s->tier_of, m) = k + 1; /* 0: no tier */
  return 0;
}

/* Something in the red-packet ledger that does not add up. */
__attribute__((format(printf, 2, 3))) static void problem(struct qun_summary *s, const char *fmt, ...) {
  s->ledger_bad = 1;
  if (json_array_size(s->problems) >= QUN_SUMMARY_FIRST)
    return;
  char buf[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  json_array_append_new(s->problems, json_string(buf));
}

static int on_redpacket(struct qun_summary *s, const json_t *l, const struct qun_stamp *t) {
  const char *op = str(l, "op"), *packet = str(l, "packet"), *member;
  json_t *fen = json_object_get(l, "fen");
  if (!op || !packet || !json_is_integer(fen) || opt_str(l, "member", &member) < 0)
    return -1;
  int64_t f = json_integer_value(fen);
  int isnew = strcmp(op, "new") == 0, claim = strcmp(op, "claim") == 0;
  if (!isnew && !claim && strcmp(op, "refund") != 0)
    return -1;
  if (s->packets.n >= s->pkcap) { /* room first, so every entry has its record */
    size_t cap = s->pkcap ? s->pkcap * 2 : 32;
    struct qun_packet *v = realloc(s->pk, cap * sizeof *v);
    if (!v)
      return 0;
    s->pk = v;
    s->pkcap = cap;
  }
  int created;
  long p = qun_smap_add(&s->packets, packet, &created);
  if (p < 0)
    return 0;
  if (created) {
    s->pk[p] = (struct qun_packet){0};
    s->pk[p].shown = qun_smap_find(&s->packets_shown_early, packet) >= 0;
  }
  struct qun_packet *k = &s->pk[p];
  if (isnew) {
    if (k->created) {
      problem(s, "%s: created twice (%lld fen, then %lld fen)", packet, (long long)k->total,
              (long long)f);
      return 0;
    }
    k->created = 1;
    k->total = f;
    k->ms = t->ms;
    k->off = t->off;
    s->rp_packets++;
    s->rp_total += f;
    return 0;
  }
  if (!k->created)
    problem(s, "%s: a %s of %lld fen before the packet was created", packet, op, (long long)f);
  if (claim) {
    k->claimed += f;
    s->rp_claimed += f;
    s->rp_claims++;
    if (s->share_min < 0 || f < s->share_min)
      s->share_min = f;
    if (f > s->share_max)
      s->share_max = f;
    if (f < 1)
      problem(s, "%s: a share of %lld fen (every share is at least 1 fen)", packet, (long long)f);
    if (member) {
      char key[512];
      snprintf(key, sizeof key, "%s\x1f%s", packet, member);
      int again = 0;
      qun_smap_add(&s->claimed_by, key, &again);
      if (!again)
        problem(s, "%s: claimed twice by %s", packet, member);
    }
  } else {
    k->refunded += f;
    s->rp_refunded += f;
  }
  if (k->created && !k->overdrawn && k->claimed + k->refunded > k->total) {
    k->overdrawn = 1;
    problem(s, "%s: claimed %lld + refunded %lld fen > total %lld fen", packet,
            (long long)k->claimed, (long long)k->refunded, (long long)k->total);
  }
  return 0;
}

static int on_error(struct qun_summary *s, const json_t *l) {
  const char *job = str(l, "job"), *message;
  if (!job || opt_str(l, "message", &message) < 0)
    return -1;
  s->errors++;
  qun_smap_inc(&s->error_job, job, 1);
  json_t *e = json_object();
  json_object_set_new(e, "t", json_string(str(l, "t")));
  json_object_set_new(e, "job", json_string(job));
  json_object_set_new(e, "message", message ? json_string(message) : json_null());
  keep_first(s->first_errors, e);
  return 0;
}

static int on_log(struct qun_summary *s, const json_t *l, const struct qun_stamp *t) {
  const char *job = str(l, "job"), *message;
  if (!job || opt_str(l, "message", &message) < 0)
    return -1;
  s->logs++;
  if (is_countdown(job) && first_occurrence(s, job, str(l, "due"), NULL)) {
    char label[200];
    char text[128];
    qun_timeline_label(text, sizeof text, message, 60);
    snprintf(label, sizeof label, "%.60s: %s", job, text);
    qun_timeline_mark(s->tl, t->ms, t->off, "countdown", NULL, NULL, NULL, label);
  }
  return 0;
}

static int on_skipped(struct qun_summary *s, const json_t *l) {
  const char *job = str(l, "job");
  if (!job)
    return -1;
  s->skipped++;
  qun_smap_inc(&s->skipped_job, job, 1);
  return 0;
}

static int dispatch(struct qun_summary *s, const json_t *l, const char *ev, const struct qun_stamp *t) {
  switch (ev[0]) {
  case 's':
    if (strcmp(ev, "send") == 0)
      return on_send(s, l, t);
    if (strcmp(ev, "skipped") == 0)
      return on_skipped(s, l);
    break;
  case 'd':
    if (strcmp(ev, "deferred") == 0 || strcmp(ev, "dropped") == 0)
      return on_policy(s, l, t, ev[1] == 'r');
    break;
  case 'e':
    if (strcmp(ev, "event") == 0)
      return on_event(s, l, t);
    if (strcmp(ev, "error") == 0)
      return on_error(s, l);
    break;
  case 't':
    if (strcmp(ev, "tag") == 0)
      return on_tag(s, l);
    if (strcmp(ev, "tier") == 0)
      return on_tier(s, l);
    break;
  case 'r':
    if (strcmp(ev, "redpacket") == 0)
      return on_redpacket(s, l, t);
    break;
  case 'l':
    if (strcmp(ev, "log") == 0)
      return on_log(s, l, t);
    break;
  }
  return 0; /* a kind this version does not know: counted, not bad */
}

void qun_summary_object(struct qun_summary *s, const json_t *l) {
  s->lines++;
  const char *ev = str(l, "ev");
  struct qun_stamp t;
  if (!json_is_object(l) || !ev || qun_rfc3339_parse(str(l, "t"), &t) < 0 ||
      dispatch(s, l, ev, &t) < 0) {
    s->bad++;
    return;
  }
  qun_smap_inc(&s->by_ev, ev, 1);
  if (!s->span || t.ms < s->first_ms) {
    s->first_ms = t.ms;
    snprintf(s->first_t, sizeof s->first_t, "%s", str(l, "t"));
  }
  if (!s->span || t.ms >= s->last_ms) {
    s->last_ms = t.ms;
    snprintf(s->last_t, sizeof s->last_t, "%s", str(l, "t"));
  }
  s->span = 1;
}

void qun_summary_line(struct qun_summary *s, const char *line, size_t len) {
  size_t i = 0;
  while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n'))
    i++;
  if (i == len)
    return; /* a blank line is no line */
  json_t *l = json_loadb(line, len, 0, NULL);
  qun_summary_object(s, l); /* NULL (not JSON) counts as a bad line */
  json_decref(l);
}
