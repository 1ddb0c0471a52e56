/* http_client.h — HTTP requests on the libuv loop with libcurl's multi
 * interface (the bridge of curl's multi-uv example, with one poll handle
 * kept per socket for the socket's whole life rather than one per
 * request: ~4 system calls per request instead of ~11). Connections are
 * reused (keep-alive); each request has a total timeout. The channels of
 * the delivery worker send through this.
 * Uses: libcurl, libuv. */
#ifndef QUN_HTTP_CLIENT_H
#define QUN_HTTP_CLIENT_H

#include <stddef.h>

typedef struct uv_loop_s uv_loop_t;
struct qun_http_client;

struct qun_http_req {
  const char *method;            /* "POST", "GET" */
  const char *url;
  const char *const *headers;    /* "Name: value", NULL-terminated, or NULL */
  const char *body;              /* may be NULL */
  size_t len;
  long timeout_ms;               /* total; 0 = 10 s */
};

struct qun_http_res {
  int error;                     /* 0, or a CURLcode (timeout, refused, ...) */
  const char *error_text;        /* curl's words for it */
  long status;                   /* HTTP status, 0 if none */
  const char *body;              /* the response body (NUL-terminated) */
  size_t len;
  const char *retry_after;       /* the Retry-After header, or NULL */
};

typedef void (*qun_http_done)(void *ud, const struct qun_http_res *res);

struct qun_http_client *qun_http_client_new(uv_loop_t *loop);
/* Starts a request; done is called once, from the loop. 0 or -1. */
int qun_http_client_request(struct qun_http_client *c, const struct qun_http_req *req,
                            qun_http_done done, void *ud);
/* Requests in flight. */
int qun_http_client_active(const struct qun_http_client *c);
/* Sockets with a poll handle now (for tests: at most one per connection). */
int qun_http_client_sockets(const struct qun_http_client *c);
/* Cancels what is in flight (their done is not called) and frees the
 * client once its handles are closed. */
void qun_http_client_close(struct qun_http_client *c);

#endif
