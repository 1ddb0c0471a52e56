/* test-ch-wecom.c — the wecom channel: the exact request for every kind of
 * message (URL, shown URL, headers, body bytes), the key never shown, the
 * size limits at their boundaries, an image file's base64 and md5, and the
 * verdict for each answer WeCom gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "chan_test.h"

#include <unistd.h>

extern const struct qun_chan_type qun_chan_wecom;
#define T (&qun_chan_wecom)

#define KEY "wk-5d1f3a7e-9b2c-4e11"
#define URL "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" KEY
#define SHOWN "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"

static struct qun_channel wx = {.name = "wx", .type = "wecom", .key = KEY};
static const char *const secrets[] = {KEY, NULL};

static void text(void **state) {
  (void)state;
  struct rendered *r = render(T, &wx, "{\"text\":\"早安!签到领积分 👉 https://a.example/c?x=1&y=2\"}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"text\",\"text\":{\"content\":\"早安!签到领积分 👉 https://a.example/c?x=1&y=2\"}}");
  expect_hidden(r->req.shown_url, secrets);
  /* Quotes, backslashes and newlines are escaped once, as JSON. */
  r = render(T, &wx, "{\"text\":\"a \\\"b\\\" \\\\ c\\nd\"}");
  expect_request(r, URL, SHOWN, "{\"msgtype\":\"text\",\"text\":{\"content\":\"a \\\"b\\\" \\\\ c\\nd\"}}");
}

static void base_url_and_escaping(void **state) {
  (void)state;
  struct qun_channel c = {.name = "wx", .type = "wecom", .key = "a+b/c=d", .base_url = "http://127.0.0.1:8089/"};
  struct rendered *r = render(T, &c, "{\"text\":\"hi\"}");
  expect_request(r, "http://127.0.0.1:8089/cgi-bin/webhook/send?key=a%2Bb%2Fc%3Dd",
                 "http://127.0.0.1:8089/cgi-bin/webhook/send?key=***",
                 "{\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}}");
  c.base_url = "http://sink.test/prefix";
  r = render(T, &c, "{\"text\":\"hi\"}");
  assert_string_equal(r->req.url, "http://sink.test/prefix/cgi-bin/webhook/send?key=a%2Bb%2Fc%3Dd");
}

static void text_mentions(void **state) {
  (void)state;
  struct rendered *r = render(T, &wx, "{\"text\":\"请查收\",\"mention\":[\"zhangsan\",\"lisi\"]}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"text\",\"text\":{\"content\":\"请查收\",\"mentioned_list\":[\"zhangsan\",\"lisi\"]}}");
  r = render(T, &wx, "{\"text\":\"开抢了\",\"mention\":\"all\"}");
  expect_request(r, URL, SHOWN, "{\"msgtype\":\"text\",\"text\":{\"content\":\"开抢了\",\"mentioned_list\":[\"@all\"]}}");
}

static void markdown(void **state) {
  (void)state;
  struct rendered *r = render(T, &wx, "{\"markdown\":\"# 干货\\n<font color=\\\"info\\\">3 条</font>\"}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"markdown\",\"markdown\":{\"content\":\"# 干货\\n<font color=\\\"info\\\">3 条</font>\"}}");
  r = render(T, &wx, "{\"markdown\":\"**今晚 8 点**\",\"mention\":[\"zhangsan\",\"lisi\"]}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"markdown\",\"markdown\":{\"content\":\"**今晚 8 点**\\n<@zhangsan> <@lisi>\"}}");
  r = render(T, &wx, "{\"markdown\":\"**今晚 8 点**\",\"mention\":\"all\"}");
  expect_error(r, QUN_EINVAL,
               "wecom: markdown cannot mention everyone (WeCom's markdown has no @all); send text with mention = "
               "\"all\"");
}

static void image_file(void **state) {
  (void)state;
  char msg[1200];
  snprintf(msg, sizeof msg, "{\"image\":{\"path\":\"%s\"}}", t_data("dot.png"));
  struct rendered *r = render(T, &wx, msg);
  /* base64 and md5 of the fixture, from base64(1) and md5sum(1). */
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"image\",\"image\":{\"base64\":\"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAA"
                 "DElEQVR42mP4z8AAAAMBAQD3A0FDAAAAAElFTkSuQmCC\",\"md5\":\"9d3f217f6cfaad7f9d3786af47422d59\"}}");
}

static void image_file_jpg_and_refusals(void **state) {
  (void)state;
  char path[64], msg[256], want[512];
  static const unsigned char jpg[] = {0xff, 0xd8, 0xff, 0xe0};
  t_tmpfile(path, sizeof path, jpg, sizeof jpg, 4);
  snprintf(msg, sizeof msg, "{\"image\":{\"path\":\"%s\"}}", path);
  struct rendered *r = render(T, &wx, msg);
  expect_request(r, URL, SHOWN, "{\"msgtype\":\"image\",\"image\":{\"base64\":\"/9j/4A==\",\"md5\":"
                                "\"d03d864b7f43db9ce34df5f720509d0e\"}}");
  unlink(path);

  t_tmpfile(path, sizeof path, "GIF89a", 6, 6);
  snprintf(msg, sizeof msg, "{\"image\":{\"path\":\"%s\"}}", path);
  r = render(T, &wx, msg);
  snprintf(want, sizeof want, "wecom: image %s is not a JPG or PNG file (WeCom takes only those)", path);
  expect_error(r, QUN_EINVAL, want);
  unlink(path);

  r = render(T, &wx, "{\"image\":{\"path\":\"/nonexistent/qun/a.png\"}}");
  expect_error(r, QUN_ENOENT, "wecom: image /nonexistent/qun/a.png: no such file");
  r = render(T, &wx, "{\"image\":{\"path\":\"/tmp\"}}");
  expect_error(r, QUN_ENOENT, "wecom: image /tmp: no such file");
  r = render(T, &wx, "{\"image\":{}}");
  expect_error(r, QUN_EINVAL, "wecom: image is {path = \"a.png\"} or {url = \"https://...\"}");
  r = render(T, &wx, "{\"image\":{\"path\":\"/a.png\",\"url\":\"https://a.example/a.png\"}}");
  expect_error(r, QUN_EINVAL, "wecom: image is {path = \"a.png\"} or {url = \"https://...\"}");
}

/* 2 MB exactly goes (base64 and md5 checked against OpenSSL); one byte
 * more is refused with both sizes in the reason. */
static void image_file_limit(void **state) {
  (void)state;
  static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  const size_t max = 2 * 1024 * 1024;
  char path[64], msg[256], want[512];
  t_tmpfile(path, sizeof path, png, sizeof png, max);
  snprintf(msg, sizeof msg, "{\"image\":{\"path\":\"%s\"}}", path);
  struct rendered *r = render(T, &wx, msg);
  assert_int_equal(r->rc, 0);
  unsigned char *raw = calloc(1, max);
  memcpy(raw, png, sizeof png);
  char *b64 = malloc(4 * ((max + 2) / 3) + 1);
  t_base64(raw, max, b64);
  unsigned char md[16];
  unsigned int mdlen;
  EVP_Digest(raw, max, md, &mdlen, EVP_md5(), NULL);
  char hex[33];
  for (int i = 0; i < 16; i++)
    sprintf(hex + 2 * i, "%02x", md[i]);
  char *body = malloc(strlen(b64) + 128);
  sprintf(body, "{\"msgtype\":\"image\",\"image\":{\"base64\":\"%s\",\"md5\":\"%s\"}}", b64, hex);
  expect_request(r, URL, SHOWN, body);
  free(raw), free(b64), free(body);
  unlink(path);

  t_tmpfile(path, sizeof path, png, sizeof png, max + 1);
  snprintf(msg, sizeof msg, "{\"image\":{\"path\":\"%s\"}}", path);
  r = render(T, &wx, msg);
  snprintf(want, sizeof want,
           "wecom: image file is 2097153 bytes, over the platform's limit of 2097152 bytes (%s)", path);
  expect_error(r, QUN_ELIMIT, want);
  unlink(path);
}

static void image_url(void **state) {
  (void)state;
  struct rendered *r = render(T, &wx, "{\"image\":{\"url\":\"https://cdn.example/poster.png\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"news\",\"news\":{\"articles\":[{\"title\":\"图片\",\"url\":\"https://cdn.example/"
                 "poster.png\",\"picurl\":\"https://cdn.example/poster.png\"}]}}");
  r = render(T, &wx, "{\"image\":{\"url\":\"https://cdn.example/poster.png\",\"title\":\"周六海报\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"news\",\"news\":{\"articles\":[{\"title\":\"周六海报\",\"url\":\"https://cdn.example/"
                 "poster.png\",\"picurl\":\"https://cdn.example/poster.png\"}]}}");
}

static void link_and_news(void **state) {
  (void)state;
  struct rendered *r = render(T, &wx,
                              "{\"link\":{\"title\":\"新品上市\",\"description\":\"三大卖点\",\"url\":\"https://shop.example/p/"
                              "1\",\"picture\":\"https://cdn.example/1.png\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"news\",\"news\":{\"articles\":[{\"title\":\"新品上市\",\"description\":\"三大卖点\","
                 "\"url\":\"https://shop.example/p/1\",\"picurl\":\"https://cdn.example/1.png\"}]}}");
  r = render(T, &wx, "{\"link\":{\"title\":\"新品\",\"url\":\"https://shop.example/p/1\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"news\",\"news\":{\"articles\":[{\"title\":\"新品\",\"url\":\"https://shop.example/p/"
                 "1\"}]}}");
  r = render(T, &wx,
             "{\"news\":[{\"title\":\"A\",\"description\":\"a\",\"url\":\"https://x.example/a\",\"picture\":"
             "\"https://x.example/a.png\"},{\"title\":\"B\",\"url\":\"https://x.example/b\"}]}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"news\",\"news\":{\"articles\":[{\"title\":\"A\",\"description\":\"a\",\"url\":"
                 "\"https://x.example/a\",\"picurl\":\"https://x.example/a.png\"},{\"title\":\"B\",\"url\":"
                 "\"https://x.example/b\"}]}}");
}

static void news_bounds(void **state) {
  (void)state;
  const char *a = "{\"title\":\"A\",\"url\":\"https://x.example/a\"}";
  char msg[1024] = "{\"news\":[";
  for (int i = 0; i < 8; i++)
    strcat(strcat(msg, i ? "," : ""), a);
  strcat(msg, "]}");
  struct rendered *r = render(T, &wx, msg);
  assert_int_equal(r->rc, 0);
  msg[strlen(msg) - 2] = '\0';
  strcat(strcat(strcat(msg, ","), a), "]}");
  r = render(T, &wx, msg);
  expect_error(r, QUN_EINVAL, "wecom: news is a list of 1 to 8 articles; this one has 9");
  r = render(T, &wx, "{\"news\":[]}");
  expect_error(r, QUN_EINVAL, "wecom: news is a list of 1 to 8 articles; this one has 0");
  r = render(T, &wx, "{\"news\":[{\"title\":\"A\",\"url\":\"https://x.example/a\"},{\"title\":\"B\"}]}");
  expect_error(r, QUN_EINVAL, "wecom: news[2] has no url");
  r = render(T, &wx, "{\"link\":{\"url\":\"https://x.example/a\"}}");
  expect_error(r, QUN_EINVAL, "wecom: link has no title");
  r = render(T, &wx, "{\"link\":{\"title\":\"A\",\"url\":\"https://x.example/a\",\"picture\":3}}");
  expect_error(r, QUN_EINVAL, "wecom: link: picture is not a string");
}

static void redpacket(void **state) {
  (void)state;
  struct rendered *r = render(T, &wx,
                              "{\"redpacket\":{\"id\":\"rp1\",\"total\":\"88.88\",\"count\":10,\"note\":\"恭喜发财\","
                              "\"url\":\"https://shop.example/rp/rp1\",\"expires\":\"2026-11-29T20:00:00+08:00\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"template_card\",\"template_card\":{\"card_type\":\"text_notice\",\"main_title\":{"
                 "\"title\":\"🧧 红包\"},\"emphasis_content\":{\"title\":\"88.88\",\"desc\":\"元 · 共 10 个\"},"
                 "\"sub_title_text\":\"恭喜发财\",\"horizontal_content_list\":[{\"keyname\":\"有效期至\",\"value\":"
                 "\"2026-11-29 20:00\"}],\"jump_list\":[{\"type\":1,\"url\":\"https://shop.example/rp/rp1\","
                 "\"title\":\"领取红包\"}],\"card_action\":{\"type\":1,\"url\":\"https://shop.example/rp/rp1\"}}}");
  /* No note, no expiry: those parts are left out. */
  r = render(T, &wx, "{\"redpacket\":{\"total\":\"1.00\",\"count\":1,\"url\":\"https://shop.example/rp/2\"}}");
  expect_request(r, URL, SHOWN,
                 "{\"msgtype\":\"template_card\",\"template_card\":{\"card_type\":\"text_notice\",\"main_title\":{"
                 "\"title\":\"🧧 红包\"},\"emphasis_content\":{\"title\":\"1.00\",\"desc\":\"元 · 共 1 个\"},"
                 "\"jump_list\":[{\"type\":1,\"url\":\"https://shop.example/rp/2\",\"title\":\"领取红包\"}],"
                 "\"card_action\":{\"type\":1,\"url\":\"https://shop.example/rp/2\"}}}");
  r = render(T, &wx, "{\"redpacket\":{\"total\":\"1.00\",\"count\":1}}");
  expect_error(r, QUN_EINVAL,
               "wecom: the red packet has no url to claim it at (set redpacket.claim_url in the team config)");
  r = render(T, &wx, "{\"redpacket\":{\"total\":1,\"count\":1,\"url\":\"https://a.example\"}}");
  expect_error(r, QUN_EINVAL, "wecom: the red packet has no total (a string of yuan, \"88.88\")");
  r = render(T, &wx, "{\"redpacket\":{\"total\":\"1.00\",\"count\":0,\"url\":\"https://a.example\"}}");
  expect_error(r, QUN_EINVAL, "wecom: the red packet has no count (a whole number of shares, at least 1)");
}

static void refusals(void **state) {
  (void)state;
  struct rendered *r =
      render(T, &wx, "{\"payout\":{\"packet\":\"rp1\",\"claim\":3,\"member\":\"m1\",\"fen\":88,\"billno\":\"b1\"}}");
  expect_error(r, QUN_EINVAL, "wecom: payouts go through a webhook channel");
  r = render(T, &wx, "{\"text\":\"a\",\"markdown\":\"b\"}");
  expect_error(r, QUN_EINVAL, "wecom: a message has one content field; this one has text and markdown");
  r = render(T, &wx, "{\"video\":\"a.mp4\"}");
  expect_error(r, QUN_EINVAL, "wecom: the message has none of text, markdown, image, link, news, redpacket");
  r = render(T, &wx, "{\"text\":\"\"}");
  expect_error(r, QUN_EINVAL, "wecom: the text is empty");
  r = render(T, &wx, "{\"text\":3}");
  expect_error(r, QUN_EINVAL, "wecom: text is not a string");
  r = render(T, &wx, "{\"link\":{\"title\":\"A\",\"url\":\"https://a.example\"},\"mention\":\"all\"}");
  expect_error(r, QUN_EINVAL, "wecom: a mention goes with text or markdown, not link");
  r = render(T, &wx, "{\"text\":\"a\",\"mention\":[\"m1\",\"all\"]}");
  expect_error(r, QUN_EINVAL, "wecom: mention: to mention everyone write mention = \"all\", not a list");
  r = render(T, &wx, "{\"text\":\"a\",\"mention\":[\"m 1\"]}");
  expect_error(r, QUN_EINVAL,
               "wecom: mention: member id \"m 1\" cannot be mentioned (no spaces, quotes or angle brackets)");
  r = render(T, &wx, "{\"text\":\"a\",\"mention\":[]}");
  expect_error(r, QUN_EINVAL, "wecom: mention is \"all\" or a list of member ids [\"m1\", ...]");
  r = render(T, &wx, "{\"text\":\"a\",\"mention\":[7]}");
  expect_error(r, QUN_EINVAL, "wecom: mention: member ids are strings");
}

/* 2048 bytes of text go (counted in bytes: 3-byte characters included);
 * 2049 are refused before anything is sent. */
static void text_limit(void **state) {
  (void)state;
  char *s = t_filled("好", 2048), *m = t_msg("text", s, NULL, NULL);
  assert_int_equal(strlen(s), 2048);
  struct rendered *r = render(T, &wx, m);
  assert_int_equal(r->rc, 0);
  free(s), free(m);
  s = t_filled("好", 2049), m = t_msg("text", s, NULL, NULL);
  r = render(T, &wx, m);
  expect_error(r, QUN_ELIMIT, "wecom: text content is 2049 bytes, over the platform's limit of 2048 bytes");
  free(s), free(m);
  /* Mentions travel outside the content: they do not count. */
  s = t_filled("a", 2048), m = t_msg("text", s, "mention", "[\"zhangsan\"]");
  r = render(T, &wx, m);
  assert_int_equal(r->rc, 0);
  free(s), free(m);
}

/* Markdown: 4096 bytes, the <@id> mentions counted in (they are part of the content). */
static void markdown_limit(void **state) {
  (void)state;
  char *s = t_filled("早", 4096), *m = t_msg("markdown", s, NULL, NULL);
  struct rendered *r = render(T, &wx, m);
  assert_int_equal(r->rc, 0);
  free(s), free(m);
  s = t_filled("早", 4097), m = t_msg("markdown", s, NULL, NULL);
  r = render(T, &wx, m);
  expect_error(r, QUN_ELIMIT, "wecom: markdown content is 4097 bytes, over the platform's limit of 4096 bytes");
  free(s), free(m);
  s = t_filled("a", 4096 - strlen("\n<@m1>")), m = t_msg("markdown", s, "mention", "[\"m1\"]");
  r = render(T, &wx, m);
  assert_int_equal(r->rc, 0);
  free(s), free(m);
  s = t_filled("a", 4097 - strlen("\n<@m1>")), m = t_msg("markdown", s, "mention", "[\"m1\"]");
  r = render(T, &wx, m);
  expect_error(r, QUN_ELIMIT, "wecom: markdown content is 4097 bytes, over the platform's limit of 4096 bytes");
  free(s), free(m);
}

static void limits_exposed(void **state) {
  (void)state;
  const struct qun_chan_limit *l = qun_chan_limit("wecom", "text");
  assert_non_null(l);
  assert_int_equal(l->max, 2048);
  assert_string_equal(l->unit, "bytes");
  assert_int_equal(qun_chan_limit("wecom", "markdown")->max, 4096);
  assert_int_equal(qun_chan_limit("wecom", "image")->max, 2097152);
  assert_null(qun_chan_limit("wecom", "link"));
  assert_true(qun_chan_type("wecom") == T);
  assert_int_equal(T->nrates, 1);
  assert_int_equal(T->rates[0].n, 20);
  assert_int_equal(T->rates[0].per_ms, 60000);
  assert_int_equal(T->ok_status, 200);
  assert_string_equal(T->ok_body, "{\"errcode\":0,\"errmsg\":\"ok\"}");
  /* What the dry-run's sink answers is success to read. */
  struct qun_chan_result v = read_answer(T, &wx, T->ok_status, T->ok_body);
  expect_verdict(&v, QUN_CHAN_SENT, 0, 0, NULL);
}

static void answers(void **state) {
  (void)state;
  struct qun_chan_result v = read_answer(T, &wx, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}");
  expect_verdict(&v, QUN_CHAN_SENT, 0, 0, NULL);
  v = read_answer(T, &wx, 200, "{\"errcode\":45009,\"errmsg\":\"api freq out of limit\"}");
  expect_verdict(&v, QUN_CHAN_RETRY, 1, 60000, "wecom errcode 45009: api freq out of limit");
  v = read_answer(T, &wx, 200, "{\"errcode\":-1,\"errmsg\":\"system busy\"}");
  expect_verdict(&v, QUN_CHAN_RETRY, 0, -1, "wecom errcode -1: system busy");
  static const struct {
    const char *body, *reason;
  } dead[] = {
      {"{\"errcode\":93000,\"errmsg\":\"invalid webhook url, hint: [1700000000_1_abc]\"}",
       "wecom errcode 93000: invalid webhook url, hint: [1700000000_1_abc]"},
      {"{\"errcode\":93004,\"errmsg\":\"robot disabled\"}", "wecom errcode 93004: robot disabled"},
      {"{\"errcode\":93008,\"errmsg\":\"robot not in group\"}", "wecom errcode 93008: robot not in group"},
      {"{\"errcode\":40058,\"errmsg\":\"content exceed max length\"}",
       "wecom errcode 40058: content exceed max length"},
      {"{\"errcode\":44004,\"errmsg\":\"empty content\"}", "wecom errcode 44004: empty content"},
      {"{\"errcode\":40008,\"errmsg\":\"invalid message type\"}", "wecom errcode 40008: invalid message type"},
      {"{\"errcode\":12345}", "wecom errcode 12345"},
  };
  for (size_t i = 0; i < sizeof dead / sizeof dead[0]; i++) {
    v = read_answer(T, &wx, 200, dead[i].body);
    expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, dead[i].reason);
  }
}

static void odd_answers(void **state) {
  (void)state;
  struct qun_chan_result v = read_answer(T, &wx, 200, "<html><body>502 Bad Gateway</body></html>");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1,
                 "wecom: HTTP 200 with an answer that is not a JSON object (expected {\"errcode\":0,...}): "
                 "\"<html><body>502 Bad Gateway</body></html>\"");
  v = read_answer(T, &wx, 200, "");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, "wecom: HTTP 200 with an empty answer (expected {\"errcode\":0,...})");
  v = read_answer(T, &wx, 200, NULL);
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, "wecom: HTTP 200 with an empty answer (expected {\"errcode\":0,...})");
  v = read_answer(T, &wx, 200, "{\"ok\":true}");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1,
                 "wecom: HTTP 200 with an answer with no code (expected {\"errcode\":0,...}): \"{\"ok\":true}\"");
  v = read_answer(T, &wx, 200, "{\"errcode\":\"0\"}");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1,
                 "wecom: HTTP 200 with an answer whose code is not a number (expected {\"errcode\":0,...}): "
                 "\"{\"errcode\":\"0\"}\"");
  v = read_answer(T, &wx, 200, "[0]");
  assert_int_equal(v.verdict, QUN_CHAN_DEAD);
  v = read_answer(T, &wx, 200, "{\"errcode\":0");
  assert_int_equal(v.verdict, QUN_CHAN_DEAD);
  /* Control characters and a long body: cut and flattened. */
  char *big = t_filled("\x01z", 500);
  v = read_answer(T, &wx, 200, big);
  assert_int_equal(v.verdict, QUN_CHAN_DEAD);
  assert_null(strchr(v.reason, '\x01'));
  assert_non_null(strstr(v.reason, "...\""));
  free(big);
  /* Invalid UTF-8 and a cut in the middle of a character do not crash. */
  v = read_answer(T, &wx, 200, "\xff\xfe\xe5\xa5");
  assert_int_equal(v.verdict, QUN_CHAN_DEAD);
  assert_non_null(strstr(v.reason, "\"????\""));
  /* ... and every reason is valid UTF-8, even cut at the buffer's end. */
  char *wide = t_filled("好", 600), body[2048];
  snprintf(body, sizeof body, "{\"errcode\":93000,\"errmsg\":\"%s\"}", wide);
  v = read_answer(T, &wx, 200, body);
  json_t *j = json_string(v.reason);
  assert_non_null(j);
  json_decref(j);
  wide[0] = 'x', wide[1] = 'y', wide[2] = 'z'; /* HTTP's verdict keeps 120 bytes: mid-character */
  v = read_answer(T, &wx, 400, wide + 2);
  assert_non_null(strstr(v.reason, "?"));
  j = json_string(v.reason);
  assert_non_null(j);
  json_decref(j);
  free(wide);

  v = read_answer(T, &wx, 502, "bad gateway");
  expect_verdict(&v, QUN_CHAN_RETRY, 0, -1, "wecom: HTTP 502");
  v = read_answer(T, &wx, 0, NULL);
  expect_verdict(&v, QUN_CHAN_RETRY, 0, -1, "wecom: Timeout was reached");
  v = read_answer(T, &wx, 404, "not found");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, "wecom: HTTP 404 not found");
}

/* Whatever the answer echoes, the key does not reach a reason. */
static void key_never_in_reasons(void **state) {
  (void)state;
  struct qun_chan_result v = read_answer(
      T, &wx, 200, "{\"errcode\":93000,\"errmsg\":\"invalid webhook url, key=" KEY ", hint: [x]\"}");
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, "wecom errcode 93000: invalid webhook url, key=***, hint: [x]");
  v = read_answer(T, &wx, 200, "no json for " KEY);
  expect_hidden(v.reason, secrets);
  v = read_answer(T, &wx, 403, "forbidden: " KEY);
  expect_verdict(&v, QUN_CHAN_DEAD, 0, -1, "wecom: HTTP 403 forbidden: ***");
  /* A key that the HTTP verdict's 120-byte excerpt would cut in half. */
  char *pad = t_filled("x", 115), body[256];
  snprintf(body, sizeof body, "%s%s", pad, KEY);
  v = read_answer(T, &wx, 403, body);
  assert_null(strstr(v.reason, "wk-5"));
  assert_non_null(strstr(v.reason, "xxx***"));
  snprintf(body, sizeof body, "{\"errcode\":93000,\"errmsg\":\"%s%s%s\"}", pad, pad, KEY);
  v = read_answer(T, &wx, 200, body);
  assert_null(strstr(v.reason, "wk-5"));
  free(pad);
  /* Nor a render error, nor a shown URL. */
  struct rendered *r = render(T, &wx, "{\"text\":\"\"}");
  expect_hidden(r->err, secrets);
  r = render(T, &wx, "{\"markdown\":\"x\"}");
  expect_hidden(r->req.shown_url, secrets);
  struct qun_channel none = {.name = "wx", .type = "wecom"};
  r = render(T, &none, "{\"text\":\"a\"}");
  expect_error(r, QUN_EINVAL, "wecom: the channel has no key");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(text, t_release),
      cmocka_unit_test_teardown(base_url_and_escaping, t_release),
      cmocka_unit_test_teardown(text_mentions, t_release),
      cmocka_unit_test_teardown(markdown, t_release),
      cmocka_unit_test_teardown(image_file, t_release),
      cmocka_unit_test_teardown(image_file_jpg_and_refusals, t_release),
      cmocka_unit_test_teardown(image_file_limit, t_release),
      cmocka_unit_test_teardown(image_url, t_release),
      cmocka_unit_test_teardown(link_and_news, t_release),
      cmocka_unit_test_teardown(news_bounds, t_release),
      cmocka_unit_test_teardown(redpacket, t_release),
      cmocka_unit_test_teardown(refusals, t_release),
      cmocka_unit_test_teardown(text_limit, t_release),
      cmocka_unit_test_teardown(markdown_limit, t_release),
      cmocka_unit_test_teardown(limits_exposed, t_release),
      cmocka_unit_test_teardown(answers, t_release),
      cmocka_unit_test_teardown(odd_answers, t_release),
      cmocka_unit_test_teardown(key_never_in_reasons, t_release),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
