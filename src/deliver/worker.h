/* worker.h — the outbox's drain: messages a handler queued leave here once
 * its transaction has committed. Each is rendered by its channel type and
 * handed to a transport: libcurl on the libuv loop in a live run, a
 * recording sink in a dry-run (it keeps the exact request and answers what
 * the platform answers on success, so both runs take the same path after).
 * The worker applies what the host decides at delivery time — per-channel
 * rate limits (a send waits for a free slot: it shows up as late_ms),
 * quiet hours (nothing leaves inside them), retries with exponential
 * backoff and jitter (Retry-After and the platforms' throttling codes
 * honoured), dead letters — and records each outcome with its transcript
 * line; completions are committed together (one transaction per turn of
 * the loop). A message stays queued in the store until its outcome is
 * committed: after a crash it is sent again, with the same key.
 * Uses: store/store (the outbox), deliver/channel, deliver/http_client,
 * core/jobheap, core/ratelimit, core/policy, host/config. No Lua. */
#ifndef QUN_WORKER_H
#define QUN_WORKER_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

typedef struct uv_loop_s uv_loop_t;
struct qun_store;
struct qun_config;
struct qun_chan_req;
struct qun_worker;

#define QUN_WORKER_INFLIGHT 64    /* requests in flight at most */
#define QUN_WORKER_ATTEMPTS 10    /* then the message is dead */
#define QUN_WORKER_BACKOFF_MS 2000
#define QUN_WORKER_BACKOFF_MAX_MS (10 * 60 * 1000)

struct qun_worker_opts {
  struct qun_store *store;
  int64_t run_id;
  const struct qun_config *cfg; /* channels, groups, quiet hours; NULL: console only */
  uv_loop_t *loop;              /* live: HTTP on this loop; NULL: the recording sink */
  FILE *echo;                   /* live: where the console channel writes */
  /* Dry-run: each request as it would have gone out (may be NULL). */
  void (*record)(void *ud, const char *channel, const char *type, const struct qun_chan_req *req,
                 int64_t at_ms);
  /* A message went out: called inside the transaction that records it. */
  void (*sent)(void *ud, const char *target, const char *member, json_t *msg, int64_t at_ms);
  int64_t (*now)(void *ud);     /* the run's clock, ms */
  uint64_t (*rand64)(void *ud); /* jitter; NULL: a fixed sequence */
  /* A transcript line, inside the worker's transaction (takes fields). */
  void (*emit)(void *ud, const char *ev, json_t *fields);
  void (*emit_line)(void *ud, const char *line); /* the same, written already */
  /* After the worker committed outcomes (live, from the loop): the run
   * appends its transcript and asks qun_worker_next again. */
  void (*committed)(void *ud);
  void *ud;
  int max_inflight;             /* 0: QUN_WORKER_INFLIGHT */
  int max_attempts;             /* 0: QUN_WORKER_ATTEMPTS */
  int64_t backoff_ms;           /* the first retry's wait; 0: QUN_WORKER_BACKOFF_MS */
  long timeout_ms;              /* per request; 0: the HTTP client's (10 s) */
};

struct qun_worker *qun_worker_new(const struct qun_worker_opts *o);
/* Cancels what is in flight (it stays queued in the store) and frees. */
void qun_worker_free(struct qun_worker *w);
/* Takes the messages committed since the last call (all waiting ones the
 * first time). 0 or a negative code. Call with no transaction open. */
int qun_worker_load(struct qun_worker *w);
/* Hands what is due now to the transport; in a dry-run the outcomes are
 * committed before it returns. Call with no transaction open. */
void qun_worker_run(struct qun_worker *w);
/* Live, when stopping: nothing new goes to the transport; done(ud) is
 * called (from the loop) once every request in flight has its outcome
 * committed. What still waits stays queued for the next start. */
void qun_worker_drain(struct qun_worker *w, void (*done)(void *ud), void *ud);
/* When the next waiting message is due (ms), or -1: none, or the
 * transport is full (a completion hands over the next). */
int64_t qun_worker_next(const struct qun_worker *w);
/* Requests in flight and messages waiting in memory. */
int qun_worker_inflight(const struct qun_worker *w);
size_t qun_worker_waiting(const struct qun_worker *w);

#endif
