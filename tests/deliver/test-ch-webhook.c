/* test-ch-webhook.c — the webhook channel: the exact request for a message
 * and a payout, the signature recomputed with OpenSSL here and against a
 * known answer (from `openssl dgst -sha256 -hmac`), the Idempotency-Key as
 * a safe header value, the URL's query and the secret never shown, and
 * every verdict (409 is sent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "deliver/channel.h"
#include "deliver/http_client.h"
#include "host/config.h"

#define SECRET "s3cret-key"

static struct qun_channel ch = {.name = "hook", .type = "webhook",
                                .url = "https://ops.example/qun?token=t0psecret&v=1", .secret = SECRET};
static struct qun_chan_req req;
static char err[512];

static const struct qun_chan_type *hook(void) { return qun_chan_type("webhook"); }

static int render_c(const struct qun_channel *c, const char *msg, const char *target, const char *member,
                    const char *key) {
  json_error_t je;
  json_t *m = json_loads(msg, 0, &je);
  if (!m)
    fail_msg("bad test JSON %s: %s", msg, je.text);
  struct qun_chan_msg cm = {.msg = m, .target = target, .member = member, .key = key, .now_ms = 1};
  qun_chan_req_free(&req);
  err[0] = '\0';
  int rc = hook()->render(c, &cm, &req, err, sizeof err);
  json_decref(m);
  assert_null(strstr(err, "t0psecret"));
  assert_null(strstr(err, c->secret ? c->secret : "\x01"));
  if (rc == 0) {
    assert_null(strstr(req.shown_url, "t0psecret"));
    for (int i = 0; req.headers[i]; i++)
      assert_null(strstr(req.headers[i], c->secret ? c->secret : "\x01"));
  }
  return rc;
}

/* The signature header for body under secret, computed here with OpenSSL. */
static void signature(const char *secret, const char *body, size_t len, char *out, size_t n) {
  unsigned char mac[32];
  unsigned int maclen = 0;
  HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, mac, &maclen);
  assert_int_equal(maclen, 32);
  size_t k = (size_t)snprintf(out, n, "X-Qun-Signature: sha256=");
  for (unsigned i = 0; i < maclen; i++)
    k += (size_t)snprintf(out + k, n - k, "%02x", mac[i]);
}

static void test_type(void **state) {
  (void)state;
  const struct qun_chan_type *t = hook();
  assert_non_null(t);
  assert_int_equal(t->nrates, 0);
  assert_false(t->per_chat);
  assert_int_equal(t->ok_status, 200);
  assert_string_equal(t->ok_body, "{}");
  assert_null(qun_chan_limit("webhook", "text"));
}

static void test_message(void **state) {
  (void)state;
  assert_int_equal(render_c(&ch, "{\"text\":\"早安\"}", "group:sh-1", NULL, "7/morning@1700000000000#1/group:sh-1"),
                   0);
  const char *body = "{\"id\":\"7/morning@1700000000000#1/group:sh-1\",\"to\":\"group:sh-1\",\"member\":null,"
                     "\"msg\":{\"text\":\"早安\"}}";
  assert_string_equal(req.method, "POST");
  assert_string_equal(req.url, "https://ops.example/qun?token=t0psecret&v=1");
  assert_string_equal(req.shown_url, "https://ops.example/qun?***");
  assert_string_equal(req.body, body);
  assert_int_equal(req.len, strlen(body));
  assert_string_equal(req.headers[0], "Content-Type: application/json");
  assert_string_equal(req.headers[1], "Idempotency-Key: 7/morning@1700000000000#1/group:sh-1");
  /* known answer: printf '%s' BODY | openssl dgst -sha256 -hmac s3cret-key */
  assert_string_equal(req.headers[2],
                      "X-Qun-Signature: sha256=2f0bb49fb5ef5e842fe4db125b5b81d4d228b665ed5707e9885f746b7fa85f04");
  assert_null(req.headers[3]);
  char sig[128];
  signature(SECRET, req.body, req.len, sig, sizeof sig);
  assert_string_equal(req.headers[2], sig);

  /* a member, and the message object exactly as the outbox holds it */
  const char *msg = "{\"markdown\":\"**hi** <x> & \\\"q\\\"\",\"mention\":[\"m1\",\"m2\"],"
                    "\"image\":{\"path\":\"/srv/a.png\"}}";
  assert_int_equal(render_c(&ch, msg, "member:m1", "m1", "7/j@5#2/member:m1"), 0);
  assert_string_equal(req.body, "{\"id\":\"7/j@5#2/member:m1\",\"to\":\"member:m1\",\"member\":\"m1\",\"msg\":"
                                "{\"markdown\":\"**hi** <x> & \\\"q\\\"\",\"mention\":[\"m1\",\"m2\"],"
                                "\"image\":{\"path\":\"/srv/a.png\"}}}");
  signature(SECRET, req.body, req.len, sig, sizeof sig);
  assert_string_equal(req.headers[2], sig);
  /* the body is signed byte for byte: another secret, another signature */
  struct qun_channel other = ch;
  other.secret = "another";
  assert_int_equal(render_c(&other, msg, "member:m1", "m1", "7/j@5#2/member:m1"), 0);
  assert_string_not_equal(req.headers[2], sig);
}

static void test_key_is_a_safe_header(void **state) {
  (void)state;
  assert_int_equal(render_c(&ch, "{\"text\":\"x\"}", "member:张三", "张三", "7/j@1#2/member:张三 a%b\r\nX-Evil: 1"),
                   0);
  assert_string_equal(req.headers[1], "Idempotency-Key: 7/j@1#2/member:%E5%BC%A0%E4%B8%89%20a%25b%0D%0AX-Evil:%201");
  assert_string_equal(req.body, "{\"id\":\"7/j@1#2/member:%E5%BC%A0%E4%B8%89%20a%25b%0D%0AX-Evil:%201\","
                                "\"to\":\"member:张三\",\"member\":\"张三\",\"msg\":{\"text\":\"x\"}}");
  for (int i = 0; req.headers[i]; i++)
    assert_null(strpbrk(req.headers[i], "\r\n"));
  assert_int_equal(render_c(&ch, "{\"text\":\"x\"}", "group:g", NULL, ""), QUN_EINVAL);
  assert_string_equal(err, "webhook: the message has no idempotency key");
}

static void test_no_secret_no_signature(void **state) {
  (void)state;
  struct qun_channel plain = {.name = "plain", .type = "webhook", .url = "http://127.0.0.1:9000/in"};
  assert_int_equal(render_c(&plain, "{\"text\":\"x\"}", "group:g", NULL, "k1"), 0);
  assert_string_equal(req.shown_url, "http://127.0.0.1:9000/in");
  assert_string_equal(req.headers[0], "Content-Type: application/json");
  assert_string_equal(req.headers[1], "Idempotency-Key: k1");
  assert_null(req.headers[2]);
  struct qun_channel cred = {.name = "c", .type = "webhook", .url = "https://u:pw@h.example:8443/p/q?a=1&b=2#f"};
  assert_int_equal(render_c(&cred, "{\"text\":\"x\"}", "group:g", NULL, "k1"), 0);
  assert_string_equal(req.shown_url, "https://***@h.example:8443/p/q?***");
  struct qun_channel frag = {.name = "f", .type = "webhook", .url = "https://h.example/p#frag"};
  assert_int_equal(render_c(&frag, "{\"text\":\"x\"}", "group:g", NULL, "k1"), 0);
  assert_string_equal(req.shown_url, "https://h.example/p");
}

static void test_payout(void **state) {
  (void)state;
  struct qun_channel pay = {.name = "pay", .type = "webhook", .url = "https://shop.example/payout",
                            .secret = "pay-s3cret"};
  const char *body = "{\"id\":\"7/payout#3/payout:p1\",\"type\":\"payout\",\"packet\":\"p1\",\"claim\":3,"
                     "\"member\":\"m1\",\"fen\":1288,\"billno\":\"P1C3X7Q2\"}";
  assert_int_equal(render_c(&pay, "{\"payout\":{\"packet\":\"p1\",\"claim\":3,\"member\":\"m1\",\"fen\":1288,"
                                  "\"billno\":\"P1C3X7Q2\"}}",
                            "payout:p1", "m1", "7/payout#3/payout:p1"),
                   0);
  assert_string_equal(req.body, body);
  assert_string_equal(req.shown_url, "https://shop.example/payout");
  assert_string_equal(req.headers[1], "Idempotency-Key: 7/payout#3/payout:p1");
  assert_string_equal(req.headers[2],
                      "X-Qun-Signature: sha256=c3fea924f971b97c337954aada0b6f25cbdca9064d0d51539f2d66dded6d9777");
  /* the member from the message when the payout has none; a claim id may be a string */
  assert_int_equal(render_c(&pay, "{\"payout\":{\"packet\":\"p1\",\"claim\":\"c-9\",\"fen\":1,"
                                  "\"billno\":\"1234567890123456789012345678\"}}",
                            "payout:p1", "m7", "k"),
                   0);
  assert_string_equal(req.body, "{\"id\":\"k\",\"type\":\"payout\",\"packet\":\"p1\",\"claim\":\"c-9\","
                                "\"member\":\"m7\",\"fen\":1,\"billno\":\"1234567890123456789012345678\"}");
  static const struct {
    const char *msg, *why;
  } bad[] = {
      {"{\"payout\":{\"claim\":3,\"member\":\"m1\",\"fen\":1,\"billno\":\"B1\"}}",
       "webhook: the payout is not {packet, claim, member, fen, billno}"},
      {"{\"payout\":{\"packet\":\"p1\",\"claim\":3.5,\"member\":\"m1\",\"fen\":1,\"billno\":\"B1\"}}",
       "webhook: the payout is not {packet, claim, member, fen, billno}"},
      {"{\"payout\":{\"packet\":\"p1\",\"claim\":3,\"member\":\"m1\",\"fen\":0,\"billno\":\"B1\"}}",
       "webhook: the payout's fen is not a whole number of fen of at least 1"},
      {"{\"payout\":{\"packet\":\"p1\",\"claim\":3,\"member\":\"m1\",\"fen\":\"12.88\",\"billno\":\"B1\"}}",
       "webhook: the payout's fen is not a whole number of fen of at least 1"},
      {"{\"payout\":{\"packet\":\"p1\",\"claim\":3,\"member\":\"m1\",\"fen\":1,\"billno\":\"B-1\"}}",
       "webhook: the payout's billno is not 1 to 28 letters and digits"},
      {"{\"payout\":{\"packet\":\"p1\",\"claim\":3,\"member\":\"m1\",\"fen\":1,"
       "\"billno\":\"12345678901234567890123456789\"}}",
       "webhook: the payout's billno is not 1 to 28 letters and digits"},
      {"{\"payout\":{\"packet\":\"p1\",\"claim\":3,\"member\":\"m1\",\"fen\":1}}",
       "webhook: the payout's billno is not 1 to 28 letters and digits"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(render_c(&pay, bad[i].msg, "payout:p1", "m1", "k"), QUN_EINVAL);
    assert_string_equal(err, bad[i].why);
  }
  struct qun_channel unsigned_pay = {.name = "pay2", .type = "webhook", .url = "https://shop.example/payout"};
  assert_int_equal(render_c(&unsigned_pay, "{\"payout\":{\"packet\":\"p1\",\"claim\":3,\"member\":\"m1\","
                                           "\"fen\":1,\"billno\":\"B1\"}}",
                            "payout:p1", "m1", "k"),
                   QUN_EINVAL);
  assert_string_equal(err, "webhook: channel 'pay2' carries a payout but has no secret: payouts are signed "
                           "(secret = env(\"...\"))");
}

static struct qun_chan_result answer(long status, const char *body, const char *retry_after, int error) {
  struct qun_http_res res = {.error = error, .error_text = error ? "Timeout was reached" : NULL,
                             .status = status, .body = body, .len = body ? strlen(body) : 0,
                             .retry_after = retry_after};
  struct qun_chan_result out;
  memset(&out, 0x5a, sizeof out);
  hook()->read(&ch, &res, &out);
  assert_null(strstr(out.reason, "t0psecret"));
  assert_null(strstr(out.reason, SECRET));
  return out;
}

static void test_verdicts(void **state) {
  (void)state;
  static const long sent[] = {200, 201, 202, 204, 409};
  for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++)
    assert_int_equal(answer(sent[i], "whatever, not JSON", NULL, 0).verdict, QUN_CHAN_SENT);
  struct qun_chan_result r = answer(409, "{\"error\":\"duplicate\"}", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_SENT);
  assert_string_equal(r.reason, "");
  r = answer(429, "", "12", 0);
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_true(r.throttled);
  assert_int_equal(r.retry_after_ms, 12000);
  r = answer(503, "<html>down</html>", "Wed, 21 Oct 2015 07:28:00 GMT", 0); /* a date in the past: now */
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_false(r.throttled);
  assert_int_equal(r.retry_after_ms, 0);
  r = answer(500, NULL, NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_string_equal(r.reason, "webhook: HTTP 500");
  r = answer(408, NULL, NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  r = answer(0, NULL, NULL, 28);
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_string_equal(r.reason, "webhook: Timeout was reached");
  r = answer(400, "bad signature\nmore", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  assert_string_equal(r.reason, "webhook: HTTP 400 bad signature");
  r = answer(404, NULL, NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  r = answer(410, "gone", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  r = answer(301, "moved", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  /* a receiver that echoes what it got: the query token and the secret are hidden */
  r = answer(401, "bad token t0psecret for key " SECRET, NULL, 0);
  assert_string_equal(r.reason, "webhook: HTTP 401 bad token *** for key ***");
  r = answer(401, "v=1 rejected: token=t0psecret&v=1", NULL, 0); /* short values stay */
  assert_string_equal(r.reason, "webhook: HTTP 401 v=1 rejected: ***");
}

/* qun_chan_scrub: every occurrence, short secrets, and a reason cut in the
 * middle of a secret. */
static void test_scrub(void **state) {
  (void)state;
  char buf[64] = "a SECRET b SECRET";
  qun_chan_scrub(buf, sizeof buf, "SECRET");
  assert_string_equal(buf, "a *** b ***");
  char small[8] = "ab:ab:a";
  qun_chan_scrub(small, sizeof small, "ab");
  assert_string_equal(small, "***:***");
  char cut[16] = "token=ABCDEFGHI"; /* a reason cut in the middle of the token */
  qun_chan_scrub(cut, sizeof cut, "ABCDEFGHIJKLMNOP");
  assert_string_equal(cut, "token=***");
  char none[16] = "nothing";
  qun_chan_scrub(none, sizeof none, "SECRET");
  qun_chan_scrub(none, sizeof none, NULL);
  qun_chan_scrub(none, sizeof none, "");
  assert_string_equal(none, "nothing");
}

static int teardown(void **state) {
  (void)state;
  qun_chan_req_free(&req);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_type),         cmocka_unit_test(test_message),
      cmocka_unit_test(test_key_is_a_safe_header), cmocka_unit_test(test_no_secret_no_signature),
      cmocka_unit_test(test_payout),       cmocka_unit_test(test_verdicts),
      cmocka_unit_test(test_scrub),
  };
  return cmocka_run_group_tests(tests, NULL, teardown);
}
