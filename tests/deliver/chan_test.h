/* chan_test.h — helpers for the channel tests (test-ch-*.c): render a
 * message given as JSON text and compare the exact request; read a made-up
 * answer; sign independently of channel.c with OpenSSL directly. Include
 * after <cmocka.h>. */
#ifndef QUN_CHAN_TEST_H
#define QUN_CHAN_TEST_H

#include "deliver/channel.h"
#include "deliver/http_client.h"
#include "host/config.h"
#include "core/err.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNUSED __attribute__((unused))

struct rendered {
  int rc;
  struct qun_chan_req req;
  char err[512];
};

static struct rendered last_render;

/* Renders the message `msg` (JSON text) on channel c of type t at now_ms.
 * The result lives until the next render (or t_release). */
static UNUSED struct rendered *render_at(const struct qun_chan_type *t, const struct qun_channel *c,
                                         const char *msg, int64_t now_ms) {
  struct rendered *r = &last_render;
  qun_chan_req_free(&r->req);
  memset(r, 0, sizeof *r);
  json_error_t e;
  json_t *m = json_loads(msg, 0, &e);
  if (!m)
    fail_msg("bad test message %s: %s", msg, e.text);
  struct qun_chan_msg cm = {.msg = m, .target = "group:g1", .key = "k1", .now_ms = now_ms};
  r->rc = t->render(c, &cm, &r->req, r->err, sizeof r->err);
  json_decref(m);
  return r;
}

static UNUSED struct rendered *render(const struct qun_chan_type *t, const struct qun_channel *c, const char *msg) {
  return render_at(t, c, msg, 1700000000123);
}

/* A cmocka teardown: frees the last render, so the leak checker sees none. */
static UNUSED int t_release(void **state) {
  (void)state;
  qun_chan_req_free(&last_render.req);
  return 0;
}

static UNUSED void expect_request(const struct rendered *r, const char *url, const char *shown, const char *body) {
  if (r->rc != 0)
    fail_msg("render failed (%d): %s", r->rc, r->err);
  assert_string_equal(r->req.method, "POST");
  assert_string_equal(r->req.url, url);
  assert_string_equal(r->req.shown_url, shown);
  assert_non_null(r->req.headers[0]);
  assert_string_equal(r->req.headers[0], "Content-Type: application/json");
  assert_null(r->req.headers[1]);
  assert_string_equal(r->req.body, body);
  assert_int_equal(r->req.len, strlen(body));
}

static UNUSED void expect_error(const struct rendered *r, int rc, const char *err) {
  assert_int_equal(r->rc, rc);
  assert_string_equal(r->err, err);
  assert_null(r->req.url);
  assert_null(r->req.body);
}

/* What a read makes of an answer (status 0 with error: a transport failure). */
static UNUSED struct qun_chan_result read_answer(const struct qun_chan_type *t, const struct qun_channel *c,
                                                 long status, const char *body) {
  struct qun_http_res res = {.status = status, .body = body, .len = body ? strlen(body) : 0};
  if (status == 0)
    res.error = 28, res.error_text = "Timeout was reached";
  struct qun_chan_result out;
  memset(&out, 0x5a, sizeof out); /* read must set every field */
  t->read(c, &res, &out);
  return out;
}

static UNUSED void expect_verdict(const struct qun_chan_result *r, enum qun_chan_verdict v, int throttled,
                                  int64_t retry_after_ms, const char *reason) {
  assert_int_equal(r->verdict, v);
  if (v != QUN_CHAN_SENT) {
    assert_int_equal(r->throttled, throttled);
    assert_int_equal(r->retry_after_ms, retry_after_ms);
    assert_string_equal(r->reason, reason);
  }
}

/* ---- independent of channel.c ---- */

static UNUSED void t_base64(const unsigned char *p, size_t n, char *out) {
  EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

static UNUSED void t_hmac_b64(const void *key, size_t klen, const void *msg, size_t mlen, char out[64]) {
  unsigned char mac[32];
  unsigned int n = 0;
  static const unsigned char empty;
  HMAC(EVP_sha256(), key, (int)klen, mlen ? msg : &empty, mlen, mac, &n);
  assert_int_equal(n, 32);
  t_base64(mac, 32, out);
}

/* RFC 3986: everything but unreserved characters as %XX. */
static UNUSED void t_percent(const char *s, char *out) {
  static const char hex[] = "0123456789ABCDEF";
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
      *out++ = (char)ch;
    } else {
      *out++ = '%', *out++ = hex[ch >> 4], *out++ = hex[ch & 15];
    }
  }
  *out = '\0';
}

/* A string of n bytes made of `unit` repeated, then 'x' to fill. malloc'd. */
static UNUSED char *t_filled(const char *unit, size_t n) {
  char *s = malloc(n + 1);
  size_t u = strlen(unit), i = 0;
  for (; i + u <= n; i += u)
    memcpy(s + i, unit, u);
  memset(s + i, 'x', n - i);
  s[n] = '\0';
  return s;
}

/* {"<kind>": s} as JSON text (s escaped by jansson). malloc'd. */
static UNUSED char *t_msg(const char *kind, const char *s, const char *extra_key, const char *extra_json) {
  json_t *o = json_pack("{s:s}", kind, s);
  if (extra_key)
    json_object_set_new(o, extra_key, json_loads(extra_json, JSON_DECODE_ANY, NULL));
  char *out = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  return out;
}

/* Writes n bytes (head first, then zeros) to a new temporary file. */
static UNUSED void t_tmpfile(char *path, size_t size, const void *head, size_t hlen, size_t n) {
  snprintf(path, size, "/tmp/qun-ch-test-XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "wb");
  fwrite(head, 1, hlen < n ? hlen : n, f);
  for (size_t i = hlen; i < n; i++)
    fputc(0, f);
  fclose(f);
}

/* The fixture's path: $QUN_SRC/tests/deliver/data/NAME. */
static UNUSED const char *t_data(const char *name) {
  static char path[1024];
  const char *src = getenv("QUN_SRC");
  snprintf(path, sizeof path, "%s/tests/deliver/data/%s", src ? src : ".", name);
  return path;
}

/* No credential anywhere in what the last render or read let out. */
static UNUSED void expect_hidden(const char *text, const char *const *secrets) {
  for (; *secrets; secrets++)
    if (text && strstr(text, *secrets))
      fail_msg("credential \"%s\" shown in: %s", *secrets, text);
}

#endif
