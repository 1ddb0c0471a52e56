/* test-claim.c — POST /redpacket/claim on `qun run --listen`: 100
 * concurrent claims on a packet of 10 shares (exactly 10 get 200 and a
 * share, 90 get 409 "no shares left"; the shares add up to the total; the
 * ledger balances; each winner's payout reaches the webhook once, signed,
 * keyed by its bill number), an already-claimed member (409 with the
 * share), an expired packet (410), and each kind of bad request. Needs
 * QUN_BIN (ctest sets it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deliver/channel.h"
#include "db.h"
#include "listen.h"
#include "sink.h"
#include "textfile.h"
#include "scratch.h"

#define TOKEN "claim-token-0123456789abcdef"
#define SECRET "payout-secret-0123456789"
#define CLIENTS 100

static char dir[64], db[128], config[128], playbook[128], url[128];
static pid_t daemon_pid;
static struct sink *sink;
static char ten[32], short_one[32];

#define TIMEOUT_MS 30000

static long call(const char *path, const char *token, const char *body, struct http_answer *out) {
  return http_call(url, path, token, body, TIMEOUT_MS, out);
}

static void packet_id(const char *note, char *out, size_t n) {
  sqlite3 *d;
  sqlite3_stmt *s;
  assert_int_equal(sqlite3_open(db, &d), SQLITE_OK);
  sqlite3_busy_timeout(d, 5000);
  assert_int_equal(sqlite3_prepare_v2(d, "SELECT id FROM packets WHERE note = ?1", -1, &s, NULL), SQLITE_OK);
  sqlite3_bind_text(s, 1, note, -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  snprintf(out, n, "%s", (const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(d);
}

static void test_bad_requests(void **state) {
  (void)state;
  struct http_answer b;
  char body[256];
  snprintf(body, sizeof body, "{\"packet\":\"%s\",\"member\":\"m1\"}", ten);
  static const struct { const char *token, *body; long code; const char *answer; } cases[] = {
      {NULL, "{}", 401, "{\"error\":\"missing or wrong token: send Authorization: Bearer <listen.token>\"}"},
      {TOKEN, "{\"packet\":", 400,
       "{\"error\":\"malformed JSON: unexpected token near end of file (line 1, column 10)\"}"},
      {TOKEN, "[1]", 422, "{\"error\":\"the body is a JSON object {\\\"packet\\\": ID, \\\"member\\\": ID}\"}"},
      {TOKEN, "{\"packet\":\"x\",\"member\":\"m1\",\"amount\":5}", 422,
       "{\"error\":\"unknown field \\\"amount\\\" (fields: packet, member)\"}"},
      {TOKEN, "{\"packet\":\"x\"}", 422,
       "{\"error\":\"\\\"member\\\" must be the member's id: a string of 1 to 128 characters\"}"},
      {TOKEN, "{\"packet\":7,\"member\":\"m1\"}", 422,
       "{\"error\":\"\\\"packet\\\" must be the packet's id: a string of 1 to 128 characters\"}"},
      {TOKEN, "{\"packet\":\"nosuchpacket\",\"member\":\"m1\"}", 404,
       "{\"error\":\"no red packet \\\"nosuchpacket\\\"\"}"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    long code = call("/redpacket/claim", cases[i].token, cases[i].body, &b);
    if (code != cases[i].code || strcmp(b.data, cases[i].answer) != 0)
      fail_msg("case %zu: %ld %s", i, code, b.data);
  }
  assert_int_equal(call("/redpacket/claim", TOKEN, NULL, &b), 405); /* a GET */
  assert_string_equal(b.data, "{\"error\":\"use POST /redpacket/claim\"}");
  assert_int_equal(db_int(db, "SELECT count(*) FROM claims"), 0); /* nothing claimed */
}

static void test_concurrent_claims(void **state) {
  (void)state;
  static struct http_answer out[CLIENTS];
  char bodies[CLIENTS][128];
  const char *body_of[CLIENTS];
  long codes[CLIENTS];
  for (int i = 0; i < CLIENTS; i++) {
    snprintf(bodies[i], sizeof bodies[i], "{\"packet\":\"%s\",\"member\":\"u%d\"}", ten, i);
    body_of[i] = bodies[i];
  }
  http_call_many(url, "/redpacket/claim", TOKEN, body_of, CLIENTS, TIMEOUT_MS, out, codes);
  int ok = 0, empty = 0, winner = -1;
  int64_t sum = 0;
  for (int i = 0; i < CLIENTS; i++) {
    long code = codes[i];
    if (code == 200) {
      json_t *j = json_loads(out[i].data, 0, NULL);
      assert_non_null(j);
      char member[16];
      snprintf(member, sizeof member, "u%d", i);
      assert_string_equal(json_string_value(json_object_get(j, "packet")), ten);
      assert_string_equal(json_string_value(json_object_get(j, "member")), member);
      int64_t fen = json_integer_value(json_object_get(j, "fen"));
      int64_t seq = json_integer_value(json_object_get(j, "seq"));
      char amount[24];
      snprintf(amount, sizeof amount, "%lld.%02lld", (long long)fen / 100, (long long)fen % 100);
      assert_string_equal(json_string_value(json_object_get(j, "amount")), amount);
      assert_true(fen >= 1 && seq >= 1 && seq <= 10);
      char q[160];
      snprintf(q, sizeof q, "SELECT fen FROM claims WHERE member = '%s' AND seq = %lld", member, (long long)seq);
      assert_int_equal(db_int(db, q), fen); /* acknowledged = stored */
      json_decref(j);
      sum += fen;
      ok++;
      winner = i;
    } else if (code == 409 && strcmp(out[i].data, "{\"error\":\"no shares left\"}") == 0) {
      empty++;
    } else {
      fail_msg("client %d: %ld %s", i, code, out[i].data);
    }
  }
  assert_int_equal(ok, 10);
  assert_int_equal(empty, 90);
  assert_int_equal(sum, 1000);
  /* A winner again: 409 with the share it got. */
  struct http_answer b;
  char body[128], want[128];
  snprintf(body, sizeof body, "{\"packet\":\"%s\",\"member\":\"u%d\"}", ten, winner);
  assert_int_equal(call("/redpacket/claim", TOKEN, body, &b), 409);
  char q[128];
  snprintf(q, sizeof q, "SELECT fen FROM claims WHERE member = 'u%d'", winner);
  int64_t fen = db_int(db, q);
  snprintf(want, sizeof want, "{\"error\":\"already claimed\",\"fen\":%lld,\"amount\":\"%lld.%02lld\"}",
           (long long)fen, (long long)fen / 100, (long long)fen % 100);
  assert_string_equal(b.data, want);
  /* The ledger: 10 claims, 10.00 元, balanced. */
  assert_int_equal(db_int(db, "SELECT claims FROM rp_balance WHERE packet = (SELECT id FROM packets WHERE note = 'ten')"), 10);
  assert_int_equal(db_int(db, "SELECT claimed FROM rp_balance WHERE packet = (SELECT id FROM packets WHERE note = 'ten')"), 1000);
  assert_int_equal(db_int(db, "SELECT count(*) FROM packets p JOIN rp_balance b ON b.packet = p.id "
                           "WHERE b.claimed != p.claimed_fen OR b.claims != p.claimed_count"), 0);
  /* Each winner's payout at the webhook: signed, keyed by bill number,
   * with its share. */
  assert_int_equal(sink_wait(sink, 10, 10000), 10);
  usleep(300000);
  assert_int_equal(sink_count(sink), 10);
  for (int i = 0; i < 10; i++) {
    struct sink_req r;
    assert_true(sink_get(sink, i, &r));
    char key[64], sig[100];
    assert_non_null(sink_header(&r, "Idempotency-Key", key, sizeof key));
    assert_non_null(sink_header(&r, "X-Qun-Signature", sig, sizeof sig));
    unsigned char mac[32];
    assert_int_equal(qun_chan_hmac_sha256(SECRET, strlen(SECRET), r.body, r.len, mac), 0);
    char *hex = qun_chan_hex(mac, 32), want_sig[80];
    snprintf(want_sig, sizeof want_sig, "sha256=%s", hex);
    free(hex);
    assert_string_equal(sig, want_sig);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    json_t *p = j; /* the webhook's payout body: {"id", "type": "payout", "packet", "claim", ...} */
    assert_string_equal(json_string_value(json_object_get(j, "type")), "payout");
    assert_string_equal(json_string_value(json_object_get(j, "id")), key);
    assert_string_equal(json_string_value(json_object_get(p, "billno")), key);
    snprintf(q, sizeof q, "SELECT fen FROM claims WHERE billno = '%s'", key);
    assert_int_equal(json_integer_value(json_object_get(p, "fen")), db_int(db, q));
    assert_string_equal(r.url, "/payout");
    json_decref(j);
    sink_req_free(&r);
  }
}

static void test_expired(void **state) {
  (void)state;
  struct http_answer b;
  char body[128];
  /* The short packet expires 2 s after the daemon started. */
  sleep(2);
  snprintf(body, sizeof body, "{\"packet\":\"%s\",\"member\":\"m1\"}", short_one);
  assert_int_equal(call("/redpacket/claim", TOKEN, body, &b), 410);
  assert_string_equal(b.data, "{\"error\":\"expired\"}");
  /* The refund job closes it: claims + refund == total. */
  for (int i = 0; i < 50 && db_int(db, "SELECT count(*) FROM rp_balance WHERE refund IS NOT NULL") == 0; i++)
    usleep(100000);
  assert_int_equal(db_int(db, "SELECT refund FROM packets WHERE note = 'short'"), 100);
  assert_int_equal(db_int(db, "SELECT count(*) FROM rp_balance WHERE refund IS NOT NULL AND claimed + refund != total"), 0);
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/qun-claim-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(db, sizeof db, "%s/q.db", dir);
  snprintf(config, sizeof config, "%s/team.lua", dir);
  snprintf(playbook, sizeof playbook, "%s/claims.lua", dir);
  sink = sink_start();
  assert_non_null(sink);
  char text[1024];
  snprintf(text, sizeof text,
           "listen = { token = env(\"QUN_TEST_LISTEN_TOKEN\") }\n"
           "redpacket = { claim_url = \"https://shop.example/rp/{packet}\" }\n"
           "channels = { pay = { type = \"webhook\", url = \"%s/payout\", secret = env(\"QUN_TEST_PAY_SECRET\") } }\n"
           "payout_channel = \"pay\"\n", sink_base(sink));
  write_file(config, text);
  write_file(playbook, "playbook { name = \"claims\", version = \"1.0.0\" }\n"
                       "redpacket.new { total = \"10.00\", count = 10, group = \"g1\", note = \"ten\" }\n"
                       "redpacket.new { total = \"1.00\", count = 1, expires = \"2s\", note = \"short\" }\n");
  setenv("QUN_TEST_LISTEN_TOKEN", TOKEN, 1);
  setenv("QUN_TEST_PAY_SECRET", SECRET, 1);
  srand((unsigned)getpid());
  curl_global_init(CURL_GLOBAL_DEFAULT);
  /* One try: the playbook makes its packets when it starts. */
  const char *args[] = {"run", playbook, "--config", config, "--db", db, NULL};
  if (listen_start(args, 1, &daemon_pid, url, sizeof url) < 0)
    return -1;
  packet_id("ten", ten, sizeof ten);
  packet_id("short", short_one, sizeof short_one);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  if (daemon_pid > 0) {
    int st = listen_stop(daemon_pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  sink_stop(sink);
  curl_global_cleanup();
  return scratch_remove(dir);
}

int main(void) {
  if (!getenv("QUN_BIN")) {
    fprintf(stderr, "QUN_BIN is not set (run through ctest)\n");
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad_requests),
      cmocka_unit_test(test_concurrent_claims),
      cmocka_unit_test(test_expired),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
