/* audience.h — the dry-run's simulated members: synthesized (names,
 * groups, join dates, birthdays) or read from a roster CSV, each with a
 * persona of the behaviour model. When a message reaches members, each
 * may react: read it, click, pay-click, buy, claim a red packet, check in,
 * ask, leave when over-messaged; members also post ads and ask on their
 * own. Reactions are events due at later virtual times, handed back in
 * time order; the dry-run stores and dispatches them like live events.
 * Everything is drawn from one seeded generator: same seed, same
 * audience, same reactions. Uses: sim/model, core/rng, core/tz,
 * store/store (members and memberships), ingest/import (a roster). */
#ifndef QUN_AUDIENCE_H
#define QUN_AUDIENCE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct qun_store;
struct qun_model;
struct qun_audience;

struct qun_audience_opts {
  struct qun_store *store;      /* the dry-run's private store: members go in here */
  const struct qun_model *model;
  uint64_t seed;
  int size;                     /* --audience N: members to synthesize */
  const char *members_csv;      /* --members CSV: a real roster instead (nothing is sent) */
  const char *const *groups;    /* the groups synthesized members are spread over */
  size_t ngroups;
  int64_t start_ms, end_ms;     /* the simulated window */
};

/* Builds the audience (members written to the store in one transaction).
 * NULL with one line in err. */
struct qun_audience *qun_audience_new(const struct qun_audience_opts *o, char *err, size_t errlen);
void qun_audience_free(struct qun_audience *a);

/* A message went out to target ("group:ID" or "member:ID") at at_ms. */
void qun_audience_sent(struct qun_audience *a, const char *target, const json_t *msg, int64_t at_ms);
/* When the next reaction is due, or -1. */
int64_t qun_audience_next(const struct qun_audience *a);
/* Hands over every reaction due by now, in time order. data is a JSON
 * object text or NULL. */
typedef void (*qun_audience_emit)(void *ud, const char *type, const char *member, const char *group,
                                  const char *data);
void qun_audience_due(struct qun_audience *a, int64_t now_ms, qun_audience_emit emit, void *ud);

/* {"audience": {...}, "load": {...}, "funnel": {...}} for the summary's facts. */
json_t *qun_audience_facts(const struct qun_audience *a);
size_t qun_audience_size(const struct qun_audience *a);

#endif
