/* ratelimit.c — sliding-window rate limits (see ratelimit.h).
 *
 * Each rule keeps the times of its last n sends in a ring: one more send
 * at t keeps the rule iff fewer than n are recorded or the oldest of the
 * last n is at least `per` before t. That is exact (no bucket edges, so
 * never 40 sends across a minute boundary for a "20/min" robot) and costs
 * 8·n bytes per rule. */
#include "core/ratelimit.h"
#include "core/err.h"
#include "core/timespec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rule {
  struct qun_rate rate;
  int64_t *ring; /* the last n send times, oldest at head once full */
  int head, count;
};

struct qun_limiter {
  struct rule rules[QUN_RATE_RULES];
  int nrules;
  int64_t paused_until;
};

int qun_rate_parse(const char *s, struct qun_rate *out) {
  if (!s)
    return QUN_EINVAL;
  char *end;
  if (*s < '0' || *s > '9')
    return QUN_EINVAL;
  unsigned long long n = strtoull(s, &end, 10);
  if (*end != '/' || end - s > 7)
    return QUN_EINVAL;
  const char *unit = end + 1;
  int64_t per;
  if (strcmp(unit, "s") == 0 || strcmp(unit, "sec") == 0)
    per = 1000;
  else if (strcmp(unit, "min") == 0 || strcmp(unit, "m") == 0)
    per = 60000;
  else if (strcmp(unit, "h") == 0)
    per = 3600000;
  else if (strcmp(unit, "d") == 0 || strcmp(unit, "day") == 0)
    per = 86400000;
  else {
    int64_t secs;
    int rc = qun_duration_parse(unit, &secs);
    if (rc < 0)
      return rc;
    if (secs <= 0)
      return QUN_ERANGE;
    per = secs * 1000;
  }
  if (n == 0 || n > QUN_RATE_MAX_N)
    return QUN_ERANGE;
  out->n = (int)n;
  out->per_ms = per;
  return 0;
}

void qun_rate_format(const struct qun_rate *r, char *buf, size_t n) {
  static const struct { int64_t ms; const char *unit; } units[] = {
      {86400000, "d"}, {3600000, "h"}, {60000, "min"}, {1000, "s"}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (r->per_ms == units[i].ms) {
      snprintf(buf, n, "%d/%s", r->n, units[i].unit);
      return;
    }
  char d[32];
  qun_duration_format(r->per_ms / 1000, d, sizeof d);
  snprintf(buf, n, "%d/%s", r->n, d);
}

struct qun_limiter *qun_limiter_new(const struct qun_rate *rules, int nrules) {
  if (nrules < 1 || nrules > QUN_RATE_RULES)
    return NULL;
  struct qun_limiter *l = calloc(1, sizeof *l);
  if (!l)
    return NULL;
  l->nrules = nrules;
  l->paused_until = INT64_MIN;
  for (int i = 0; i < nrules; i++) {
    l->rules[i].rate = rules[i];
    if (rules[i].n < 1 || rules[i].n > QUN_RATE_MAX_N || rules[i].per_ms < 1 ||
        !(l->rules[i].ring = malloc((size_t)rules[i].n * sizeof(int64_t)))) {
      qun_limiter_free(l);
      return NULL;
    }
  }
  return l;
}

void qun_limiter_free(struct qun_limiter *l) {
  if (!l)
    return;
  for (int i = 0; i < l->nrules; i++)
    free(l->rules[i].ring);
  free(l);
}

int64_t qun_limiter_next(const struct qun_limiter *l, int64_t now) {
  int64_t t = now > l->paused_until ? now : l->paused_until;
  for (int i = 0; i < l->nrules; i++) {
    const struct rule *r = &l->rules[i];
    if (r->count < r->rate.n)
      continue;
    int64_t free_at = r->ring[r->head] + r->rate.per_ms; /* the oldest of the last n */
    if (free_at > t)
      t = free_at;
  }
  return t;
}

void qun_limiter_take(struct qun_limiter *l, int64_t at) {
  for (int i = 0; i < l->nrules; i++) {
    struct rule *r = &l->rules[i];
    if (r->count < r->rate.n) {
      r->ring[(r->head + r->count) % r->rate.n] = at;
      r->count++;
    } else {
      r->ring[r->head] = at; /* the oldest leaves, the newest takes its place */
      r->head = (r->head + 1) % r->rate.n;
    }
  }
}

void qun_limiter_pause(struct qun_limiter *l, int64_t until) {
  if (until > l->paused_until)
    l->paused_until = until;
}
