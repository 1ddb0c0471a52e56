/* test-ch-slack.c — the slack channel: for each kind of message the exact
 * request (URL, shown URL, headers, body bytes), the limits at their
 * boundary, every verdict, and the webhook URL (the credential) never in
 * the shown URL, an error or a reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "deliver/channel.h"
#include "deliver/http_client.h"
#include "host/config.h"

#define URL "https://hooks.slack.com/services/T0SECRET/B0SECRET/XyZsEcReTtOkEn"

static struct qun_channel ch = {.name = "slk", .type = "slack", .url = URL};
static struct qun_chan_req req;
static char err[512];

static const struct qun_chan_type *slack(void) { return qun_chan_type("slack"); }

/* Renders the message (JSON text) to group:g1. */
static int render(const char *msg) {
  json_error_t je;
  json_t *m = json_loads(msg, 0, &je);
  if (!m)
    fail_msg("bad test JSON %s: %s", msg, je.text);
  struct qun_chan_msg cm = {.msg = m, .target = "group:g1", .key = "1/job@0#1/group:g1", .now_ms = 0};
  qun_chan_req_free(&req);
  err[0] = '\0';
  int rc = slack()->render(&ch, &cm, &req, err, sizeof err);
  json_decref(m);
  if (rc < 0) {
    assert_null(strstr(err, "SECRET"));
    assert_null(strstr(err, "sEcReT"));
  }
  return rc;
}

static void expect(const char *msg, const char *body) {
  int rc = render(msg);
  if (rc < 0)
    fail_msg("render %s: %s", msg, err);
  assert_string_equal(req.method, "POST");
  assert_string_equal(req.url, URL);
  assert_string_equal(req.shown_url, "https://hooks.slack.com/***");
  assert_string_equal(req.headers[0], "Content-Type: application/json");
  assert_null(req.headers[1]);
  assert_string_equal(req.body, body);
  assert_int_equal(req.len, strlen(body));
}

static void refuse(const char *msg, int code, const char *why) {
  assert_int_equal(render(msg), code);
  assert_string_equal(err, why);
  assert_null(req.body);
}

static void test_type(void **state) {
  (void)state;
  const struct qun_chan_type *t = slack();
  assert_non_null(t);
  assert_int_equal(t->nrates, 1);
  assert_int_equal(t->rates[0].n, 1);
  assert_int_equal(t->rates[0].per_ms, 1000);
  assert_false(t->per_chat);
  assert_int_equal(t->ok_status, 200);
  assert_string_equal(t->ok_body, "ok");
  assert_int_equal(qun_chan_limit("slack", "text")->max, 40000);
  assert_string_equal(qun_chan_limit("slack", "text")->unit, "characters");
  assert_int_equal(qun_chan_limit("slack", "markdown")->max, 40000);
  assert_null(qun_chan_limit("slack", "image"));
  assert_null(qun_chan_limit("nosuch", "text"));
}

static void test_text(void **state) {
  (void)state;
  expect("{\"text\":\"早安 <b>&'x' *not bold*\"}", "{\"text\":\"早安 &lt;b&gt;&amp;'x' *not bold*\"}");
  expect("{\"text\":\"line1\\nline2\\t\\\"q\\\"\"}", "{\"text\":\"line1\\nline2\\t\\\"q\\\"\"}");
  expect("{\"text\":\"hi\",\"mention\":[\"U012AB3CD\",\"W0BB\",\"张三\",\"<!here>\"]}",
         "{\"text\":\"<@U012AB3CD> <@W0BB> @张三 @&lt;!here&gt; hi\"}");
  expect("{\"text\":\"hi\",\"mention\":\"all\"}", "{\"text\":\"<!channel> hi\"}");
  refuse("{\"text\":\"hi\",\"mention\":\"everyone\"}", QUN_EINVAL,
         "slack: mention is \"all\" or a list of member ids");
  refuse("{\"text\":\"hi\",\"mention\":[1]}", QUN_EINVAL, "slack: mention is \"all\" or a list of member ids");
  refuse("{\"text\":\"\"}", QUN_EINVAL, "slack: the text is empty");
  refuse("{\"text\":5}", QUN_EINVAL, "slack: text is not a string");
}

static void test_markdown(void **state) {
  (void)state;
  expect("{\"markdown\":\"# 标题 **b**\\n**粗体** and *斜* ~~删~~ `a<b` [链接](https://x.example/?a=1&b=2|3)\\n"
         "> 引用\\n- 项目\\n```\\ncode & <x>\\n*y*\\n```\\n<font color=\\\"info\\\">绿</font>\"}",
         "{\"text\":\"*标题 b*\\n*粗体* and _斜_ ~删~ `a&lt;b` <https://x.example/?a=1&amp;b=2%7C3|链接>\\n"
         ">引用\\n• 项目\\n```code &amp; &lt;x&gt;\\n*y*```\\n绿\"}");
  /* a link's text shows unformatted on Slack: the marks inside are dropped */
  expect("{\"markdown\":\"[**b** `c` <x>](https://u.example/a>b)\"}",
         "{\"text\":\"<https://u.example/a&gt;b|b c &lt;x&gt;>\"}");
  expect("{\"markdown\":\"**重点**\",\"mention\":[\"U1\"]}", "{\"text\":\"<@U1> *重点*\"}");
  refuse("{\"markdown\":\"\"}", QUN_EINVAL, "slack: the markdown is empty");
}

static void test_link_news(void **state) {
  (void)state;
  expect("{\"link\":{\"title\":\"新品 <上市>\",\"description\":\"第二行 & more\","
         "\"url\":\"https://shop.example/p?id=1&s=2\",\"picture\":\"https://img.example/a.png\"}}",
         "{\"text\":\"<https://shop.example/p?id=1&amp;s=2|新品 &lt;上市&gt;>\",\"blocks\":[{\"type\":\"section\","
         "\"text\":{\"type\":\"mrkdwn\",\"text\":\"*<https://shop.example/p?id=1&amp;s=2|新品 &lt;上市&gt;>*\\n"
         "第二行 &amp; more\"},\"accessory\":{\"type\":\"image\",\"image_url\":\"https://img.example/a.png\","
         "\"alt_text\":\"新品 <上市>\"}}]}");
  expect("{\"news\":[{\"title\":\"A\",\"url\":\"https://a.example/\"},{\"url\":\"https://b.example/x|y\","
         "\"description\":\"B\"}]}",
         "{\"text\":\"<https://a.example/|A>\\n<https://b.example/x%7Cy|https://b.example/x|y>\",\"blocks\":["
         "{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"*<https://a.example/|A>*\"}},"
         "{\"type\":\"divider\"},"
         "{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"*<https://b.example/x%7Cy|https://b.example/x|y>*"
         "\\nB\"}}]}");
  refuse("{\"link\":{\"title\":\"x\"}}", QUN_EINVAL, "slack: the link has no url");
  refuse("{\"link\":\"https://x\"}", QUN_EINVAL,
         "slack: the link is not a table of title, description, url, picture");
  refuse("{\"link\":{\"url\":\"https://x\",\"title\":7}}", QUN_EINVAL,
         "slack: the link: title, description, url and picture are strings");
  refuse("{\"news\":[]}", QUN_EINVAL, "slack: news is a list of 1 to 8 cards (it has 0)");
  refuse("{\"news\":[{\"url\":\"u\"},{\"url\":\"u\"},{\"url\":\"u\"},{\"url\":\"u\"},{\"url\":\"u\"},"
         "{\"url\":\"u\"},{\"url\":\"u\"},{\"url\":\"u\"},{\"url\":\"u\"}]}",
         QUN_EINVAL, "slack: news is a list of 1 to 8 cards (it has 9)");
  refuse("{\"news\":[{\"url\":\"u\"},{\"title\":\"t\"}]}", QUN_EINVAL, "slack: news card 2 has no url");
}

static void test_image_redpacket_payout(void **state) {
  (void)state;
  expect("{\"image\":{\"url\":\"https://img.example/a.png\"}}",
         "{\"text\":\"image\",\"blocks\":[{\"type\":\"image\",\"image_url\":\"https://img.example/a.png\","
         "\"alt_text\":\"image\"}]}");
  refuse("{\"image\":{\"path\":\"/tmp/a.png\"}}", QUN_EINVAL,
         "slack: an incoming webhook cannot upload a file (image.path); give the image as { url = \"https://...\" }");
  refuse("{\"image\":{}}", QUN_EINVAL, "slack: image is { url = \"https://...\" }");
  expect("{\"redpacket\":{\"id\":\"p1\",\"total\":\"88.88\",\"count\":10,\"note\":\"周末<快乐>\","
         "\"url\":\"https://shop.example/rp/p1?a=1&b=2\",\"expires\":\"2026-11-29T20:00:00+08:00\"}}",
         "{\"text\":\"🧧 周末&lt;快乐&gt;\\n88.88 元 · 10 个\\n<https://shop.example/rp/p1?a=1&amp;b=2|抢红包>\"}");
  expect("{\"redpacket\":{\"id\":\"p1\",\"url\":\"https://shop.example/rp/p1\"}}",
         "{\"text\":\"🧧 恭喜发财,大吉大利\\n<https://shop.example/rp/p1|抢红包>\"}");
  refuse("{\"redpacket\":{\"id\":\"p1\"}}", QUN_EINVAL,
         "slack: the red packet has no claim url (set redpacket.claim_url in the team config)");
  refuse("{\"payout\":{\"packet\":\"p1\",\"claim\":1,\"member\":\"m\",\"fen\":1,\"billno\":\"b\"}}", QUN_EINVAL,
         "slack: a payout goes to a webhook channel (payout_channel), not to slack");
  refuse("{\"mention\":\"all\"}", QUN_EINVAL,
         "slack: nothing to send (no text, markdown, image, link, news or redpacket)");
}

static char *repeat(const char *unit, size_t n, const char *prefix, const char *suffix) {
  size_t k = strlen(unit), p = strlen(prefix), s = strlen(suffix);
  char *out = malloc(p + k * n + s + 1);
  memcpy(out, prefix, p);
  for (size_t i = 0; i < n; i++)
    memcpy(out + p + i * k, unit, k);
  memcpy(out + p + k * n, suffix, s + 1);
  return out;
}

static void test_limits(void **state) {
  (void)state;
  /* 40 000 characters go (CJK: 120 000 bytes), 40 001 are refused */
  char *m = repeat("字", 40000, "{\"text\":\"", "\"}");
  assert_int_equal(render(m), 0);
  assert_int_equal(req.len, strlen("{\"text\":\"\"}") + 120000);
  free(m);
  m = repeat("a", 40001, "{\"text\":\"", "\"}");
  assert_int_equal(render(m), QUN_ELIMIT);
  assert_string_equal(err, "slack: the text is 40001 characters; Slack takes at most 40000 (shorten it or split it)");
  free(m);
  /* counted as sent: each & is &amp; (5 characters) */
  m = repeat("&", 8000, "{\"text\":\"", "\"}");
  assert_int_equal(render(m), 0);
  free(m);
  m = repeat("&", 8001, "{\"text\":\"", "\"}");
  assert_int_equal(render(m), QUN_ELIMIT);
  assert_string_equal(err, "slack: the text is 40005 characters; Slack takes at most 40000 (shorten it or split it)");
  free(m);
  /* mentions count too */
  m = repeat("a", 39994, "{\"mention\":[\"U1\"],\"text\":\"", "\"}");
  assert_int_equal(render(m), 0); /* "<@U1> " is 6 */
  free(m);
  m = repeat("a", 39995, "{\"mention\":[\"U1\"],\"text\":\"", "\"}");
  assert_int_equal(render(m), QUN_ELIMIT);
  free(m);
  /* a section's text: 3 000 ("*<u|t>*\n" is 8 with url "u" and title "t") */
  m = repeat("d", 2992, "{\"link\":{\"url\":\"u\",\"title\":\"t\",\"description\":\"", "\"}}");
  assert_int_equal(render(m), 0);
  free(m);
  m = repeat("d", 2993, "{\"link\":{\"url\":\"u\",\"title\":\"t\",\"description\":\"", "\"}}");
  assert_int_equal(render(m), QUN_ELIMIT);
  assert_string_equal(err, "slack: the link's text is 3001 characters; Slack takes at most 3000 (shorten it or split it)");
  free(m);
  m = repeat("d", 2993, "{\"news\":[{\"url\":\"u\"},{\"url\":\"u\",\"title\":\"t\",\"description\":\"", "\"}]}");
  assert_int_equal(render(m), QUN_ELIMIT);
  assert_string_equal(err, "slack: news card 2's text is 3001 characters; Slack takes at most 3000 (shorten it or split it)");
  free(m);
  /* image URLs: 3 000 */
  m = repeat("x", 3000 - strlen("https://i/"), "{\"image\":{\"url\":\"https://i/", "\"}}");
  assert_int_equal(render(m), 0);
  free(m);
  m = repeat("x", 3001 - strlen("https://i/"), "{\"image\":{\"url\":\"https://i/", "\"}}");
  assert_int_equal(render(m), QUN_ELIMIT);
  assert_string_equal(err, "slack: the image URL is 3001 characters; Slack takes at most 3000 (shorten it or split it)");
  free(m);
}

static void test_shown_url(void **state) {
  (void)state;
  struct qun_channel c2 = {.name = "s2", .type = "slack", .url = "http://user:pw@127.0.0.1:8081/hook/SECRET?x=1"};
  json_t *m = json_pack("{s:s}", "text", "hi");
  struct qun_chan_msg cm = {.msg = m, .target = "group:g1", .key = "k"};
  qun_chan_req_free(&req);
  assert_int_equal(slack()->render(&c2, &cm, &req, err, sizeof err), 0);
  assert_string_equal(req.url, "http://user:pw@127.0.0.1:8081/hook/SECRET?x=1");
  assert_string_equal(req.shown_url, "http://127.0.0.1:8081/***");
  json_decref(m);
  struct qun_channel none = {.name = "s3", .type = "slack"};
  m = json_pack("{s:s}", "text", "hi");
  cm.msg = m;
  qun_chan_req_free(&req);
  assert_int_equal(slack()->render(&none, &cm, &req, err, sizeof err), QUN_EINVAL);
  assert_string_equal(err, "slack: channel 's3' has no url (url = env(\"SLACK_WEBHOOK_URL\"))");
  json_decref(m);
}

static struct qun_chan_result answer(long status, const char *body, const char *retry_after, int error) {
  struct qun_http_res res = {.error = error, .error_text = error ? "Timeout was reached" : NULL,
                             .status = status, .body = body, .len = body ? strlen(body) : 0,
                             .retry_after = retry_after};
  struct qun_chan_result out;
  memset(&out, 0x5a, sizeof out);
  slack()->read(&ch, &res, &out);
  assert_null(strstr(out.reason, "SECRET"));
  assert_null(strstr(out.reason, "XyZsEcReTtOkEn"));
  return out;
}

static void test_verdicts(void **state) {
  (void)state;
  struct qun_chan_result r = answer(200, "ok", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_SENT);
  r = answer(200, "<html>not slack</html>", NULL, 0); /* a 2xx is Slack's "posted" */
  assert_int_equal(r.verdict, QUN_CHAN_SENT);
  r = answer(429, "rate_limited", "30", 0);
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_true(r.throttled);
  assert_int_equal(r.retry_after_ms, 30000);
  assert_string_equal(r.reason, "slack: HTTP 429 (too many requests)");
  r = answer(429, "", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_int_equal(r.retry_after_ms, -1);
  r = answer(500, "internal_error", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_false(r.throttled);
  assert_string_equal(r.reason, "slack: HTTP 500");
  r = answer(503, "<html>\n<h1>down</h1>", "7", 0);
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_int_equal(r.retry_after_ms, 7000);
  r = answer(0, NULL, NULL, 28);
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_string_equal(r.reason, "slack: Timeout was reached");
  r = answer(404, "no_service", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  assert_string_equal(r.reason, "slack: HTTP 404 no_service (the webhook was removed or revoked: create a new one "
                                "(Slack app → Incoming Webhooks))");
  r = answer(410, "channel_is_archived", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  assert_string_equal(r.reason, "slack: HTTP 410 channel_is_archived (the webhook's channel is archived: "
                                "unarchive it or create a new webhook)");
  r = answer(400, "invalid_payload", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  assert_string_equal(r.reason, "slack: HTTP 400 invalid_payload");
  r = answer(403, "<html>forbidden</html>", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  assert_string_equal(r.reason, "slack: HTTP 403 <html>forbidden</html>");
  /* a proxy that quotes the URL or its path: never in the reason */
  r = answer(400, "bad request for " URL, NULL, 0);
  assert_string_equal(r.reason, "slack: HTTP 400 bad request for ***");
  r = answer(400, "no route /services/T0SECRET/B0SECRET/XyZsEcReTtOkEn", NULL, 0);
  assert_string_equal(r.reason, "slack: HTTP 400 no route /***");
}

static int teardown(void **state) {
  (void)state;
  qun_chan_req_free(&req);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_type),
      cmocka_unit_test(test_text),
      cmocka_unit_test(test_markdown),
      cmocka_unit_test(test_link_news),
      cmocka_unit_test(test_image_redpacket_payout),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_shown_url),
      cmocka_unit_test(test_verdicts),
  };
  return cmocka_run_group_tests(tests, NULL, teardown);
}
