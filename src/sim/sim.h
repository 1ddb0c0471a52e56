/* sim.h — a dry-run: one playbook on the virtual clock, with the same
 * engine, policies, rate limits and channel rendering as a live run, a
 * private in-memory store (a live database is never touched), channels
 * replaced by a recording sink, and a simulated audience whose reactions
 * come back as events through the same handlers, tags and tiers; events
 * from a file (what a backend would send: a profile answer, a lesson done)
 * arrive at their own times beside them. Same inputs, start and seed give
 * the same transcript, byte for byte.
 * Uses: host/run, sim/audience, sim/model, sim/summary, ingest/event_in,
 * store/store. */
#ifndef QUN_SIM_H
#define QUN_SIM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct qun_config;

#define QUN_SIM_GROUP_SIZE 250 /* synthetic groups: about this many members */

struct qun_sim_opts {
  const char *playbook;
  const struct qun_config *cfg;   /* the team config, or NULL */
  const char *const *sets;        /* "name=value": the config's, then --set */
  int nsets;
  int audience;                   /* --audience N (ignored with members_csv) */
  const char *members_csv;        /* --members CSV */
  const char *model;              /* --model FILE.lua, or NULL: the built-in */
  const char *events;             /* --events FILE.jsonl: events that happen at their "at", or NULL */
  int64_t start_ms, end_ms;       /* the window */
  uint64_t seed;
  int64_t grace_ms;
  const char *transcript;         /* write transcript.jsonl here, or NULL */
  const char *requests;           /* write every recorded request (JSON lines) here, or NULL */
  int progress;                   /* a progress line on stderr */
  int keep;                       /* keep lines and requests in the result (qun test) */
};

struct qun_sim_result {
  json_t *summary;   /* summary.json */
  json_t *timeline;  /* for report.html */
  json_t *lines;     /* keep: the transcript lines, parsed, in order */
  json_t *requests;  /* keep: the recorded requests */
  json_t *warnings;  /* the playbook's warnings ("file:line: warning: ..."), in order */
  json_t *errors;    /* handler errors: the transcript's error lines, in order */
};

/* Runs the dry-run. 0, or -1 with one line in err (a playbook that does
 * not load, a bad roster or model; errors inside handlers are transcript
 * lines, not failures). */
int qun_sim_run(const struct qun_sim_opts *o, struct qun_sim_result *res, char *err, size_t errlen);
void qun_sim_result_free(struct qun_sim_result *res);

#endif
