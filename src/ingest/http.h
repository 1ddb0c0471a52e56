/* http.h — the events endpoint of `qun run --listen HOST:PORT`:
 * POST /events (one event or an array, Authorization: Bearer <token>),
 * POST /redpacket/claim (ingest/claim.c) and GET /healthz. libmicrohttpd runs without threads of its own: its epoll fd
 * is watched by a uv_poll_t and its timeout by a uv_timer_t, so requests are
 * handled on the loop. A request is answered only after its events are
 * committed (synchronous = FULL: on disk); the requests that arrive while
 * one transaction commits share the next one (group commit). The COMMIT
 * runs on libuv's thread pool, so the loop keeps reading requests
 * meanwhile; the events are written, and handled, on the loop.
 * Uses: libmicrohttpd, libuv (loop and thread pool), jansson,
 * ingest/event_in, store/store. */
#ifndef QUN_HTTP_H
#define QUN_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/claim.h"

typedef struct uv_loop_s uv_loop_t;
struct qun_store;
struct qun_http;

struct qun_http_opts {
  uv_loop_t *loop;
  struct qun_store *store;
  const char *addr;        /* "127.0.0.1:8080" */
  const char *token;       /* the bearer token (required) */
  size_t max_body;         /* bytes */
  /* Called on the loop inside each group commit's transaction after the
   * events are written (the daemon dispatches them there), and after it
   * ends (committed or not), before the answers go out. */
  void (*before_commit)(void *ud);
  void (*after_commit)(void *ud, int committed);
  void *ud;
  /* POST /redpacket/claim (ingest/claim.h), answered at once; NULL: 404. */
  qun_claim_fn claim;
  void *claim_ud;
};

/* 0, or -1 with one line in err. */
int qun_http_start(const struct qun_http_opts *o, struct qun_http **out, char *err, size_t errlen);
/* Stops serving; memory is freed after the loop has closed the handles. */
void qun_http_stop(struct qun_http *h);

#endif
