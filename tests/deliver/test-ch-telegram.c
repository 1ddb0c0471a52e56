/* test-ch-telegram.c — the telegram channel: for each kind of message the
 * exact request (URL, shown URL, headers, body bytes), HTML escaping of
 * hostile text (checked well-formed on random markdown too), the chat
 * from the team config, the 1–4096 limit at its boundary, every verdict,
 * and the bot token never in the shown URL, an error or a reason. */
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

#define TOKEN "123456789:AAF-sEcReT_tOkEn"
#define API "https://api.telegram.org/bot" TOKEN

static struct qun_channel ch = {.name = "tg", .type = "telegram", .token = TOKEN};
static struct qun_chan_req req;
static char err[512];

static const struct qun_chan_type *tg(void) { return qun_chan_type("telegram"); }

static int render_to(const struct qun_channel *c, const char *msg, const char *target, const char *chat,
                     const char *member) {
  json_error_t je;
  json_t *m = json_loads(msg, 0, &je);
  if (!m)
    fail_msg("bad test JSON %s: %s", msg, je.text);
  struct qun_chan_msg cm = {.msg = m, .target = target, .chat = chat, .member = member, .key = "k"};
  qun_chan_req_free(&req);
  err[0] = '\0';
  int rc = tg()->render(c, &cm, &req, err, sizeof err);
  json_decref(m);
  assert_null(strstr(err, "sEcReT"));
  if (req.shown_url)
    assert_null(strstr(req.shown_url, "sEcReT"));
  return rc;
}

static int render(const char *msg) { return render_to(&ch, msg, "group:tg-1", "-100123", NULL); }

static void expect_to(const char *method, const char *msg, const char *body) {
  int rc = render(msg);
  if (rc < 0)
    fail_msg("render %s: %s", msg, err);
  char url[256], shown[256];
  snprintf(url, sizeof url, API "/%s", method);
  snprintf(shown, sizeof shown, "https://api.telegram.org/bot***/%s", method);
  assert_string_equal(req.method, "POST");
  assert_string_equal(req.url, url);
  assert_string_equal(req.shown_url, shown);
  assert_string_equal(req.headers[0], "Content-Type: application/json");
  assert_null(req.headers[1]);
  assert_string_equal(req.body, body);
  assert_int_equal(req.len, strlen(body));
}

static void expect(const char *msg, const char *body) { expect_to("sendMessage", msg, body); }

static void refuse(const char *msg, int code, const char *why) {
  assert_int_equal(render(msg), code);
  assert_string_equal(err, why);
  assert_null(req.body);
}

static void test_type(void **state) {
  (void)state;
  const struct qun_chan_type *t = tg();
  assert_non_null(t);
  assert_int_equal(t->nrates, 1);
  assert_int_equal(t->rates[0].n, 20);
  assert_int_equal(t->rates[0].per_ms, 60000);
  assert_true(t->per_chat);
  assert_int_equal(t->ok_status, 200);
  assert_string_equal(t->ok_body, "{\"ok\":true,\"result\":{}}");
  assert_int_equal(qun_chan_limit("telegram", "text")->max, 4096);
  assert_string_equal(qun_chan_limit("telegram", "text")->unit, "characters");
  assert_int_equal(qun_chan_limit("telegram", "markdown")->max, 4096);
}

static void test_text(void **state) {
  (void)state;
  /* no parse mode: the text goes exactly as written */
  expect("{\"text\":\"<b>not bold</b> & _x_ *y* [z](w) \\\\ 😀 中文\"}",
         "{\"chat_id\":\"-100123\",\"text\":\"<b>not bold</b> & _x_ *y* [z](w) \\\\ 😀 中文\"}");
  /* mentions: HTML, so the text is escaped */
  expect("{\"text\":\"a<b & c>\",\"mention\":[\"123456789\",\"alice\",\"@bob\",\"<i>\"]}",
         "{\"chat_id\":\"-100123\",\"text\":\"<a href=\\\"tg://user?id=123456789\\\">123456789</a> @alice @bob "
         "@&lt;i&gt; a&lt;b &amp; c&gt;\",\"parse_mode\":\"HTML\"}");
  expect("{\"text\":\"hi <all>\",\"mention\":\"all\"}", "{\"chat_id\":\"-100123\",\"text\":\"hi <all>\"}");
  refuse("{\"text\":\"hi\",\"mention\":{\"a\":1}}", QUN_EINVAL,
         "telegram: mention is \"all\" or a list of member ids");
  refuse("{\"text\":\"\"}", QUN_EINVAL, "telegram: the text is empty (Telegram takes 1 to 4096 characters)");
  refuse("{\"text\":\"\",\"mention\":[\"1\"]}", QUN_EINVAL,
         "telegram: the text is empty (Telegram takes 1 to 4096 characters)");
  refuse("{\"text\":null}", QUN_EINVAL, "telegram: text is not a string");
}

static void test_markdown_hostile(void **state) {
  (void)state;
  expect("{\"markdown\":\"# 标题 <x> & **b**\\n**粗 & 体** _斜_ ~~删~~ `a<b>&c` "
         "[链接 \\\"q\\\"](https://x.example/?a=1&b=\\\"2\\\")\\n> 引用1\\n> 引用2\\n- 项\\n```\\n"
         "<pre> & \\\"x\\\" *y*\\n```\\n末尾 _*[]()~`>#+-=|{}.! 😀 中文\"}",
         "{\"chat_id\":\"-100123\",\"text\":\"<b>标题 &lt;x&gt; &amp; b</b>\\n<b>粗 &amp; 体</b> <i>斜</i> "
         "<s>删</s> <code>a&lt;b&gt;&amp;c</code> <a href=\\\"https://x.example/?a=1&amp;b=&quot;2&quot;\\\">"
         "链接 \\\"q\\\"</a>\\n<blockquote>引用1\\n引用2</blockquote>\\n• 项\\n<pre>&lt;pre&gt; &amp; \\\"x\\\" "
         "*y*</pre>\\n末尾 _*[]()~`&gt;#+-=|{}.! 😀 中文\",\"parse_mode\":\"HTML\"}");
  /* entities that look like ours are text: &amp; shows as "&amp;" */
  expect("{\"markdown\":\"&amp; &lt;b&gt; </b> <a href=x>\"}",
         "{\"chat_id\":\"-100123\",\"text\":\"&amp;amp; &amp;lt;b&amp;gt; &lt;/b&gt; &lt;a href=x&gt;\","
         "\"parse_mode\":\"HTML\"}");
  /* a link's text may be bold, never code */
  expect("{\"markdown\":\"[**b** `c`](https://u.example/)\"}",
         "{\"chat_id\":\"-100123\",\"text\":\"<a href=\\\"https://u.example/\\\"><b>b</b> c</a>\","
         "\"parse_mode\":\"HTML\"}");
  refuse("{\"markdown\":\"```\\n```\"}", QUN_EINVAL,
         "telegram: the text is empty (Telegram takes 1 to 4096 characters)");
}

/* Well-formed Telegram HTML: known tags, balanced, nothing inside code or
 * pre, every & an entity, no bare < or >. */
static int well_formed(const char *s, char *why, size_t n) {
  const char *stack[32];
  int depth = 0, leaf = 0;
  while (*s) {
    if (*s == '<') {
      static const char *const tags[] = {"b", "i", "s", "code", "pre", "blockquote", "a"};
      int close = s[1] == '/';
      const char *name = s + 1 + close;
      size_t len = strcspn(name, " >");
      const char *gt = strchr(s, '>');
      size_t k = 0;
      while (k < 7 && (strlen(tags[k]) != len || strncmp(tags[k], name, len) != 0))
        k++;
      if (!gt || k == 7)
        return snprintf(why, n, "unknown tag at %.20s", s), 0;
      if (!close) {
        if (leaf || depth == 32)
          return snprintf(why, n, "tag inside code/pre at %.20s", s), 0;
        if (k == 6 && strncmp(name + len, " href=\"", 7) != 0)
          return snprintf(why, n, "a without href"), 0;
        stack[depth++] = tags[k];
        leaf = k == 3 || k == 4;
      } else {
        if (!depth || strcmp(stack[depth - 1], tags[k]) != 0)
          return snprintf(why, n, "unbalanced </%s>", tags[k]), 0;
        depth--;
        leaf = 0;
      }
      const char *q = s + 1;
      for (; q < gt; q++) /* inside a tag: only an escaped attribute */
        if (*q == '<' || (*q == '&' && strncmp(q, "&quot;", 6) && strncmp(q, "&amp;", 5) &&
                          strncmp(q, "&lt;", 4) && strncmp(q, "&gt;", 4)))
          return snprintf(why, n, "bad attribute"), 0;
      s = gt + 1;
    } else if (*s == '>') {
      return snprintf(why, n, "bare >"), 0;
    } else if (*s == '&') {
      if (strncmp(s, "&amp;", 5) && strncmp(s, "&lt;", 4) && strncmp(s, "&gt;", 4) && strncmp(s, "&quot;", 6))
        return snprintf(why, n, "bare & at %.20s", s), 0;
      s++;
    } else {
      s++;
    }
  }
  return depth == 0 ? 1 : (snprintf(why, n, "%d open", depth), 0);
}

static void test_random_markdown_is_well_formed(void **state) {
  (void)state;
  static const char alphabet[] = "**__~~``[]()!<>&\"#->\\\n  ab";
  unsigned seed = 99;
  for (int round = 0; round < 20000; round++) {
    char md[80];
    int len = 1 + (int)((seed >> 8) % 70);
    for (int i = 0; i < len; i++) {
      seed = seed * 1103515245u + 12345u;
      md[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
    }
    md[len] = '\0';
    json_t *m = json_pack("{s:s}", "markdown", md);
    struct qun_chan_msg cm = {.msg = m, .target = "group:g", .chat = "1", .key = "k"};
    qun_chan_req_free(&req);
    int rc = tg()->render(&ch, &cm, &req, err, sizeof err);
    json_decref(m);
    if (rc < 0) {
      assert_string_equal(err, "telegram: the text is empty (Telegram takes 1 to 4096 characters)");
      continue;
    }
    json_t *body = json_loads(req.body, 0, NULL);
    const char *html = json_string_value(json_object_get(body, "text"));
    char why[128];
    if (!html || !well_formed(html, why, sizeof why))
      fail_msg("\"%s\" → %s: %s", md, html ? html : req.body, why);
    json_decref(body);
  }
}

static void test_chat(void **state) {
  (void)state;
  /* a member without a chat: the private chat with that user */
  assert_int_equal(render_to(&ch, "{\"text\":\"hi\"}", "member:555", NULL, "555"), 0);
  assert_string_equal(req.body, "{\"chat_id\":\"555\",\"text\":\"hi\"}");
  assert_int_equal(render_to(&ch, "{\"text\":\"hi\"}", "member:m1", "@mychannel", "m1"), 0);
  assert_string_equal(req.body, "{\"chat_id\":\"@mychannel\",\"text\":\"hi\"}");
  assert_int_equal(render_to(&ch, "{\"text\":\"hi\"}", "group:tg-1", NULL, NULL), QUN_EINVAL);
  assert_string_equal(err, "telegram: group 'tg-1' has no chat: set chat = \"-100...\" in groups[\"tg-1\"] of "
                           "the team config (the chat's id: add the bot to the group and read it from getUpdates)");
  assert_int_equal(render_to(&ch, "{\"text\":\"hi\"}", "group:tg-1", "", NULL), QUN_EINVAL);
  /* base_url (a local sink in tests), trailing slashes dropped */
  struct qun_channel local = {.name = "t2", .type = "telegram", .token = TOKEN,
                              .base_url = "http://127.0.0.1:8081/tg//"};
  assert_int_equal(render_to(&local, "{\"image\":{\"url\":\"https://i/a.png\"}}", "group:g", "7", NULL), 0);
  assert_string_equal(req.url, "http://127.0.0.1:8081/tg/bot" TOKEN "/sendPhoto");
  assert_string_equal(req.shown_url, "http://127.0.0.1:8081/tg/bot***/sendPhoto");
  /* a token that would change the URL is refused, and not shown */
  static const char *const bad[] = {"123:abc/../x", "123:abc?x=1", "123:abc def", "123:abc#f", ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct qun_channel b = {.name = "tb", .type = "telegram", .token = (char *)bad[i]};
    assert_int_equal(render_to(&b, "{\"text\":\"hi\"}", "group:g", "7", NULL), QUN_EINVAL);
    assert_string_equal(err, "telegram: channel 'tb': the bot token is not of the form 123456:ABC-... "
                             "(token = env(\"TG_TOKEN\"), from BotFather)");
    if (*bad[i])
      assert_null(strstr(err, bad[i]));
  }
}

static void test_link_news_image_redpacket(void **state) {
  (void)state;
  expect("{\"link\":{\"title\":\"新品 <上市>\",\"description\":\"第二行 & more\","
         "\"url\":\"https://shop.example/p?id=1&s=\\\"2\\\"\",\"picture\":\"https://img.example/a.png\"}}",
         "{\"chat_id\":\"-100123\",\"text\":\"<b><a href=\\\"https://shop.example/p?id=1&amp;s=&quot;2&quot;\\\">"
         "新品 &lt;上市&gt;</a></b>\\n第二行 &amp; more\",\"parse_mode\":\"HTML\",\"link_preview_options\":"
         "{\"url\":\"https://shop.example/p?id=1&s=\\\"2\\\"\"}}");
  expect("{\"news\":[{\"title\":\"A\",\"url\":\"https://a.example/\",\"description\":\"a\"},"
         "{\"url\":\"https://b.example/\"}]}",
         "{\"chat_id\":\"-100123\",\"text\":\"<b><a href=\\\"https://a.example/\\\">A</a></b>\\na\\n\\n"
         "<b><a href=\\\"https://b.example/\\\">https://b.example/</a></b>\",\"parse_mode\":\"HTML\","
         "\"link_preview_options\":{\"url\":\"https://a.example/\"}}");
  refuse("{\"news\":[{\"title\":\"A\"}]}", QUN_EINVAL, "telegram: news card 1 has no url");
  expect_to("sendPhoto", "{\"image\":{\"url\":\"https://img.example/a.png?x=1&y=2\"}}",
            "{\"chat_id\":\"-100123\",\"photo\":\"https://img.example/a.png?x=1&y=2\"}");
  refuse("{\"image\":{\"path\":\"/srv/a.png\"}}", QUN_EINVAL,
         "telegram: image files are not uploaded (image.path); give the image as { url = \"https://...\" }");
  expect("{\"redpacket\":{\"id\":\"p1\",\"total\":\"88.88\",\"count\":10,\"note\":\"周末<快乐>\","
         "\"url\":\"https://shop.example/rp/p1?a=1&b=2\",\"expires\":\"2026-11-29T20:00:00+08:00\"}}",
         "{\"chat_id\":\"-100123\",\"text\":\"🧧 周末<快乐>\\n88.88 元 · 10 个\",\"reply_markup\":"
         "{\"inline_keyboard\":[[{\"text\":\"抢红包\",\"url\":\"https://shop.example/rp/p1?a=1&b=2\"}]]}}");
  expect("{\"redpacket\":{\"id\":\"p1\",\"total\":\"1.00\",\"url\":\"https://r/p1\"}}",
         "{\"chat_id\":\"-100123\",\"text\":\"🧧 恭喜发财,大吉大利\\n1.00 元\",\"reply_markup\":"
         "{\"inline_keyboard\":[[{\"text\":\"抢红包\",\"url\":\"https://r/p1\"}]]}}");
  refuse("{\"redpacket\":{\"id\":\"p1\",\"count\":\"ten\",\"url\":\"https://r/p1\"}}", QUN_EINVAL,
         "telegram: the red packet is not {id, total, count, note, url, expires}");
  refuse("{\"payout\":{\"packet\":\"p1\"}}", QUN_EINVAL,
         "telegram: a payout goes to a webhook channel (payout_channel), not to telegram");
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

static void limit(const char *unit, size_t n, const char *prefix, const char *suffix, int ok, size_t shown) {
  char *m = repeat(unit, n, prefix, suffix);
  int rc = render(m);
  free(m);
  if (ok) {
    if (rc < 0)
      fail_msg("%s × %zu: %s", unit, n, err);
    return;
  }
  assert_int_equal(rc, QUN_ELIMIT);
  char want[160];
  snprintf(want, sizeof want, "telegram: the text is %zu characters; Telegram takes 1 to 4096 (shorten it or split it)",
           shown);
  assert_string_equal(err, want);
}

static void test_limits(void **state) {
  (void)state;
  /* plain text: code points (an emoji outside the BMP is one) */
  limit("a", 4096, "{\"text\":\"", "\"}", 1, 0);
  limit("a", 4097, "{\"text\":\"", "\"}", 0, 4097);
  limit("😀", 4096, "{\"text\":\"", "\"}", 1, 0);
  limit("😀", 4097, "{\"text\":\"", "\"}", 0, 4097);
  limit("字", 4097, "{\"text\":\"", "\"}", 0, 4097);
  /* HTML: what shows, not the tags or the entities' length */
  limit("a", 4096, "{\"markdown\":\"**", "**\"}", 1, 0);
  limit("a", 4097, "{\"markdown\":\"**", "**\"}", 0, 4097);
  limit("&", 4096, "{\"markdown\":\"", "\"}", 1, 0);
  limit("<", 4097, "{\"markdown\":\"", "\"}", 0, 4097);
  limit("a", 4094, "{\"mention\":[\"1\"],\"text\":\"", "\"}", 1, 0); /* "1 " shows 2 */
  limit("a", 4095, "{\"mention\":[\"1\"],\"text\":\"", "\"}", 0, 4097);
  /* a link's text: its title and description */
  char *m = repeat("d", 4095, "{\"link\":{\"url\":\"https://x/\",\"title\":\"t\",\"description\":\"", "\"}}");
  assert_int_equal(render(m), QUN_ELIMIT); /* t + \n + 4095 */
  assert_string_equal(err, "telegram: the link is 4097 characters; Telegram takes 1 to 4096 (shorten it or split it)");
  free(m);
  m = repeat("d", 4094, "{\"link\":{\"url\":\"https://x/\",\"title\":\"t\",\"description\":\"", "\"}}");
  assert_int_equal(render(m), 0);
  free(m);
}

static struct qun_chan_result answer(long status, const char *body, const char *retry_after, int error) {
  struct qun_http_res res = {.error = error, .error_text = error ? "Timeout was reached" : NULL,
                             .status = status, .body = body, .len = body ? strlen(body) : 0,
                             .retry_after = retry_after};
  struct qun_chan_result out;
  memset(&out, 0x5a, sizeof out);
  tg()->read(&ch, &res, &out);
  assert_null(strstr(out.reason, "sEcReT"));
  return out;
}

static void test_verdicts(void **state) {
  (void)state;
  struct qun_chan_result r = answer(200, "{\"ok\":true,\"result\":{\"message_id\":7}}", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_SENT);
  r = answer(429, "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: retry after 17\","
                  "\"parameters\":{\"retry_after\":17}}", "3", 0);
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_true(r.throttled);
  assert_int_equal(r.retry_after_ms, 17000); /* the body's, over the header's */
  assert_string_equal(r.reason, "telegram error 429: Too Many Requests: retry after 17");
  r = answer(429, "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests\"}", "5", 0);
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_int_equal(r.retry_after_ms, 5000);
  r = answer(429, "slow down", "9", 0); /* not the Bot API's JSON: HTTP decides */
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_true(r.throttled);
  assert_int_equal(r.retry_after_ms, 9000);
  r = answer(400, "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: chat not found\"}", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  assert_string_equal(r.reason, "telegram error 400: Bad Request: chat not found");
  r = answer(403, "{\"ok\":false,\"error_code\":403,\"description\":\"Forbidden: bot was kicked from the group chat\"}",
             NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  assert_string_equal(r.reason, "telegram error 403: Forbidden: bot was kicked from the group chat");
  r = answer(400, "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: group chat was upgraded to a "
                  "supergroup chat\",\"parameters\":{\"migrate_to_chat_id\":-1001234567890}}", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  assert_string_equal(r.reason, "telegram error 400: Bad Request: group chat was upgraded to a supergroup chat "
                                "(the group is now a supergroup: set its chat = \"-1001234567890\")");
  r = answer(401, "{\"ok\":false,\"error_code\":401,\"description\":\"Unauthorized\"}", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  assert_string_equal(r.reason, "telegram error 401: Unauthorized (the bot token is wrong or was revoked: "
                                "BotFather → /token)");
  r = answer(500, "{\"ok\":false,\"error_code\":500,\"description\":\"Internal Server Error\"}", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_false(r.throttled);
  r = answer(502, "<html><body>Bad Gateway</body></html>", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_string_equal(r.reason, "telegram: HTTP 502");
  r = answer(200, "<html>captive portal</html>", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  assert_string_equal(r.reason, "telegram: HTTP 200 but the answer is not the Bot API's (is base_url right?)");
  r = answer(404, "Not Found", NULL, 0);
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  assert_string_equal(r.reason, "telegram: HTTP 404 Not Found");
  r = answer(0, NULL, NULL, 28);
  assert_int_equal(r.verdict, QUN_CHAN_RETRY);
  assert_string_equal(r.reason, "telegram: Timeout was reached");
  r = answer(400, "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: no bot " TOKEN "\"}", NULL, 0);
  assert_string_equal(r.reason, "telegram error 400: Bad Request: no bot ***");
  r = answer(400, "{\"ok\":false,\"description\":7}", NULL, 0); /* error_code from the status */
  assert_int_equal(r.verdict, QUN_CHAN_DEAD);
  assert_string_equal(r.reason, "telegram error 400: (no description)");
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
      cmocka_unit_test(test_markdown_hostile),
      cmocka_unit_test(test_random_markdown_is_well_formed),
      cmocka_unit_test(test_chat),
      cmocka_unit_test(test_link_news_image_redpacket),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_verdicts),
  };
  return cmocka_run_group_tests(tests, NULL, teardown);
}
