/* http_client.c — libcurl multi on libuv (see http_client.h). */
#include "deliver/http_client.h"

#include <curl/curl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

struct sock;

struct qun_http_client {
  uv_loop_t *loop;
  CURLM *multi;
  uv_timer_t timer;
  int active, sockets, closing;
  struct sock **byfd; /* our poll handle of each open socket, by fd */
  size_t nbyfd;
  struct xfer *xfers; /* in flight */
  CURL **idle;        /* easy handles done with, for the next requests */
  size_t nidle;
};

#define IDLE_MAX 512 /* an easy handle is a few KiB plus its buffers: reuse, not realloc */

/* One per socket, from curl's open to curl's close. */
struct sock {
  uv_poll_t poll;
  struct qun_http_client *c;
  curl_socket_t fd;
};

struct xfer {
  struct qun_http_client *c;
  CURL *easy;
  struct curl_slist *headers;
  char *body;
  size_t len, cap;
  char retry_after[64];
  qun_http_done done;
  void *ud;
  struct xfer *next, **pprev;
};

static void unlink_xfer(struct xfer *x) {
  *x->pprev = x->next;
  if (x->next)
    x->next->pprev = x->pprev;
}

/* A finished transfer's easy handle goes back to the pool (reset: none of
 * this request's options stay) rather than being freed and made again. */
static void free_xfer(struct xfer *x) {
  struct qun_http_client *c = x->c;
  if (x->easy && !c->closing && c->nidle < IDLE_MAX) {
    curl_easy_reset(x->easy);
    c->idle[c->nidle++] = x->easy;
  } else {
    curl_easy_cleanup(x->easy);
  }
  curl_slist_free_all(x->headers);
  free(x->body);
  free(x);
}

static void check_done(struct qun_http_client *c) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(c->multi, &left))) {
    if (m->msg != CURLMSG_DONE)
      continue;
    struct xfer *x;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
    struct qun_http_res res = {.error = m->data.result,
                               .error_text = curl_easy_strerror(m->data.result),
                               .body = x->body ? x->body : "", .len = x->len,
                               .retry_after = x->retry_after[0] ? x->retry_after : NULL};
    curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &res.status);
    curl_multi_remove_handle(c->multi, m->easy_handle);
    unlink_xfer(x);
    c->active--;
    x->done(x->ud, &res);
    free_xfer(x);
  }
}

static void on_poll(uv_poll_t *p, int status, int events) {
  struct sock *s = p->data;
  int flags = 0, running;
  if (status < 0)
    flags = CURL_CSELECT_ERR;
  else {
    if (events & UV_READABLE)
      flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
      flags |= CURL_CSELECT_OUT;
  }
  curl_multi_socket_action(s->c->multi, s->fd, flags, &running);
  check_done(s->c);
}

static void on_timer(uv_timer_t *t) {
  struct qun_http_client *c = t->data;
  int running;
  curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  check_done(c);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *ud) {
  (void)multi;
  struct qun_http_client *c = ud;
  if (timeout_ms < 0)
    uv_timer_stop(&c->timer);
  else
    uv_timer_start(&c->timer, on_timer, (uint64_t)timeout_ms, 0);
  return 0;
}

/* curl tells what to watch on a socket. The poll handle stays until curl
 * closes the socket (close_socket_cb), so a reused connection needs no new
 * handle: curl forgets its assignment on CURL_POLL_REMOVE, we do not. */
static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *ud, void *sockp) {
  (void)easy;
  struct qun_http_client *c = ud;
  struct sock *s = sockp;
  if (!s && fd >= 0 && (size_t)fd < c->nbyfd)
    s = c->byfd[fd];
  if (what == CURL_POLL_REMOVE) {
    if (s)
      uv_poll_stop(&s->poll);
    return 0;
  }
  if (!s) {
    if ((size_t)fd >= c->nbyfd) {
      size_t n = (size_t)fd * 2 + 16;
      struct sock **b = realloc(c->byfd, n * sizeof *b);
      if (!b)
        return -1;
      memset(b + c->nbyfd, 0, (n - c->nbyfd) * sizeof *b);
      c->byfd = b, c->nbyfd = n;
    }
    if (!(s = calloc(1, sizeof *s)))
      return -1;
    s->c = c, s->fd = fd;
    uv_poll_init_socket(c->loop, &s->poll, fd);
    s->poll.data = s;
    c->byfd[fd] = s;
    c->sockets++;
  }
  curl_multi_assign(c->multi, fd, s);
  int events = (what & CURL_POLL_IN ? UV_READABLE : 0) | (what & CURL_POLL_OUT ? UV_WRITABLE : 0);
  uv_poll_start(&s->poll, events, on_poll);
  return 0;
}

static void sock_closed(uv_handle_t *h) {
  free(h->data);
}

/* curl closes a socket: the handle goes first (libuv must not watch a
 * closed fd), then the socket. */
static int close_socket_cb(void *ud, curl_socket_t fd) {
  struct qun_http_client *c = ud;
  if (fd >= 0 && (size_t)fd < c->nbyfd && c->byfd[fd]) {
    uv_close((uv_handle_t *)&c->byfd[fd]->poll, sock_closed);
    c->byfd[fd] = NULL;
    c->sockets--;
  }
  return close(fd);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  struct xfer *x = ud;
  size_t k = size * n;
  if (x->len + k + 1 > x->cap) {
    size_t cap = (x->len + k + 1) * 2;
    char *b = realloc(x->body, cap);
    if (!b)
      return 0;
    x->body = b, x->cap = cap;
  }
  memcpy(x->body + x->len, p, k);
  x->len += k;
  x->body[x->len] = '\0';
  return k;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
  struct xfer *x = ud;
  size_t k = size * n;
  if (k > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
    size_t i = 12;
    while (i < k && p[i] == ' ')
      i++;
    size_t m = k - i;
    while (m && (p[i + m - 1] == '\r' || p[i + m - 1] == '\n'))
      m--;
    if (m >= sizeof x->retry_after)
      m = sizeof x->retry_after - 1;
    memcpy(x->retry_after, p + i, m);
    x->retry_after[m] = '\0';
  }
  return k;
}

struct qun_http_client *qun_http_client_new(uv_loop_t *loop) {
  struct qun_http_client *c = calloc(1, sizeof *c);
  if (!c || !(c->idle = calloc(IDLE_MAX, sizeof *c->idle)) || !(c->multi = curl_multi_init())) {
    if (c)
      free(c->idle);
    free(c);
    return NULL;
  }
  c->loop = loop;
  uv_timer_init(loop, &c->timer);
  c->timer.data = c;
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
  curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
  /* The cache's default size is 4 × the transfers in progress: between two
   * bursts it shrinks and closes kept-alive connections. Keep them. */
  curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, 512L);
  return c;
}

int qun_http_client_request(struct qun_http_client *c, const struct qun_http_req *req,
                            qun_http_done done, void *ud) {
  if (c->closing)
    return -1;
  struct xfer *x = calloc(1, sizeof *x);
  if (x)
    x->easy = c->nidle ? c->idle[--c->nidle] : curl_easy_init();
  if (!x || !x->easy) {
    free(x);
    return -1;
  }
  x->c = c, x->done = done, x->ud = ud;
  for (const char *const *h = req->headers; h && *h; h++)
    x->headers = curl_slist_append(x->headers, *h);
  x->headers = curl_slist_append(x->headers, "Expect:"); /* no 100-continue round trip */
  CURL *e = x->easy;
  curl_easy_setopt(e, CURLOPT_URL, req->url);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
  if (req->body) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)req->len);
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body);
  }
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(e, CURLOPT_PRIVATE, x);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 10000L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_socket_cb);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, c);
  if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
    curl_easy_cleanup(e);
    curl_slist_free_all(x->headers);
    free(x);
    return -1;
  }
  x->next = c->xfers, x->pprev = &c->xfers;
  if (c->xfers)
    c->xfers->pprev = &x->next;
  c->xfers = x;
  c->active++;
  return 0;
}

int qun_http_client_active(const struct qun_http_client *c) {
  return c->active;
}

int qun_http_client_sockets(const struct qun_http_client *c) {
  return c->sockets;
}

static void timer_closed(uv_handle_t *h) {
  struct qun_http_client *c = h->data;
  free(c->byfd);
  free(c);
}

void qun_http_client_close(struct qun_http_client *c) {
  if (!c || c->closing)
    return;
  c->closing = 1;
  /* Drop what is in flight, then let curl close its connections (each
   * close goes through close_socket_cb and closes its poll handle). */
  while (c->xfers) {
    struct xfer *x = c->xfers;
    curl_multi_remove_handle(c->multi, x->easy);
    unlink_xfer(x);
    free_xfer(x);
  }
  curl_multi_cleanup(c->multi);
  while (c->nidle)
    curl_easy_cleanup(c->idle[--c->nidle]);
  free(c->idle);
  c->idle = NULL;
  for (size_t i = 0; i < c->nbyfd; i++)
    if (c->byfd[i])
      uv_close((uv_handle_t *)&c->byfd[i]->poll, sock_closed);
  uv_close((uv_handle_t *)&c->timer, timer_closed);
}
