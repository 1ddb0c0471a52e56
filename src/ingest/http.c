/* http.c — the events endpoint on the loop (see http.h). */
#include "ingest/http.h"
#include "ingest/event_in.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

struct request {
  struct qun_http *h;
  struct MHD_Connection *conn;
  char *body;
  size_t len, cap;
  int too_large;
  json_t *events;         /* the parsed array, kept until stored */
  struct qun_event_in *evs; /* checked, pointing into events */
  size_t nevs;
  int status;             /* the answer, once known */
  char *answer;
  struct request *next;   /* in the batch */
};

/* Group commit, pipelined: while one batch's COMMIT (the fsync) runs on
 * libuv's thread pool, the loop goes on reading and checking requests,
 * which wait in `pending` (in memory: the connection belongs to the
 * committing thread) and make the next batch as soon as it is done. */
struct qun_http {
  struct qun_http_opts o;
  struct MHD_Daemon *d;
  uv_poll_t poll;
  uv_timer_t timer;
  uv_work_t work;
  struct request *pending, **tail; /* checked, suspended, in arrival order */
  struct request *committing;      /* the batch whose COMMIT is in flight */
  int commit_rc;
  int working;                     /* the work request is queued */
  int closing, open_handles;
  struct MHD_Response *stored1;    /* {"stored":1}, shared by all answers */
};

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *error_body(const char *fmt, const char *detail) {
  char msg[512];
  snprintf(msg, sizeof msg, fmt, detail);
  json_t *o = json_pack("{s:s}", "error", msg);
  char *s = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  return s;
}

static enum MHD_Result answer(struct MHD_Connection *c, int status, char *body) {
  const char *text = body ? body : "{}";
  struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
  free(body);
  if (!r)
    return MHD_NO;
  MHD_add_response_header(r, "Content-Type", "application/json");
  enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
  MHD_destroy_response(r);
  return rc;
}

static int authorized(struct qun_http *h, struct MHD_Connection *c) {
  const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  size_t n = strlen(h->o.token);
  return auth && strncmp(auth, "Bearer ", 7) == 0 && strlen(auth + 7) == n &&
         CRYPTO_memcmp(auth + 7, h->o.token, n) == 0;
}

/* Checks the body; on success keeps the events in r->events. */
static int check_body(struct request *r, char *err, size_t errlen) {
  json_error_t jerr;
  json_t *j = json_loadb(r->body ? r->body : "", r->len, 0, &jerr);
  if (!j) {
    snprintf(err, errlen, "malformed JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
    return 400;
  }
  if (json_is_object(j)) {
    json_t *a = json_array();
    json_array_append_new(a, j);
    j = a;
  }
  if (!json_is_array(j) || json_array_size(j) == 0) {
    json_decref(j);
    snprintf(err, errlen, "the body is one event (a JSON object) or a non-empty array of them");
    return 422;
  }
  size_t i;
  json_t *o;
  if (!(r->evs = calloc(json_array_size(j), sizeof *r->evs))) {
    json_decref(j);
    snprintf(err, errlen, "out of memory");
    return 503;
  }
  int64_t now = now_ms();
  json_array_foreach(j, i, o) {
    char why[300];
    if (qun_event_in_read(o, now, &r->evs[i], why, sizeof why) < 0) {
      snprintf(err, errlen, "event %zu: %s", i + 1, why);
      json_decref(j);
      return 422;
    }
    r->nevs = i + 1;
  }
  r->events = j;
  return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
  (void)version;
  struct qun_http *h = cls;
  struct request *r = *con_cls;
  if (!r) {
    if (!(r = calloc(1, sizeof *r)))
      return MHD_NO;
    r->h = h, r->conn = c;
    *con_cls = r;
    return MHD_YES;
  }
  if (*upload_size) { /* more of the body */
    if (r->len + *upload_size > h->o.max_body) {
      r->too_large = 1;
    } else if (!r->too_large) {
      if (r->len + *upload_size > r->cap) {
        size_t cap = (r->len + *upload_size) * 2;
        char *b = realloc(r->body, cap > h->o.max_body ? h->o.max_body : cap);
        if (!b)
          return MHD_NO;
        r->body = b, r->cap = cap > h->o.max_body ? h->o.max_body : cap;
      }
      memcpy(r->body + r->len, upload, *upload_size);
      r->len += *upload_size;
    }
    *upload_size = 0;
    return MHD_YES;
  }
  if (r->status) { /* resumed after the commit */
    if (r->status == 202 && r->nevs == 1 && h->stored1)
      return MHD_queue_response(c, MHD_HTTP_ACCEPTED, h->stored1);
    char *a = r->answer;
    r->answer = NULL;
    return answer(c, r->status, a);
  }
  if (strcmp(url, "/healthz") == 0) {
    if (strcmp(method, "GET") != 0)
      return answer(c, 405, error_body("%s", "use GET /healthz"));
    return answer(c, 200, strdup("{\"ok\":true}"));
  }
  int claim = h->o.claim && strcmp(url, "/redpacket/claim") == 0;
  if (strcmp(url, "/events") != 0 && !claim)
    return answer(c, 404, error_body("no such endpoint %s (POST /events, POST /redpacket/claim, GET /healthz)", url));
  if (strcmp(method, "POST") != 0)
    return answer(c, 405, error_body("use POST %s", url));
  if (!authorized(h, c))
    return answer(c, 401, error_body("%s", "missing or wrong token: send Authorization: Bearer <listen.token>"));
  if (r->too_large) {
    char lim[32];
    snprintf(lim, sizeof lim, "%zu", h->o.max_body);
    return answer(c, 413, error_body("the body is over the limit of %s bytes (listen.max_body)", lim));
  }
  if (claim) { /* synchronous: one transaction per claim (ingest/claim.c) */
    char *body = NULL;
    int st = qun_claim_http(h->o.claim, h->o.claim_ud, r->body, r->len, &body);
    return answer(c, st, body);
  }
  char err[512];
  int status = check_body(r, err, sizeof err);
  if (status)
    return answer(c, status, error_body("%s", err));
  /* Valid: wait for the group commit. */
  r->next = NULL;
  *h->tail = r;
  h->tail = &r->next;
  MHD_suspend_connection(c);
  return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t) {
  (void)cls, (void)c, (void)t;
  struct request *r = *con_cls;
  if (!r)
    return;
  for (size_t i = 0; i < r->nevs; i++)
    qun_event_in_free(&r->evs[i]);
  free(r->evs);
  json_decref(r->events);
  free(r->body);
  free(r->answer);
  free(r);
  *con_cls = NULL;
}

/* Answers a batch once its transaction has ended (committed or not). */
static void finish(struct qun_http *h, struct request *batch, int ok) {
  if (h->o.after_commit)
    h->o.after_commit(h->o.ud, ok);
  for (struct request *r = batch; r; r = r->next) {
    if (ok) {
      r->status = 202;
      if (r->nevs != 1 || !h->stored1) {
        char a[48];
        snprintf(a, sizeof a, "{\"stored\":%zu}", r->nevs);
        r->answer = strdup(a);
      }
    } else {
      r->status = 503;
      r->answer = error_body("the events could not be stored (%s): retry", qun_store_errmsg(h->o.store));
    }
    MHD_resume_connection(r->conn);
  }
}

/* Writes the batch's events in a new transaction and lets the daemon
 * handle them in it; 0, or -1 with the transaction rolled back. */
static int write_batch(struct qun_http *h, struct request *batch) {
  struct qun_store *st = h->o.store;
  int64_t now = now_ms();
  int ok = qun_store_begin(st) == 0;
  for (struct request *r = batch; ok && r; r = r->next)
    for (size_t i = 0; ok && i < r->nevs; i++)
      ok = qun_event_in_store(st, &r->evs[i], now) == 0;
  if (ok && h->o.before_commit)
    h->o.before_commit(h->o.ud);
  if (!ok)
    qun_store_rollback(st);
  return ok ? 0 : -1;
}

static void commit_work(uv_work_t *w) {
  struct qun_http *h = w->data;
  h->commit_rc = qun_store_commit_handed(h->o.store);
}

static void release(struct qun_http *h) {
  if (--h->open_handles == 0) {
    MHD_stop_daemon(h->d);
    if (h->stored1)
      MHD_destroy_response(h->stored1);
    free(h);
  }
}

static void drive(struct qun_http *h);
static void start_commit(struct qun_http *h);

static void commit_done(uv_work_t *w, int status) {
  (void)status; /* the work is never cancelled */
  struct qun_http *h = w->data;
  struct request *b = h->committing;
  h->working = 0;
  h->committing = NULL;
  if (b) /* else qun_http_stop has answered it */
    finish(h, b, h->commit_rc == 0);
  if (h->closing) {
    release(h);
    return;
  }
  /* The next batch goes to the pool first, then the answers go out (in
   * MHD_run) while it commits. */
  if (h->pending)
    start_commit(h);
  drive(h);
}

/* Starts the group commit of every pending request: the events are
 * written and handled here, the COMMIT runs on the pool (on this thread
 * when stopping). */
static void start_commit(struct qun_http *h) {
  struct qun_store *st = h->o.store;
  struct request *batch = h->pending;
  h->pending = NULL, h->tail = &h->pending;
  if (write_batch(h, batch) < 0) {
    finish(h, batch, 0);
    return;
  }
  if (!h->closing && qun_store_handoff(st) == 0) {
    h->committing = batch;
    h->working = 1;
    if (uv_queue_work(h->o.loop, &h->work, commit_work, commit_done) == 0)
      return;
    h->working = 0, h->committing = NULL;
    finish(h, batch, qun_store_commit_handed(st) == 0);
    return;
  }
  int ok = qun_store_commit(st) == 0;
  if (!ok)
    qun_store_rollback(st);
  finish(h, batch, ok);
}

static void on_timer(uv_timer_t *t);

static void drive(struct qun_http *h) {
  MHD_run(h->d);
  while (h->pending && !h->working) {
    start_commit(h);
    MHD_run(h->d); /* answers what ended at once, takes what came meanwhile */
  }
  MHD_UNSIGNED_LONG_LONG ms;
  if (MHD_get_timeout(h->d, &ms) == MHD_YES)
    uv_timer_start(&h->timer, on_timer, ms, 0);
  else
    uv_timer_stop(&h->timer);
}

static void on_poll(uv_poll_t *p, int status, int events) {
  (void)status, (void)events;
  drive(p->data);
}

static void on_timer(uv_timer_t *t) {
  drive(t->data);
}

static int parse_addr(const char *addr, struct sockaddr_in *sa) {
  char host[64];
  const char *colon = strrchr(addr, ':');
  if (!colon || (size_t)(colon - addr) >= sizeof host)
    return -1;
  memcpy(host, addr, (size_t)(colon - addr));
  host[colon - addr] = '\0';
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end || port < 1 || port > 65535)
    return -1;
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, *host ? host : "0.0.0.0", &sa->sin_addr) == 1 ? 0 : -1;
}

int qun_http_start(const struct qun_http_opts *o, struct qun_http **out, char *err, size_t errlen) {
  *out = NULL;
  struct sockaddr_in sa;
  if (parse_addr(o->addr, &sa) < 0) {
    snprintf(err, errlen, "--listen %s: expected HOST:PORT, e.g. 127.0.0.1:8080", o->addr);
    return -1;
  }
  if (!o->token) {
    snprintf(err, errlen, "--listen needs listen.token in the team config (the events' bearer token)");
    return -1;
  }
  struct qun_http *h = calloc(1, sizeof *h);
  if (!h) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  h->o = *o;
  h->tail = &h->pending;
  h->work.data = h;
  static const char stored1[] = "{\"stored\":1}";
  if ((h->stored1 = MHD_create_response_from_buffer(sizeof stored1 - 1, (void *)stored1, MHD_RESPMEM_PERSISTENT)))
    MHD_add_response_header(h->stored1, "Content-Type", "application/json");
  h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                          on_request, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                          MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                          MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
                          MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, MHD_OPTION_END);
  if (!h->d) {
    snprintf(err, errlen, "--listen %s: cannot listen there (in use, or not an address of this machine?)", o->addr);
    if (h->stored1)
      MHD_destroy_response(h->stored1);
    free(h);
    return -1;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
  uv_poll_init(o->loop, &h->poll, info->epoll_fd);
  uv_timer_init(o->loop, &h->timer);
  h->poll.data = h->timer.data = h;
  uv_poll_start(&h->poll, UV_READABLE, on_poll);
  *out = h;
  return 0;
}

static void on_closed(uv_handle_t *handle) {
  release(handle->data);
}

void qun_http_stop(struct qun_http *h) {
  if (!h || h->closing)
    return;
  h->closing = 1;
  /* Nothing acknowledged is lost; nothing waiting is dropped. */
  if (h->committing) {
    struct request *b = h->committing;
    h->committing = NULL;
    finish(h, b, qun_store_wait(h->o.store) == 0);
  }
  if (h->pending)
    start_commit(h); /* on this thread: h->closing */
  MHD_run(h->d);
  h->open_handles = 2 + h->working;
  uv_close((uv_handle_t *)&h->poll, on_closed);
  uv_close((uv_handle_t *)&h->timer, on_closed);
}
