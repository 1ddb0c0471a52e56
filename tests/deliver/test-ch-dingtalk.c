/* test-ch-dingtalk.c — the dingtalk channel: the exact request for every
 * kind of message, the signature (checked against a value computed
 * outside qun and against OpenSSL here), token and sign never shown, the
 * 20 000-byte body limit at its boundary, and the verdict for each answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "chan_test.h"

extern const struct qun_chan_type qun_chan_dingtalk;
#define T (&qun_chan_dingtalk)

#define TOKEN "dt-0a1b2c3d4e5f6a7b8c9d"
#define SECRET "SEC0123456789abcdef-not-a-real-secret"
#define URL "https://oapi.dingtalk.com/robot/send?access_token=" TOKEN
#define SHOWN "https://oapi.dingtalk.com/robot/send?access_token=***"
/* HMAC-SHA256(SECRET, "1700000000123\n" SECRET), base64, percent-encoded:
 * computed with Python's hmac, base64 and urllib.parse.quote. */
#define SIGN_123 "5MHsS%2FHPxbpn64%2BFFzgco5OXB23zWxe4JgndQ45Knmw%3D"
#define SIGN_124 "%2FDyNzk96C5%2FK1M%2BXMEq4eusf740wGkVKB5aPOEtfiCY%3D"
#define SURL URL "&timestamp=1700000000123&sign=" SIGN_123
#define SSHOWN SHOWN "&timestamp=1700000000123&sign=***"

static struct qun_channel ding = {.name = "ding", .type = "dingtalk", .token = TOKEN};
static struct qun_channel signed_ding = {.name = "ding", .type = "dingtalk", .token = TOKEN, .secret = SECRET};
static const char *const secrets[] = {TOKEN, SECRET, SIGN_123, "5MHsS/HPxbpn64+FFzgco5OXB23zWxe4JgndQ45Knmw=", NULL};

static void text(void **state) {
  (void)state;
  struct rendered *r = render(T, &ding, "{\"text\":\"今天的干货: https://a.example/x?y=1\"}");
  expect_request(r, URL, SHOWN, "{\"msgtype\":\"text\",\"text\":{\"content\":\"今天的干货: https://a.example/x?y=1\"}}");
  struct qun_channel c = {.name = "ding", .type = "dingtalk", .token = TOKEN, .base_url = "http://127.0.0.1:8089"};
  r = render(T, &c, "{\"text\":\"hi\"}");
  expect_request(r, "http://127.0.0.1:8089/robot/send?access_token=" TOKEN,
                 "http://127.0.0.1:8089/robot/send?access_token=***", "{\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}}");
}

static void signature(void **state) {
  (void)state;
  struct rendered *r = render_at(T, &signed_ding, "{\"text\":\"hi\"}", 1700000000123);
  expect_request(r, SURL, SSHOWN, "{\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}}");
  expect_hidden(r->req.shown_url, secrets);

  /* The same with OpenSSL directly, at another time: a fresh sign per
   * request, the timestamp in milliseconds, encoded once. */
  r = render_at(T, &signed_ding, "{\"text\":\"hi\"}", 1700000000124);
  char b64[64], enc[200], want[400];
  const char *msg = "1700000000124\n" SECRET;
  t_hmac_b64(SECRET, strlen(SECRET), msg, strlen(msg), b64);
  t_percent(b64, enc);
  assert_string_equal(enc, SIGN_124);
  snprintf(want, sizeof want, "%s&timestamp=1700000000124&sign=%s", URL, enc);
  assert_string_equal(r->req.url, want);
  assert_string_equal(r->req.shown_url, SHOWN "&timestamp=1700000000124&sign=***");
  assert_null(strstr(r->req.url, "%25")); /* not encoded twice */

  /* A token with characters a query must escape. */
  struct qun_channel c = {.name = "ding", .type = "dingtalk", .token = "a b&c", .secret = SECRET};
  r = render_at(T, &c, "{\"text\":\"hi\"}", 1700000000123);
  assert_string_equal(r->req.url, "https://oapi.dingtalk.com/robot/send?access_token=a%20b%26c&timestamp="
                                  "1700000000123&sign=" SIGN_123);
}

static void mentions(void **state) {
  (void)state;
  struct rendered *r = render(T, &ding, "{\"text\":\"请 @m1 查收\",\"mention\":[\"m1\",\"m2\"]}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"text\",\"text\":{\"content\":\"请 @m1 查收 @m2\"},\"at\":{\"atUserIds\":[\"m1\","
                 "\"m2\"]}}");
  /* "@m10" is not a mention of m1. */
  r = render(T, &ding, "{\"text\":\"@m10 看这里\",\"mention\":[\"m1\"]}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"text\",\"text\":{\"content\":\"@m10 看这里 @m1\"},\"at\":{\"atUserIds\":[\"m1\"]}}");
  r = render(T, &ding, "{\"text\":\"开抢\",\"mention\":\"all\"}");
  expect_request(r, URL, SHOWN, "{\"msgtype\":\"text\",\"text\":{\"content\":\"开抢\"},\"at\":{\"isAtAll\":true}}");
  r = render(T, &ding, "{\"markdown\":\"**今晚 8 点**\",\"mention\":[\"m1\"]}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"今晚 8 点\",\"text\":\"**今晚 8 点**\\n\\n@m1\"},"
                 "\"at\":{\"atUserIds\":[\"m1\"]}}");
  r = render(T, &ding, "{\"markdown\":\"# 通知\",\"mention\":\"all\"}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"通知\",\"text\":\"# 通知\"},\"at\":{\"isAtAll\":true}}");
  r = render(T, &ding, "{\"news\":[{\"title\":\"A\",\"url\":\"https://x.example/a\"}],\"mention\":[\"m1\"]}");
  expect_error(r, QUN_EINVAL, "dingtalk: a mention goes with text or markdown, not news");
}

static void markdown_titles(void **state) {
  (void)state;
  struct rendered *r = render(T, &ding, "{\"markdown\":\"## 今日干货\\n> 三条\"}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"今日干货\",\"text\":\"## 今日干货\\n> 三条\"}}");
  r = render(T, &ding, "{\"markdown\":\"\\n\\n  ### 标题  \\r\\n正文\"}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"标题\",\"text\":\"\\n\\n  ### 标题  \\r\\n正文\"}}");
  r = render(T, &ding, "{\"markdown\":\"###\\n\"}");
  expect_request(r, URL, SHOWN, "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"消息\",\"text\":\"###\\n\"}}");
  /* A long first line: the title keeps its first 64 characters. */
  char *s = t_filled("好", 100 * 3), *m = t_msg("markdown", s, NULL, NULL);
  r = render(T, &ding, m);
  char *title = t_filled("好", 64 * 3), want[2048];
  snprintf(want, sizeof want, "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"%s\",\"text\":\"%s\"}}", title, s);
  expect_request(r, URL, SHOWN, want);
  free(s), free(m), free(title);
}

static void images(void **state) {
  (void)state;
  struct rendered *r = render(T, &ding, "{\"image\":{\"url\":\"https://cdn.example/p.png\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"图片\",\"text\":\"![](https://cdn.example/p.png)\"}}");
  r = render(T, &ding, "{\"image\":{\"url\":\"https://cdn.example/p.png\",\"title\":\"海报\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"海报\",\"text\":\"![](https://cdn.example/p.png)\"}}");
  char msg[1200];
  snprintf(msg, sizeof msg, "{\"image\":{\"path\":\"%s\"}}", t_data("dot.png"));
  r = render(T, &ding, msg);
  char want[1400];
  snprintf(want, sizeof want,
           "dingtalk: a custom robot cannot send an image file (%s); give the image as a url, image = { url = "
           "\"https://...\" }",
           t_data("dot.png"));
  expect_error(r, QUN_EINVAL, want);
}

static void link_and_news(void **state) {
  (void)state;
  struct rendered *r = render(T, &ding,
                              "{\"link\":{\"title\":\"新品上市\",\"description\":\"三大卖点\",\"url\":\"https://shop.example/"
                              "p/1\",\"picture\":\"https://cdn.example/1.png\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"link\",\"link\":{\"title\":\"新品上市\",\"text\":\"三大卖点\",\"messageUrl\":"
                 "\"https://shop.example/p/1\",\"picUrl\":\"https://cdn.example/1.png\"}}");
  /* DingTalk wants a text: the title stands in for a missing description. */
  r = render(T, &ding, "{\"link\":{\"title\":\"新品\",\"url\":\"https://shop.example/p/1\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"link\",\"link\":{\"title\":\"新品\",\"text\":\"新品\",\"messageUrl\":"
                 "\"https://shop.example/p/1\"}}");
  r = render(T, &ding,
             "{\"news\":[{\"title\":\"A\",\"description\":\"a\",\"url\":\"https://x.example/a\",\"picture\":"
             "\"https://x.example/a.png\"},{\"title\":\"B\",\"url\":\"https://x.example/b\"}]}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"feedCard\",\"feedCard\":{\"links\":[{\"title\":\"A\",\"messageURL\":"
                 "\"https://x.example/a\",\"picURL\":\"https://x.example/a.png\"},{\"title\":\"B\",\"messageURL\":"
                 "\"https://x.example/b\"}]}}");
  r = render(T, &ding, "{\"news\":[{\"title\":\"A\"}]}");
  expect_error(r, QUN_EINVAL, "dingtalk: news[1] has no url");
}

static void redpacket(void **state) {
  (void)state;
  struct rendered *r = render(T, &ding,
                              "{\"redpacket\":{\"id\":\"rp1\",\"total\":\"88.88\",\"count\":10,\"note\":\"恭喜发财\","
                              "\"url\":\"https://shop.example/rp/rp1\",\"expires\":\"2026-11-29T20:00:00+08:00\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"actionCard\",\"actionCard\":{\"title\":\"🧧 红包 88.88 元\",\"text\":\"### 🧧 红包\\n\\n"
                 "**88.88 元** · 共 10 个\\n\\n恭喜发财\\n\\n有效期至 2026-11-29 20:00\",\"btnOrientation\":\"0\","
                 "\"singleTitle\":\"领取红包\",\"singleURL\":\"https://shop.example/rp/rp1\"}}");
  r = render(T, &ding, "{\"redpacket\":{\"total\":\"5.00\",\"count\":2,\"url\":\"https://shop.example/rp/2\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"actionCard\",\"actionCard\":{\"title\":\"🧧 红包 5.00 元\",\"text\":\"### 🧧 红包\\n\\n"
                 "**5.00 元** · 共 2 个\",\"btnOrientation\":\"0\",\"singleTitle\":\"领取红包\",\"singleURL\":"
                 "\"https://shop.example/rp/2\"}}");
  r = render(T, &ding, "{\"payout\":{\"packet\":\"rp1\",\"claim\":1,\"member\":\"m1\",\"fen\":88}}");
  expect_error(r, QUN_EINVAL, "dingtalk: payouts go through a webhook channel");
}

/* 20 000 bytes of body go, 20 001 do not; the URL's signature is not in
 * the body and does not count, the at{} does. */
static void body_limit(void **state) {
  (void)state;
  struct rendered *r = render(T, &signed_ding, "{\"text\":\"x\"}");
  size_t overhead = r->req.len - 1;
  char *s = t_filled("好", 20000 - overhead), *m = t_msg("text", s, NULL, NULL);
  r = render(T, &signed_ding, m);
  assert_int_equal(r->rc, 0);
  assert_int_equal(r->req.len, 20000);
  free(s), free(m);
  s = t_filled("好", 20001 - overhead), m = t_msg("text", s, NULL, NULL);
  r = render(T, &signed_ding, m);
  expect_error(r, QUN_ELIMIT, "dingtalk: request body is 20001 bytes, over the platform's limit of 20000 bytes");
  expect_hidden(r->err, secrets);
  free(s), free(m);
  /* Escaped characters count as sent: a quote is two bytes in the body. */
  size_t k = (20000 - overhead) / 2;
  s = t_filled("\"", k), m = t_msg("text", s, NULL, NULL);
  r = render(T, &ding, m);
  assert_int_equal(r->rc, 0);
  assert_int_equal(r->req.len, overhead + 2 * k);
  free(s), free(m);
  s = t_filled("\"", k + 1), m = t_msg("text", s, NULL, NULL);
  r = render(T, &ding, m);
  assert_int_equal(r->rc, QUN_ELIMIT);
  free(s), free(m);
  s = t_filled("a", 20000 - overhead - strlen(",\"at\":{\"isAtAll\":true}")), m = t_msg("text", s, "mention", "\"all\"");
  r = render(T, &ding, m);
  assert_int_equal(r->rc, 0);
  assert_int_equal(r->req.len, 20000);
  free(s), free(m);
  s = t_filled("a", 20001 - overhead - strlen(",\"at\":{\"isAtAll\":true}")), m = t_msg("text", s, "mention", "\"all\"");
  r = render(T, &ding, m);
  expect_error(r, QUN_ELIMIT, "dingtalk: request body is 20001 bytes, over the platform's limit of 20000 bytes");
  free(s), free(m);
}

static void limits_exposed(void **state) {
  (void)state;
  const struct qun_chan_limit *l = qun_chan_limit("dingtalk", "text");
  assert_non_null(l);
  assert_int_equal(l->max, 20000);
  assert_string_equal(l->what, "request body");
  assert_true(qun_chan_limit("dingtalk", "redpacket") == l);
  assert_int_equal(T->nrates, 1);
  assert_int_equal(T->rates[0].n, 20);
  assert_int_equal(T->rates[0].per_ms, 60000);
  assert_int_equal(T->ok_status, 200);
  assert_string_equal(T->ok_body, "{\"errcode\":0,\"errmsg\":\"ok\"}");
  struct qun_chan_result v = read_answer(T, &ding, T->ok_status, T->ok_body);
  expect_verdict(&v, QUN_CHAN_SENT, 0, 0, NULL);
}

static void answers(void **state) {
  (void)state;
  struct qun_chan_result v = read_answer(T, &ding, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}");
  expect_verdict(&v, QUN_CHAN_SENT, 0, 0, NULL);
  /* Too fast: the robot is blocked for 10 minutes. */
  v = read_answer(T, &ding, 200, "{\"errcode\":130101,\"errmsg\":\"send too fast, exceed 20 times per minute\"}");
  expect_verdict(&v, QUN_CHAN_RETRY, 1, 600000, "dingtalk errcode 130101: send too fast, exceed 20 times per minute");
  v = read_answer(T, &ding, 200, "{\"errcode\":410100,\"errmsg\":\"发送速度太快而限流\"}");
  expect_verdict(&v, QUN_CHAN_RETRY, 1, 600000, "dingtalk errcode 410100: 发送速度太快而限流");
  v = read_answer(T, &ding, 200, "{\"errcode\":-1,\"errmsg\":\"系统繁忙\"}");
  expect_verdict(&v, QUN_CHAN_RETRY, 0, -1, "dingtalk errcode -1: 系统繁忙");
  static const struct {
    const char *body, *reason;
  } dead[] = {
      {"{\"errcode\":310000,\"errmsg\":\"keywords not in content\"}", "dingtalk errcode 310000: keywords not in content"},
      {"{\"errcode\":310000,\"errmsg\":\"sign not match, more: [https://ding-doc.dingtalk.com/doc#/x]\"}",
       "dingtalk errcode 310000: sign not match, more: [https://ding-doc.dingtalk.com/doc#/x]"},
      {"{\"errcode\":310000,\"errmsg\":\"ip 1.2.3.4 not in whitelist\"}",
       "dingtalk errcode 310000: ip 1.2.3.4 not in whitelist"},
      {"{\"errcode\":460101,\"errmsg\":\"message too big\"}", "dingtalk errcode 460101: message too big"},
      {"{\"errcode\":300001,\"errmsg\":\"token is not exist\"}", "dingtalk errcode 300001: token is not exist"},
      {"{\"errcode\":400102,\"errmsg\":\"机器人已停用\"}", "dingtalk errcode 400102: 机器人已停用"},
  };
  for (size_t i = 0; i < sizeof dead / sizeof dead[0]; i++) {
    v = read_answer(T, &ding, 200, dead[i].body);
    expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, dead[i].reason);
  }
}

static void odd_answers(void **state) {
  (void)state;
  struct qun_chan_result v = read_answer(T, &ding, 200, "ok");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1,
                 "dingtalk: HTTP 200 with an answer that is not a JSON object (expected {\"errcode\":0,...}): \"ok\"");
  v = read_answer(T, &ding, 200, "");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, "dingtalk: HTTP 200 with an empty answer (expected {\"errcode\":0,...})");
  v = read_answer(T, &ding, 204, NULL);
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, "dingtalk: HTTP 204 with an empty answer (expected {\"errcode\":0,...})");
  v = read_answer(T, &ding, 200, "{\"errmsg\":\"ok\"}");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1,
                 "dingtalk: HTTP 200 with an answer with no code (expected {\"errcode\":0,...}): \"{\"errmsg\":\"ok\"}\"");
  v = read_answer(T, &ding, 429, "slow down");
  expect_verdict(&v, QUN_CHAN_RETRY, 1, -1, "dingtalk: HTTP 429 (too many requests)");
  v = read_answer(T, &ding, 503, "");
  expect_verdict(&v, QUN_CHAN_RETRY, 0, -1, "dingtalk: HTTP 503");
  v = read_answer(T, &ding, 0, NULL);
  expect_verdict(&v, QUN_CHAN_RETRY, 0, -1, "dingtalk: Timeout was reached");
}

static void credentials_never_in_reasons(void **state) {
  (void)state;
  struct qun_chan_result v =
      read_answer(T, &signed_ding, 200, "{\"errcode\":300001,\"errmsg\":\"token " TOKEN " is not exist\"}");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, "dingtalk errcode 300001: token *** is not exist");
  v = read_answer(T, &signed_ding, 200, "{\"errcode\":310000,\"errmsg\":\"sign not match: " SECRET "\"}");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, "dingtalk errcode 310000: sign not match: ***");
  v = read_answer(T, &signed_ding, 400, "bad token " TOKEN);
  expect_hidden(v.reason, secrets);
  struct rendered *r = render(T, &signed_ding, "{\"image\":{\"path\":\"/a.png\"}}");
  expect_hidden(r->err, secrets);
  struct qun_channel none = {.name = "ding", .type = "dingtalk"};
  r = render(T, &none, "{\"text\":\"a\"}");
  expect_error(r, QUN_EINVAL, "dingtalk: the channel has no token");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(text, t_release),
      cmocka_unit_test_teardown(signature, t_release),
      cmocka_unit_test_teardown(mentions, t_release),
      cmocka_unit_test_teardown(markdown_titles, t_release),
      cmocka_unit_test_teardown(images, t_release),
      cmocka_unit_test_teardown(link_and_news, t_release),
      cmocka_unit_test_teardown(redpacket, t_release),
      cmocka_unit_test_teardown(body_limit, t_release),
      cmocka_unit_test_teardown(limits_exposed, t_release),
      cmocka_unit_test_teardown(answers, t_release),
      cmocka_unit_test_teardown(odd_answers, t_release),
      cmocka_unit_test_teardown(credentials_never_in_reasons, t_release),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
