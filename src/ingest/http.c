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

struct qun_http {
  struct qun_http_opts o;
  struct MHD_Daemon *d;
  uv_poll_t poll;
  uv_timer_t timer;
  struct request *batch;  /* suspended, waiting for the commit */
  int closing, open_handles;
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
  r->next = h->batch;
  h->batch = r;
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

/* Stores every waiting request's events in one transaction, then answers. */
static void commit_batch(struct qun_http *h) {
  if (!h->batch)
    return;
  struct qun_store *st = h->o.store;
  int64_t now = now_ms();
  int ok = qun_store_begin(st) == 0;
  for (struct request *r = h->batch; ok && r; r = r->next)
    for (size_t i = 0; ok && i < r->nevs; i++)
      ok = qun_event_in_store(st, &r->evs[i], now) == 0;
  if (ok && h->o.before_commit)
    h->o.before_commit(h->o.ud);
  ok = ok && qun_store_commit(st) == 0;
  if (!ok)
    qun_store_rollback(st);
  if (h->o.after_commit)
    h->o.after_commit(h->o.ud, ok);
  struct request *r = h->batch;
  h->batch = NULL;
  for (; r; r = r->next) {
    if (ok) {
      r->status = 202;
      json_t *a = json_pack("{s:I}", "stored", (json_int_t)r->nevs);
      r->answer = json_dumps(a, JSON_COMPACT);
      json_decref(a);
    } else {
      r->status = 503;
      r->answer = error_body("the events could not be stored (%s): retry", qun_store_errmsg(st));
    }
    MHD_resume_connection(r->conn);
  }
}

static void on_timer(uv_timer_t *t);

static void drive(struct qun_http *h) {
  MHD_run(h->d);
  while (h->batch) { /* a request may complete in any MHD_run */
    commit_batch(h);
    MHD_run(h->d);   /* answer the resumed ones, maybe complete more */
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
  h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                          on_request, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                          MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                          MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000, MHD_OPTION_END);
  if (!h->d) {
    snprintf(err, errlen, "--listen %s: cannot listen there (in use, or not an address of this machine?)", o->addr);
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
  struct qun_http *h = handle->data;
  if (--h->open_handles == 0) {
    MHD_stop_daemon(h->d);
    free(h);
  }
}

void qun_http_stop(struct qun_http *h) {
  if (!h || h->closing)
    return;
  h->closing = 1;
  commit_batch(h); /* nothing acknowledged is lost; nothing waiting is dropped */
  MHD_run(h->d);
  h->open_handles = 2;
  uv_close((uv_handle_t *)&h->poll, on_closed);
  uv_close((uv_handle_t *)&h->timer, on_closed);
}
