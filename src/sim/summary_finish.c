/* summary_finish.c — summary.json from what summary.c counted, the facts
 * copied in, and the aggregate of several runs (see summary.h for the
 * layout). */
#include "sim/summary_int.h"

#include <stdlib.h>
#include <string.h>

static json_t *int_or_null(int have, int64_t v) {
  return have ? json_integer(v) : json_null();
}

static json_t *copy_object(const json_t *facts, const char *key) {
  json_t *v = json_object_get(facts, key);
  return json_is_object(v) ? json_deep_copy(v) : json_null();
}

static json_t *total_by(int64_t total, const char *key, const struct qun_smap *m) {
  json_t *o = json_object();
  json_object_set_new(o, "total", json_integer(total));
  json_object_set_new(o, key, qun_smap_json(m));
  return o;
}

/* ---- nearest rank: the smallest value with at least ⌈p·N/100⌉ values at
 * or below it ---- */

static int64_t rank_of(int p, int64_t n) {
  int64_t r = (p * n + 99) / 100;
  return r < 1 ? 1 : r;
}

struct vc {
  int64_t v, n;
};

static int by_value(const void *a, const void *b) {
  const struct vc *x = a, *y = b;
  return x->v < y->v ? -1 : x->v > y->v;
}

/* p50/p95/p99 (into out[0..2]) of a histogram of (value, count), sorted in
 * place. */
static void percentiles(struct vc *h, size_t k, int64_t total, int64_t out[3]) {
  static const int ps[] = {50, 95, 99};
  qsort(h, k, sizeof *h, by_value);
  for (int i = 0; i < 3; i++) {
    int64_t want = rank_of(ps[i], total), seen = 0;
    out[i] = k ? h[k - 1].v : 0;
    for (size_t j = 0; j < k; j++)
      if ((seen += h[j].n) >= want) {
        out[i] = h[j].v;
        break;
      }
  }
}

static json_t *lateness(const struct qun_late *l) {
  json_t *o = json_object();
  int64_t p[3] = {0, 0, 0};
  struct vc *h = l->used ? malloc(l->used * sizeof *h) : NULL;
  size_t k = 0;
  for (size_t i = 0; h && i < l->cap; i++)
    if (l->n[i])
      h[k++] = (struct vc){l->v[i], l->n[i]};
  if (h)
    percentiles(h, k, l->total, p);
  free(h);
  int have = l->total > 0 && (k > 0 || !l->used);
  json_object_set_new(o, "sends", json_integer(l->total));
  json_object_set_new(o, "late", json_integer(l->late));
  json_object_set_new(o, "max_ms", int_or_null(have, l->max));
  json_object_set_new(o, "p50_ms", int_or_null(have, p[0]));
  json_object_set_new(o, "p95_ms", int_or_null(have, p[1]));
  json_object_set_new(o, "p99_ms", int_or_null(have, p[2]));
  return o;
}

/* {"wx": {"2026-11-28": n, ...}, ...} from "channel\x1fday" keys. */
static json_t *channel_days(const struct qun_smap *m) {
  json_t *o = json_object();
  long *ix = qun_smap_sorted(m);
  for (size_t i = 0; ix && i < m->n; i++) {
    const char *key = qun_smap_key(m, ix[i]);
    const char *sep = strchr(key, '\x1f');
    if (!sep)
      continue;
    char channel[256];
    snprintf(channel, sizeof channel, "%.*s", (int)(sep - key), key);
    json_t *days = json_object_get(o, channel);
    if (!days)
      json_object_set_new(o, channel, days = json_object());
    json_object_set_new(days, sep + 1, json_integer(m->vals[ix[i]]));
  }
  free(ix);
  return o;
}

static json_t *sends(const struct qun_summary *s) {
  json_t *o = json_object();
  json_object_set_new(o, "total", json_integer(s->sends));
  json_object_set_new(o, "by_channel", qun_smap_json(&s->send_channel));
  json_object_set_new(o, "by_day", qun_smap_json(&s->send_day));
  json_object_set_new(o, "by_channel_day", channel_days(&s->send_channel_day));
  json_object_set_new(o, "by_kind", qun_smap_json(&s->send_kind));
  json_object_set_new(o, "mentions", json_integer(s->mentions));
  return o;
}

static json_t *targets(const struct qun_summary *s) {
  json_t *o = json_object();
  json_object_set_new(o, "group", json_integer(s->to_group));
  json_object_set_new(o, "member", json_integer(s->to_member));
  json_object_set_new(o, "other", json_integer(s->to_other));
  json_object_set_new(o, "groups", json_integer((json_int_t)s->groups_sent.n));
  json_object_set_new(o, "members", json_integer((json_int_t)s->members_sent.n));
  return o;
}

static json_t *tiers(struct qun_summary *s) {
  struct qun_smap counts;
  qun_smap_init(&counts);
  int64_t members = 0;
  for (size_t i = 0; i < s->tier_of.n; i++) {
    int64_t t = s->tier_of.vals[i];
    if (t > 0) {
      qun_smap_inc(&counts, qun_smap_key(&s->tier_names, (long)t - 1), 1);
      members++;
    }
  }
  json_t *o = json_object();
  json_object_set_new(o, "changes", json_integer(s->tier_changes));
  json_object_set_new(o, "members", json_integer(members));
  json_object_set_new(o, "counts", qun_smap_json(&counts));
  qun_smap_free(&counts);
  return o;
}

static json_t *conversions(const struct qun_summary *s, const json_t *facts) {
  json_t *aud = json_object_get(json_object_get(facts, "audience"), "members");
  int64_t audience = json_is_integer(aud) ? json_integer_value(aud) : 0;
  int64_t buyers = (int64_t)s->bought.n;
  json_t *o = json_object();
  json_object_set_new(o, "audience", int_or_null(audience > 0, audience));
  json_object_set_new(o, "buyers", json_integer(buyers));
  json_object_set_new(o, "purchases", json_integer(s->purchases));
  /* buyers per 10 000 members, rounded half up: an integer, so the file
   * stays byte-stable (a float would print as 0.10000000000000001) */
  json_object_set_new(o, "rate_bp",
                      int_or_null(audience > 0, (buyers * 10000 + audience / 2) / (audience ? audience : 1)));
  return o;
}

static json_t *funnel(const struct qun_summary *s, const json_t *facts) {
  json_t *f = json_object_get(facts, "funnel");
  json_t *o = json_object();
  json_t *reached = json_object_get(f, "reached"), *read = json_object_get(f, "read");
  json_object_set_new(o, "reached", json_is_integer(reached) ? json_copy(reached) : json_null());
  json_object_set_new(o, "read", json_is_integer(read) ? json_copy(read) : json_null());
  json_object_set_new(o, "clicked", json_integer((json_int_t)s->clicked.n));
  json_object_set_new(o, "paid", json_integer((json_int_t)s->paid.n));
  json_object_set_new(o, "bought", json_integer((json_int_t)s->bought.n));
  return o;
}

static json_t *redpackets(struct qun_summary *s) {
  json_t *o = json_object();
  json_object_set_new(o, "packets", json_integer(s->rp_packets));
  json_object_set_new(o, "total_fen", json_integer(s->rp_total));
  json_object_set_new(o, "claimed_fen", json_integer(s->rp_claimed));
  json_object_set_new(o, "refunded_fen", json_integer(s->rp_refunded));
  json_object_set_new(o, "claims", json_integer(s->rp_claims));
  json_t *share = json_object();
  int have = s->rp_claims > 0;
  json_object_set_new(share, "min_fen", int_or_null(have, s->share_min));
  json_object_set_new(share, "max_fen", int_or_null(have, s->share_max));
  json_object_set_new(share, "mean_fen",
                      int_or_null(have, (s->rp_claimed + s->rp_claims / 2) / (have ? s->rp_claims : 1)));
  json_object_set_new(o, "share", share);
  json_object_set_new(o, "ledger_ok", json_boolean(!s->ledger_bad));
  json_object_set_new(o, "problems", json_incref(s->problems));
  return o;
}

/* The facts' load histogram with its percentiles; keys in numeric order. */
static json_t *load(const json_t *facts) {
  json_t *l = json_object_get(facts, "load"), *hist = json_object_get(l, "histogram");
  if (!json_is_object(hist))
    return json_null();
  size_t cap = json_object_size(hist), k = 0;
  struct vc *h = malloc((cap ? cap : 1) * sizeof *h);
  if (!h)
    return json_null();
  const char *key;
  json_t *v;
  int64_t total = 0;
  json_object_foreach(hist, key, v) {
    char *end;
    long long n = strtoll(key, &end, 10);
    if (*key < '0' || *key > '9' || *end || !json_is_integer(v) || json_integer_value(v) < 0)
      continue;
    h[k++] = (struct vc){n, json_integer_value(v)};
    total += json_integer_value(v);
  }
  int64_t p[3] = {0, 0, 0}, max = 0;
  percentiles(h, k, total, p);
  json_t *sorted = json_object();
  for (size_t i = 0; i < k; i++) {
    char name[24];
    snprintf(name, sizeof name, "%lld", (long long)h[i].v);
    json_object_set_new(sorted, name, json_integer(h[i].n));
    if (h[i].n > 0)
      max = h[i].v;
  }
  free(h);
  json_t *md = json_object_get(l, "member_days");
  json_t *o = json_object();
  json_object_set_new(o, "member_days", json_integer(json_is_integer(md) ? json_integer_value(md) : total));
  json_object_set_new(o, "histogram", sorted);
  json_object_set_new(o, "p50", int_or_null(total > 0, p[0]));
  json_object_set_new(o, "p95", int_or_null(total > 0, p[1]));
  json_object_set_new(o, "p99", int_or_null(total > 0, p[2]));
  json_object_set_new(o, "max", int_or_null(total > 0, max));
  return o;
}

static json_t *warnings(const json_t *facts) {
  json_t *w = json_object_get(facts, "warnings"), *out = json_array(), *v;
  size_t i;
  json_array_foreach(w, i, v) if (json_is_string(v)) json_array_append(out, v);
  return out;
}

/* Red packets no group send showed: a mark at their creation. */
static void unshown_packets(struct qun_summary *s) {
  for (size_t i = 0; i < s->packets.n; i++) {
    const struct qun_packet *k = &s->pk[i];
    if (!k->created || k->shown)
      continue;
    char label[160], yuan[32];
    snprintf(yuan, sizeof yuan, "%lld.%02lld", (long long)(k->total / 100), (long long)(k->total % 100));
    snprintf(label, sizeof label, "红包 %.60s %s 元", qun_smap_key(&s->packets, (long)i), yuan);
    qun_timeline_mark(s->tl, k->ms, k->off, "redpacket", NULL, NULL, NULL, label);
  }
}

json_t *qun_summary_finish(struct qun_summary *s, const json_t *facts, json_t **timeline) {
  if (timeline)
    *timeline = NULL;
  if (!s)
    return NULL;
  json_t *o = json_object();
  json_object_set_new(o, "format", json_integer(1));
  json_object_set_new(o, "playbook", copy_object(facts, "playbook"));
  json_object_set_new(o, "sim", copy_object(facts, "sim"));
  json_object_set_new(o, "audience", copy_object(facts, "audience"));

  json_t *lines = json_object();
  json_object_set_new(lines, "total", json_integer(s->lines));
  json_object_set_new(lines, "first", s->span ? json_string(s->first_t) : json_null());
  json_object_set_new(lines, "last", s->span ? json_string(s->last_t) : json_null());
  json_object_set_new(lines, "by_ev", qun_smap_json(&s->by_ev));
  json_object_set_new(o, "lines", lines);

  json_object_set_new(o, "sends", sends(s));
  json_object_set_new(o, "targets", targets(s));
  json_object_set_new(o, "deferred", total_by(s->deferred, "by_reason", &s->deferred_reason));
  json_t *dropped = total_by(s->dropped, "by_reason", &s->dropped_reason);
  json_object_set_new(dropped, "failed", json_incref(s->failed));
  json_object_set_new(o, "dropped", dropped);
  json_object_set_new(o, "lateness", lateness(&s->late));
  json_object_set_new(o, "events", total_by(s->events, "by_type", &s->event_type));
  json_t *tags = json_object();
  json_object_set_new(tags, "added", qun_smap_json(&s->tag_added));
  json_object_set_new(tags, "removed", qun_smap_json(&s->tag_removed));
  json_object_set_new(o, "tags", tags);
  json_object_set_new(o, "tiers", tiers(s));
  json_object_set_new(o, "conversions", conversions(s, facts));
  json_object_set_new(o, "funnel", funnel(s, facts));
  json_object_set_new(o, "redpackets", redpackets(s));
  json_t *cd = json_object();
  json_object_set_new(cd, "marks", json_integer(s->countdown_marks));
  json_object_set_new(cd, "sends", json_integer(s->countdown_sends));
  json_object_set_new(o, "countdown", cd);
  json_t *logs = json_object();
  json_object_set_new(logs, "total", json_integer(s->logs));
  json_object_set_new(o, "logs", logs);
  json_t *errors = total_by(s->errors, "by_job", &s->error_job);
  json_object_set_new(errors, "first", json_incref(s->first_errors));
  json_object_set_new(o, "errors", errors);
  json_object_set_new(o, "skipped", total_by(s->skipped, "by_job", &s->skipped_job));
  json_object_set_new(o, "load", load(facts));
  json_object_set_new(o, "warnings", warnings(facts));

  unshown_packets(s);
  json_t *meta = json_object();
  json_t *tl = qun_timeline_build(s->tl, json_object_get(facts, "windows"), meta);
  json_object_set_new(o, "timeline", meta);
  json_object_set_new(o, "bad_lines", json_integer(s->bad));
  if (timeline)
    *timeline = tl;
  else
    json_decref(tl);
  qun_summary_free(s);
  return o;
}

/* ---- several runs ---- */

static int by_int(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static json_t *bands(int64_t *v, size_t n) {
  static const int ps[] = {5, 50, 95};
  static const char *const names[] = {"p5", "p50", "p95"};
  qsort(v, n, sizeof *v, by_int);
  json_t *o = json_object();
  for (int i = 0; i < 3; i++)
    json_object_set_new(o, names[i], int_or_null(n > 0, n ? v[rank_of(ps[i], (int64_t)n) - 1] : 0));
  return o;
}

static int get_int(const json_t *summary, const char *a, const char *b, int64_t *out) {
  json_t *v = json_object_get(json_object_get(summary, a), b);
  if (!json_is_integer(v))
    return 0;
  *out = json_integer_value(v);
  return 1;
}

json_t *qun_summary_aggregate(json_t *const *runs, size_t n) {
  if (!n || !json_is_object(runs[0]))
    return NULL;
  int64_t *v[3];
  size_t k[3] = {0, 0, 0};
  static const char *const keys[3][2] = {
      {"conversions", "buyers"}, {"redpackets", "claimed_fen"}, {"sends", "total"}};
  for (int j = 0; j < 3; j++)
    v[j] = malloc(n * sizeof *v[j]);
  json_t *out = json_deep_copy(runs[0]), *agg = json_object(), *seeds = json_array(),
         *per = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *seed = json_object_get(json_object_get(runs[i], "sim"), "seed");
    json_array_append_new(seeds, seed ? json_copy(seed) : json_null());
    json_t *r = json_object();
    json_object_set_new(r, "seed", seed ? json_copy(seed) : json_null());
    static const char *const names[3] = {"buyers", "spend_fen", "sends"};
    for (int j = 0; j < 3; j++) {
      int64_t x;
      int have = get_int(runs[i], keys[j][0], keys[j][1], &x);
      if (have && v[j])
        v[j][k[j]++] = x;
      json_object_set_new(r, names[j], int_or_null(have, have ? x : 0));
    }
    json_array_append_new(per, r);
  }
  json_object_set_new(agg, "n", json_integer((json_int_t)n));
  json_object_set_new(agg, "seeds", seeds);
  json_object_set_new(agg, "conversions", bands(v[0], k[0]));
  json_object_set_new(agg, "spend_fen", bands(v[1], k[1]));
  json_object_set_new(agg, "sends", bands(v[2], k[2]));
  json_object_set_new(agg, "per_run", per);
  json_object_set_new(out, "runs", agg);
  for (int j = 0; j < 3; j++)
    free(v[j]);
  return out;
}
