/* test-ch-feishu.c — the feishu channel: the exact request for every kind
 * of message, the hook as an id or a whole URL (Lark), the signature in
 * the body (checked against a value computed outside qun and against
 * OpenSSL here), the hook id never shown, the 20 KB body limit at its
 * boundary, and the verdict for each answer, old and new. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "chan_test.h"

extern const struct qun_chan_type qun_chan_feishu;
#define T (&qun_chan_feishu)

#define HOOK "7c9e2b1a-4d3f-4e5a-9b8c-0123456789ab"
#define SECRET "fs-Secret-0123456789"
#define URL "https://open.feishu.cn/open-apis/bot/v2/hook/" HOOK
#define SHOWN "https://open.feishu.cn/open-apis/bot/v2/hook/***"
/* base64(HMAC-SHA256(key = "1599360473\n" SECRET, msg = "")), computed
 * with Python's hmac and base64. */
#define SIGN "s5K2HuNSkppzaVgzc+TgxFuPOQW/c3pOqyuWYmBCbQ8="
#define NOW 1599360473999 /* ms: the timestamp is its whole seconds */

static struct qun_channel fs = {.name = "fs", .type = "feishu", .hook = HOOK};
static struct qun_channel signed_fs = {.name = "fs", .type = "feishu", .hook = HOOK, .secret = SECRET};
static const char *const secrets[] = {HOOK, SECRET, NULL};

static void text(void **state) {
  (void)state;
  struct rendered *r = render(T, &fs, "{\"text\":\"早安!签到 https://a.example/c?x=1\"}");
  expect_request(r, URL, SHOWN, "{\"msg_type\":\"text\",\"content\":{\"text\":\"早安!签到 https://a.example/c?x=1\"}}");
  expect_hidden(r->req.shown_url, secrets);
}

static void signature(void **state) {
  (void)state;
  struct rendered *r = render_at(T, &signed_fs, "{\"text\":\"早安\"}", NOW);
  expect_request(r, URL, SHOWN,
                 "{\"timestamp\":\"1599360473\",\"sign\":\"" SIGN "\",\"msg_type\":\"text\",\"content\":{\"text\":"
                 "\"早安\"}}");
  /* With OpenSSL directly, a second later: key = timestamp "\n" secret,
   * empty message, base64 not URL-encoded. */
  r = render_at(T, &signed_fs, "{\"text\":\"早安\"}", NOW + 1);
  const char *key = "1599360474\n" SECRET;
  char b64[64], want[512];
  t_hmac_b64(key, strlen(key), "", 0, b64);
  snprintf(want, sizeof want,
           "{\"timestamp\":\"1599360474\",\"sign\":\"%s\",\"msg_type\":\"text\",\"content\":{\"text\":\"早安\"}}", b64);
  expect_request(r, URL, SHOWN, want);
  assert_string_not_equal(b64, SIGN);
  /* The signature is in the body; the URL carries nothing of it. */
  expect_hidden(r->req.url, (const char *const[]){SECRET, b64, NULL});
}

static void hooks(void **state) {
  (void)state;
  const char *body = "{\"msg_type\":\"text\",\"content\":{\"text\":\"hi\"}}";
  struct qun_channel c = {.name = "fs", .type = "feishu", .hook = "https://open.larksuite.com/open-apis/bot/v2/hook/" HOOK};
  struct rendered *r = render(T, &c, "{\"text\":\"hi\"}");
  expect_request(r, "https://open.larksuite.com/open-apis/bot/v2/hook/" HOOK,
                 "https://open.larksuite.com/open-apis/bot/v2/hook/***", body);
  c.base_url = "http://127.0.0.1:8089/";
  r = render(T, &c, "{\"text\":\"hi\"}");
  expect_request(r, "http://127.0.0.1:8089/open-apis/bot/v2/hook/" HOOK,
                 "http://127.0.0.1:8089/open-apis/bot/v2/hook/***", body);
  struct qun_channel d = {.name = "fs", .type = "feishu", .hook = HOOK, .base_url = "http://127.0.0.1:8089"};
  r = render(T, &d, "{\"text\":\"hi\"}");
  expect_request(r, "http://127.0.0.1:8089/open-apis/bot/v2/hook/" HOOK,
                 "http://127.0.0.1:8089/open-apis/bot/v2/hook/***", body);

  struct qun_channel bad = {.name = "fs", .type = "feishu", .hook = "hook/" HOOK};
  r = render(T, &bad, "{\"text\":\"hi\"}");
  expect_error(r, QUN_EINVAL, "feishu: hook is the id at the end of the webhook URL, or the whole https URL");
  bad.hook = "https://open.feishu.cn/open-apis/bot/v2/hook/";
  r = render(T, &bad, "{\"text\":\"hi\"}");
  expect_error(r, QUN_EINVAL, "feishu: hook is a URL with no id at its end");
  bad.hook = "https://open.feishu.cn";
  r = render(T, &bad, "{\"text\":\"hi\"}");
  expect_error(r, QUN_EINVAL, "feishu: hook is a URL with no id at its end");
  bad.hook = NULL;
  r = render(T, &bad, "{\"text\":\"hi\"}");
  expect_error(r, QUN_EINVAL, "feishu: the channel has no hook");
}

static void mentions(void **state) {
  (void)state;
  struct rendered *r = render(T, &fs, "{\"text\":\"请查收\",\"mention\":[\"ou_1\",\"ou_2\"]}");
  expect_request(r, URL, SHOWN,
                 "{\"msg_type\":\"text\",\"content\":{\"text\":\"请查收 <at user_id=\\\"ou_1\\\"></at> <at user_id="
                 "\\\"ou_2\\\"></at>\"}}");
  r = render(T, &fs, "{\"text\":\"开抢\",\"mention\":\"all\"}");
  expect_request(r, URL, SHOWN,
                 "{\"msg_type\":\"text\",\"content\":{\"text\":\"开抢 <at user_id=\\\"all\\\">所有人</at>\"}}");
  r = render(T, &fs, "{\"markdown\":\"**今晚**\",\"mention\":[\"ou_1\",\"ou_2\"]}");
  expect_request(r, URL, SHOWN,
                 "{\"msg_type\":\"interactive\",\"card\":{\"config\":{\"wide_screen_mode\":true},\"elements\":[{"
                 "\"tag\":\"markdown\",\"content\":\"**今晚**\\n<at id=ou_1></at> <at id=ou_2></at>\"}]}}");
  r = render(T, &fs, "{\"markdown\":\"**今晚**\",\"mention\":\"all\"}");
  expect_request(r, URL, SHOWN,
                 "{\"msg_type\":\"interactive\",\"card\":{\"config\":{\"wide_screen_mode\":true},\"elements\":[{"
                 "\"tag\":\"markdown\",\"content\":\"**今晚**\\n<at id=all></at>\"}]}}");
  /* An id that could close the tag is refused, not escaped. */
  r = render(T, &fs, "{\"text\":\"x\",\"mention\":[\"ou_1\\\"></at><at user_id=\\\"all\"]}");
  expect_error(r, QUN_EINVAL,
               "feishu: mention: member id \"ou_1\"></at><at user_id=\"all\" cannot be mentioned (no spaces, quotes or "
               "angle brackets)");
}

static void markdown(void **state) {
  (void)state;
  struct rendered *r = render(T, &fs, "{\"markdown\":\"## 干货\\n- 一\\n- 二\"}");
  expect_request(r, URL, SHOWN,
                 "{\"msg_type\":\"interactive\",\"card\":{\"config\":{\"wide_screen_mode\":true},\"elements\":[{"
                 "\"tag\":\"markdown\",\"content\":\"## 干货\\n- 一\\n- 二\"}]}}");
}

static void images(void **state) {
  (void)state;
  struct rendered *r = render(T, &fs, "{\"image\":{\"url\":\"https://cdn.example/p.png\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msg_type\":\"post\",\"content\":{\"post\":{\"zh_cn\":{\"title\":\"图片\",\"content\":[[{\"tag\":"
                 "\"a\",\"text\":\"https://cdn.example/p.png\",\"href\":\"https://cdn.example/p.png\"}]]}}}}");
  r = render(T, &fs, "{\"image\":{\"url\":\"https://cdn.example/p.png\",\"title\":\"海报\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msg_type\":\"post\",\"content\":{\"post\":{\"zh_cn\":{\"title\":\"海报\",\"content\":[[{\"tag\":"
                 "\"a\",\"text\":\"https://cdn.example/p.png\",\"href\":\"https://cdn.example/p.png\"}]]}}}}");
  r = render(T, &fs, "{\"image\":{\"path\":\"/srv/pb/a.png\"}}");
  expect_error(r, QUN_EINVAL,
               "feishu: a custom bot cannot send an image file (/srv/pb/a.png): Feishu shows only images uploaded "
               "by an app; give the image as a url, image = { url = \"https://...\" }");
}

static void link_and_news(void **state) {
  (void)state;
  struct rendered *r = render(T, &fs,
                              "{\"link\":{\"title\":\"新品上市\",\"description\":\"三大卖点\",\"url\":\"https://shop.example/"
                              "p/1\",\"picture\":\"https://cdn.example/1.png\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msg_type\":\"post\",\"content\":{\"post\":{\"zh_cn\":{\"title\":\"新品上市\",\"content\":[[{\"tag\":"
                 "\"text\",\"text\":\"三大卖点\"}],[{\"tag\":\"a\",\"text\":\"https://shop.example/p/1\",\"href\":"
                 "\"https://shop.example/p/1\"}]]}}}}");
  r = render(T, &fs, "{\"link\":{\"title\":\"新品\",\"url\":\"https://shop.example/p/1\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msg_type\":\"post\",\"content\":{\"post\":{\"zh_cn\":{\"title\":\"新品\",\"content\":[[{\"tag\":"
                 "\"a\",\"text\":\"https://shop.example/p/1\",\"href\":\"https://shop.example/p/1\"}]]}}}}");
  r = render(T, &fs,
             "{\"news\":[{\"title\":\"A\",\"description\":\"a\",\"url\":\"https://x.example/a\",\"picture\":"
             "\"https://x.example/a.png\"},{\"title\":\"B\",\"url\":\"https://x.example/b\"}]}");
  expect_request(r, URL, SHOWN,
                 "{\"msg_type\":\"post\",\"content\":{\"post\":{\"zh_cn\":{\"content\":[[{\"tag\":\"a\",\"text\":\"A\","
                 "\"href\":\"https://x.example/a\"}],[{\"tag\":\"text\",\"text\":\"a\"}],[{\"tag\":\"a\",\"text\":"
                 "\"B\",\"href\":\"https://x.example/b\"}]]}}}}");
}

static void redpacket(void **state) {
  (void)state;
  struct rendered *r = render_at(T, &signed_fs,
                                 "{\"redpacket\":{\"id\":\"rp1\",\"total\":\"88.88\",\"count\":10,\"note\":\"恭喜发财\","
                                 "\"url\":\"https://shop.example/rp/rp1\",\"expires\":\"2026-11-29T20:00:00+08:00\"}}",
                                 NOW);
  expect_request(r, URL, SHOWN,
                 "{\"timestamp\":\"1599360473\",\"sign\":\"" SIGN "\",\"msg_type\":\"interactive\",\"card\":{"
                 "\"config\":{\"wide_screen_mode\":true},\"header\":{\"template\":\"red\",\"title\":{\"tag\":"
                 "\"plain_text\",\"content\":\"🧧 红包\"}},\"elements\":[{\"tag\":\"markdown\",\"content\":\"**88.88 元** "
                 "· 共 10 个\\n恭喜发财\\n有效期至 2026-11-29 20:00\"},{\"tag\":\"action\",\"actions\":[{\"tag\":"
                 "\"button\",\"text\":{\"tag\":\"plain_text\",\"content\":\"领取红包\"},\"type\":\"danger\",\"url\":"
                 "\"https://shop.example/rp/rp1\"}]}]}}");
  r = render(T, &fs, "{\"payout\":{\"packet\":\"rp1\",\"claim\":1,\"member\":\"m1\",\"fen\":88}}");
  expect_error(r, QUN_EINVAL, "feishu: payouts go through a webhook channel");
}

/* 20 KB (20 480 bytes) of body go, one more does not; the timestamp and
 * sign are part of the body and count. */
static void body_limit(void **state) {
  (void)state;
  struct rendered *r = render_at(T, &signed_fs, "{\"text\":\"x\"}", NOW);
  size_t overhead = r->req.len - 1;
  char *s = t_filled("飞", 20480 - overhead), *m = t_msg("text", s, NULL, NULL);
  r = render_at(T, &signed_fs, m, NOW);
  assert_int_equal(r->rc, 0);
  assert_int_equal(r->req.len, 20480);
  free(s), free(m);
  s = t_filled("飞", 20481 - overhead), m = t_msg("text", s, NULL, NULL);
  r = render_at(T, &signed_fs, m, NOW);
  expect_error(r, QUN_ELIMIT, "feishu: request body is 20481 bytes, over the platform's limit of 20480 bytes");
  free(s), free(m);
  /* Without the signature the same text fits. */
  r = render(T, &fs, "{\"text\":\"x\"}");
  size_t plain = r->req.len - 1;
  assert_true(plain < overhead);
  s = t_filled("飞", 20481 - overhead), m = t_msg("text", s, NULL, NULL);
  r = render(T, &fs, m);
  assert_int_equal(r->rc, 0);
  free(s), free(m);
}

static void limits_exposed(void **state) {
  (void)state;
  const struct qun_chan_limit *l = qun_chan_limit("feishu", "markdown");
  assert_non_null(l);
  assert_int_equal(l->max, 20480);
  assert_string_equal(l->unit, "bytes");
  assert_null(qun_chan_limit("nosuchtype", "text"));
  assert_int_equal(T->nrates, 2);
  assert_int_equal(T->rates[0].n, 5);
  assert_int_equal(T->rates[0].per_ms, 1000);
  assert_int_equal(T->rates[1].n, 100);
  assert_int_equal(T->rates[1].per_ms, 60000);
  assert_int_equal(T->ok_status, 200);
  assert_string_equal(T->ok_body, "{\"code\":0,\"msg\":\"success\",\"data\":{}}");
  struct qun_chan_result v = read_answer(T, &fs, T->ok_status, T->ok_body);
  expect_verdict(&v, QUN_CHAN_SENT, 0, 0, NULL);
}

static void answers(void **state) {
  (void)state;
  static const char *const ok[] = {
      "{\"code\":0,\"msg\":\"success\",\"data\":{}}",
      "{\"StatusCode\":0,\"StatusMessage\":\"success\",\"code\":0,\"data\":{},\"msg\":\"success\"}",
      "{\"Extra\":null,\"StatusCode\":0,\"StatusMessage\":\"success\"}", /* older bots */
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    struct qun_chan_result v = read_answer(T, &fs, 200, ok[i]);
    expect_verdict(&v, QUN_CHAN_SENT, 0, 0, NULL);
  }
  struct qun_chan_result v = read_answer(T, &fs, 200, "{\"code\":11232,\"msg\":\"frequency limited psm[x]appID[1]\",\"data\":{}}");
  expect_verdict(&v, QUN_CHAN_RETRY, 1, 60000, "feishu code 11232: frequency limited psm[x]appID[1]");
  v = read_answer(T, &fs, 400, "{\"code\":11232,\"msg\":\"frequency limited\"}");
  expect_verdict(&v, QUN_CHAN_RETRY, 1, 60000, "feishu code 11232 (HTTP 400): frequency limited");
  static const struct {
    long status;
    const char *body, *reason;
  } dead[] = {
      {200, "{\"code\":19021,\"msg\":\"sign match fail or timestamp is not within one hour from current time\"}",
       "feishu code 19021: sign match fail or timestamp is not within one hour from current time"},
      {200, "{\"code\":19022,\"msg\":\"Ip Not Allowed\"}", "feishu code 19022: Ip Not Allowed"},
      {200, "{\"code\":19024,\"msg\":\"Key Words Not Found\"}", "feishu code 19024: Key Words Not Found"},
      {200, "{\"StatusCode\":19021,\"StatusMessage\":\"sign match fail\"}", "feishu code 19021: sign match fail"},
      {400, "{\"code\":9499,\"msg\":\"Bad Request\",\"data\":{}}", "feishu code 9499 (HTTP 400): Bad Request"},
      {400, "{\"code\":19001,\"msg\":\"param invalid: incoming webhook access token invalid\"}",
       "feishu code 19001 (HTTP 400): param invalid: incoming webhook access token invalid"},
      {400, "bad request", "feishu: HTTP 400 bad request"},
  };
  for (size_t i = 0; i < sizeof dead / sizeof dead[0]; i++) {
    v = read_answer(T, &fs, dead[i].status, dead[i].body);
    expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, dead[i].reason);
  }
}

static void odd_answers(void **state) {
  (void)state;
  struct qun_chan_result v = read_answer(T, &fs, 200, "success");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1,
                 "feishu: HTTP 200 with an answer that is not a JSON object (expected {\"code\":0,...}): \"success\"");
  v = read_answer(T, &fs, 200, "");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, "feishu: HTTP 200 with an empty answer (expected {\"code\":0,...})");
  v = read_answer(T, &fs, 200, "{\"msg\":\"success\"}");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1,
                 "feishu: HTTP 200 with an answer with no code (expected {\"code\":0,...}): \"{\"msg\":\"success\"}\"");
  v = read_answer(T, &fs, 200, "{\"code\":null}");
  assert_int_equal(v.verdict, QUN_CHAN_DEAD);
  v = read_answer(T, &fs, 500, "{\"code\":0}");
  expect_verdict(&v, QUN_CHAN_RETRY, 0, -1, "feishu: HTTP 500");
  v = read_answer(T, &fs, 0, NULL);
  expect_verdict(&v, QUN_CHAN_RETRY, 0, -1, "feishu: Timeout was reached");
}

static void hook_never_in_reasons(void **state) {
  (void)state;
  struct qun_chan_result v =
      read_answer(T, &signed_fs, 400, "{\"code\":19001,\"msg\":\"param invalid: hook " HOOK " not found\"}");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, "feishu code 19001 (HTTP 400): param invalid: hook *** not found");
  v = read_answer(T, &signed_fs, 404, "no such hook " HOOK);
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, "feishu: HTTP 404 no such hook ***");
  /* A hook given as a whole URL: the id alone is hidden as well. */
  struct qun_channel c = {.name = "fs", .type = "feishu", .hook = "https://open.larksuite.com/open-apis/bot/v2/hook/" HOOK};
  v = read_answer(T, &c, 200, "{\"code\":19021,\"msg\":\"bot " HOOK " sign match fail\"}");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, "feishu code 19021: bot *** sign match fail");
  struct rendered *r = render(T, &c, "{\"text\":\"\"}");
  expect_error(r, QUN_EINVAL, "feishu: the text is empty");
  expect_hidden(r->err, secrets);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(text, t_release),
      cmocka_unit_test_teardown(signature, t_release),
      cmocka_unit_test_teardown(hooks, t_release),
      cmocka_unit_test_teardown(mentions, t_release),
      cmocka_unit_test_teardown(markdown, t_release),
      cmocka_unit_test_teardown(images, t_release),
      cmocka_unit_test_teardown(link_and_news, t_release),
      cmocka_unit_test_teardown(redpacket, t_release),
      cmocka_unit_test_teardown(body_limit, t_release),
      cmocka_unit_test_teardown(limits_exposed, t_release),
      cmocka_unit_test_teardown(answers, t_release),
      cmocka_unit_test_teardown(odd_answers, t_release),
      cmocka_unit_test_teardown(hook_never_in_reasons, t_release),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
