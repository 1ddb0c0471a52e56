/* test-http-client.c — the curl-multi client on libuv against a local
 * server (libmicrohttpd in its own thread): many concurrent requests over
 * a few kept-alive connections, one poll handle per socket, exact request
 * bytes, Retry-After, timeouts, refused connections, and a clean close. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "deliver/http_client.h"

static struct MHD_Daemon *server;
static int port, connections;
static char base[64];

struct req_state {
  char body[1024];
  size_t len;
};

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload, size_t *upload_size, void **con_cls) {
  (void)cls, (void)version;
  struct req_state *st = *con_cls;
  if (!st) {
    *con_cls = calloc(1, sizeof *st);
    return MHD_YES;
  }
  if (*upload_size) {
    size_t k = *upload_size < sizeof st->body - st->len - 1 ? *upload_size : sizeof st->body - st->len - 1;
    memcpy(st->body + st->len, upload, k);
    st->len += k;
    *upload_size = 0;
    return MHD_YES;
  }
  char out[2048];
  unsigned code = 200;
  const char *extra = NULL;
  if (strcmp(url, "/echo") == 0) {
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Test");
    snprintf(out, sizeof out, "%s %s|%s", method, h ? h : "-", st->body);
  } else if (strcmp(url, "/retry") == 0) {
    code = 429, extra = "7";
    snprintf(out, sizeof out, "slow down");
  } else if (strcmp(url, "/slow") == 0) {
    usleep(1500000);
    snprintf(out, sizeof out, "late");
  } else {
    snprintf(out, sizeof out, "hello");
  }
  struct MHD_Response *r = MHD_create_response_from_buffer(strlen(out), out, MHD_RESPMEM_MUST_COPY);
  if (extra)
    MHD_add_response_header(r, "Retry-After", extra);
  enum MHD_Result rc = MHD_queue_response(c, code, r);
  MHD_destroy_response(r);
  return rc;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t) {
  (void)cls, (void)c, (void)t;
  free(*con_cls);
  *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
  (void)cls, (void)c, (void)socket_context;
  if (code == MHD_CONNECTION_NOTIFY_STARTED)
    __atomic_add_fetch(&connections, 1, __ATOMIC_SEQ_CST);
}

struct result {
  int calls, error;
  long status;
  char body[256], retry_after[16];
};

static void done(void *ud, const struct qun_http_res *res) {
  struct result *r = ud;
  r->calls++;
  r->error = res->error;
  r->status = res->status;
  snprintf(r->body, sizeof r->body, "%s", res->body);
  snprintf(r->retry_after, sizeof r->retry_after, "%s", res->retry_after ? res->retry_after : "");
}

static void closed_walk(uv_handle_t *h, void *arg) {
  (void)h;
  (*(int *)arg)++;
}

static void run_and_close(uv_loop_t *loop, struct qun_http_client *c) {
  uv_run(loop, UV_RUN_DEFAULT);
  qun_http_client_close(c);
  uv_run(loop, UV_RUN_DEFAULT);
  int left = 0;
  uv_walk(loop, closed_walk, &left);
  assert_int_equal(left, 0);
  assert_int_equal(uv_loop_close(loop), 0);
}

static void test_many_requests_few_connections(void **s) {
  (void)s;
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct qun_http_client *c = qun_http_client_new(&loop);
  enum { N = 300 };
  static struct result res[N];
  char url[128];
  snprintf(url, sizeof url, "%s/ok", base);
  int before = connections;
  for (int i = 0; i < N; i++) {
    struct qun_http_req rq = {.method = "GET", .url = url};
    assert_int_equal(qun_http_client_request(c, &rq, done, &res[i]), 0);
  }
  assert_int_equal(qun_http_client_active(c), N);
  /* Run until everything is answered (the kept-alive sockets keep the loop alive). */
  while (qun_http_client_active(c))
    uv_run(&loop, UV_RUN_ONCE);
  for (int i = 0; i < N; i++) {
    assert_int_equal(res[i].calls, 1);
    assert_int_equal(res[i].error, 0);
    assert_int_equal(res[i].status, 200);
    assert_string_equal(res[i].body, "hello");
  }
  int used = connections - before;
  assert_true(used <= 64);                        /* connections are reused */
  assert_true(qun_http_client_sockets(c) <= used); /* one poll handle per socket */
  /* A second wave reuses the open connections. */
  for (int i = 0; i < N; i++) {
    struct qun_http_req rq = {.method = "GET", .url = url};
    res[i].calls = 0;
    qun_http_client_request(c, &rq, done, &res[i]);
  }
  while (qun_http_client_active(c))
    uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(connections - before, used);
  run_and_close(&loop, c);
}

static void test_exact_request_and_errors(void **s) {
  (void)s;
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct qun_http_client *c = qun_http_client_new(&loop);
  struct result echo = {0}, retry = {0}, slow = {0}, refused = {0};
  char u1[128], u2[128], u3[128];
  snprintf(u1, sizeof u1, "%s/echo", base);
  snprintf(u2, sizeof u2, "%s/retry", base);
  snprintf(u3, sizeof u3, "%s/slow", base);
  const char *const headers[] = {"X-Test: 你好", "Content-Type: application/json", NULL};
  struct qun_http_req r1 = {.method = "POST", .url = u1, .headers = headers,
                            .body = "{\"text\":\"早安\"}", .len = strlen("{\"text\":\"早安\"}")};
  struct qun_http_req r2 = {.method = "POST", .url = u2, .body = "x", .len = 1};
  struct qun_http_req r3 = {.method = "GET", .url = u3, .timeout_ms = 300};
  struct qun_http_req r4 = {.method = "GET", .url = "http://127.0.0.1:1/none"};
  qun_http_client_request(c, &r1, done, &echo);
  qun_http_client_request(c, &r2, done, &retry);
  qun_http_client_request(c, &r3, done, &slow);
  qun_http_client_request(c, &r4, done, &refused);
  while (qun_http_client_active(c))
    uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(echo.status, 200);
  assert_string_equal(echo.body, "POST 你好|{\"text\":\"早安\"}");
  assert_int_equal(retry.status, 429);
  assert_string_equal(retry.retry_after, "7");
  assert_int_equal(slow.error, CURLE_OPERATION_TIMEDOUT);
  assert_int_equal(refused.error, CURLE_COULDNT_CONNECT);
  assert_int_equal(refused.status, 0);
  run_and_close(&loop, c);
}

static void test_close_with_requests_in_flight(void **s) {
  (void)s;
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct qun_http_client *c = qun_http_client_new(&loop);
  struct result r = {0};
  char url[128];
  snprintf(url, sizeof url, "%s/slow", base);
  struct qun_http_req rq = {.method = "GET", .url = url};
  qun_http_client_request(c, &rq, done, &r);
  uv_run(&loop, UV_RUN_NOWAIT);
  qun_http_client_close(c); /* its done is never called */
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(r.calls, 0);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static int setup(void **s) {
  (void)s;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  srand((unsigned)getpid());
  for (int tries = 0; tries < 20 && !server; tries++) {
    port = 30000 + rand() % 20000;
    server = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, (uint16_t)port,
                              NULL, NULL, handler, NULL, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                              MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_END);
  }
  snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
  return server ? 0 : -1;
}

static int teardown(void **s) {
  (void)s;
  MHD_stop_daemon(server);
  curl_global_cleanup();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_many_requests_few_connections),
      cmocka_unit_test(test_exact_request_and_errors),
      cmocka_unit_test(test_close_with_requests_in_flight),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
