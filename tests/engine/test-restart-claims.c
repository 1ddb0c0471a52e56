/* test-restart-claims.c — `qun run --listen` killed with SIGKILL at random
 * moments while claims arrive (over HTTP and as events) and payouts go to
 * a webhook that answers slowly or fails now and then; restarted each
 * time. Afterwards: every packet's ledger balances (claims + refund ==
 * total for the one that expired meanwhile), no packet is over its count
 * or total, every acknowledged claim is stored with the share it was
 * acknowledged with, every claim's payout reached the webhook, and no
 * payout key was ever seen with two different amounts.
 * Needs QUN_BIN (set by ctest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "listen.h"
#include "sink.h"
#include "textfile.h"
#include "scratch.h"

#define TOKEN "restart-token-0123456789abcdef"
#define PACKETS 4
#define MEMBERS 80 /* fewer than the short packet's shares: it expires with money left */
#define MAXACK 1024

static char dir[256], playbook[300], config[300], db[300], url[128], listen_addr[64];
static struct sink *sink;
static char ids[PACKETS][32];

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

static pid_t start_daemon(void) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(getenv("QUN_BIN"), "qun", "run", playbook, "--config", config, "--db", db, "--listen",
          listen_addr, (char *)NULL);
    _exit(127);
  }
  return pid;
}

/* ---- the claimants: a thread posting claims while the daemon lives and dies ---- */

static struct {
  char packet[32], member[16];
  int64_t fen;
} acks[MAXACK];
static int nacks, stop_clients, posted, events;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static long post(CURL *c, const char *path, const char *body, struct http_answer *out) {
  struct curl_slist *h;
  curl_easy_reset(c);
  http_prepare(c, url, path, TOKEN, body, 3000, out, &h);
  long code = 0;
  if (curl_easy_perform(c) == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(h);
  return code;
}

static void *claimant(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg;
  CURL *c = curl_easy_init();
  while (!__atomic_load_n(&stop_clients, __ATOMIC_SEQ_CST)) {
    int p = (int)(rand_r(&seed) % PACKETS);
    char member[16], body[160];
    snprintf(member, sizeof member, "m%u", rand_r(&seed) % MEMBERS);
    struct http_answer b;
    if (rand_r(&seed) % 4 == 0) { /* a claim event, handled by the host */
      snprintf(body, sizeof body, "{\"type\":\"redpacket.claim\",\"member\":\"%s\",\"data\":{\"packet\":\"%s\"}}",
               member, ids[p]);
      if (post(c, "/events", body, &b) == 202)
        __atomic_add_fetch(&events, 1, __ATOMIC_SEQ_CST);
    } else {
      snprintf(body, sizeof body, "{\"packet\":\"%s\",\"member\":\"%s\"}", ids[p], member);
      long code = post(c, "/redpacket/claim", body, &b);
      if (code == 200) {
        json_t *j = json_loads(b.data, 0, NULL);
        pthread_mutex_lock(&mu);
        if (j && nacks < MAXACK) {
          snprintf(acks[nacks].packet, sizeof acks[nacks].packet, "%s", ids[p]);
          snprintf(acks[nacks].member, sizeof acks[nacks].member, "%s", member);
          acks[nacks].fen = json_integer_value(json_object_get(j, "fen"));
          nacks++;
        }
        pthread_mutex_unlock(&mu);
        json_decref(j);
      }
      if (code)
        __atomic_add_fetch(&posted, 1, __ATOMIC_SEQ_CST);
    }
    sleep_ms(5 + rand_r(&seed) % 20);
  }
  curl_easy_cleanup(c);
  return NULL;
}

/* ---- the database, read after the daemon has stopped ---- */

static sqlite3 *open_db(void) {
  sqlite3 *d;
  assert_int_equal(sqlite3_open(db, &d), SQLITE_OK);
  sqlite3_busy_timeout(d, 5000);
  return d;
}

static int64_t sql_int(sqlite3 *d, const char *sql) {
  sqlite3_stmt *s;
  if (sqlite3_prepare_v2(d, sql, -1, &s, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(d));
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  int64_t n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return n;
}

static void wait_packets(void) {
  for (int i = 0; i < 100; i++) {
    sqlite3 *d = open_db();
    sqlite3_stmt *s;
    int n = 0;
    if (sqlite3_prepare_v2(d, "SELECT id FROM packets ORDER BY note", -1, &s, NULL) == SQLITE_OK) {
      while (sqlite3_step(s) == SQLITE_ROW && n < PACKETS)
        snprintf(ids[n++], sizeof ids[0], "%s", (const char *)sqlite3_column_text(s, 0));
      sqlite3_finalize(s);
    }
    sqlite3_close(d);
    if (n == PACKETS)
      return;
    sleep_ms(50);
  }
  fail_msg("the packets were not created");
}

static void test_sigkill_during_claims(void **state) {
  (void)state;
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  /* The webhook: mostly quick, sometimes slow (a payout in flight at the
   * kill), sometimes failing (a retry after the restart). */
  for (int i = 0; i < 4000; i++) {
    int r = rand() % 100;
    if (r < 6)
      sink_push(sink, 503, NULL, "busy", 0);
    else if (r < 16)
      sink_push(sink, 200, NULL, "{}", 150 + rand() % 300);
    else
      sink_push(sink, 200, NULL, "{}", rand() % 10);
  }
  pid_t pid = start_daemon();
  wait_packets();
  pthread_t th[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&th[i], NULL, claimant, (void *)(uintptr_t)(rand() + i));
  for (int round = 0; round < 12; round++) {
    sleep_ms(300 + rand() % 900);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFSIGNALED(st)); /* it was running, not failing */
    pid = start_daemon();
  }
  __atomic_store_n(&stop_clients, 1, __ATOMIC_SEQ_CST);
  for (int i = 0; i < 3; i++)
    pthread_join(th[i], NULL);
  /* The last run drains the payouts (retries included), then stops. */
  for (int i = 0; i < 200; i++) {
    sleep_ms(100);
    sqlite3 *d = open_db();
    int64_t waiting = sql_int(d, "SELECT count(*) FROM outbox WHERE state IN (0, 3)");
    int64_t refunded = sql_int(d, "SELECT count(*) FROM packets WHERE refund IS NOT NULL");
    sqlite3_close(d);
    if (waiting == 0 && refunded >= 1)
      break;
  }
  kill(pid, SIGTERM);
  int st;
  waitpid(pid, &st, 0);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);

  sqlite3 *d = open_db();
  /* Every packet: its ledger agrees with its rows; never over count or
   * total; the expired one closed with claims + refund == total. */
  assert_int_equal(sql_int(d, "SELECT count(*) FROM packets"), PACKETS);
  assert_int_equal(sql_int(d, "SELECT count(*) FROM packets p LEFT JOIN rp_balance b ON b.packet = p.id "
                              "WHERE b.packet IS NULL OR b.total != p.total OR b.claimed != p.claimed_fen "
                              "OR b.claims != p.claimed_count OR b.claimed > b.total "
                              "OR b.claimed != (SELECT coalesce(sum(fen), 0) FROM claims c WHERE c.packet = p.id) "
                              "OR b.claims != (SELECT count(*) FROM claims c WHERE c.packet = p.id) "
                              "OR (b.refund IS NOT NULL AND b.claimed + b.refund != b.total)"),
                   0);
  assert_int_equal(sql_int(d, "SELECT count(*) FROM packets WHERE claimed_count > count OR claimed_fen > total"), 0);
  assert_int_equal(sql_int(d, "SELECT count(*) FROM packets WHERE note = 'short' AND refund IS NULL"), 0);
  assert_true(sql_int(d, "SELECT refund FROM packets WHERE note = 'short'") >= 20); /* ≥ 20 shares unopened */
  assert_int_equal(sql_int(d, "SELECT count(*) FROM (SELECT packet, member FROM claims GROUP BY 1, 2 HAVING count(*) > 1)"), 0);
  /* Every claim acknowledged over HTTP is stored with that share. */
  for (int i = 0; i < nacks; i++) {
    char q[256];
    snprintf(q, sizeof q, "SELECT coalesce((SELECT fen FROM claims WHERE packet = '%.31s' AND member = '%.15s'), -1)",
             acks[i].packet, acks[i].member);
    if (sql_int(d, q) != acks[i].fen)
      fail_msg("claim %s/%s was acknowledged with %lld fen, stored %lld", acks[i].packet, acks[i].member,
               (long long)acks[i].fen, (long long)sql_int(d, q));
  }
  /* The webhook: no key with two amounts; each key's amount is its claim's;
   * every claim was paid. */
  int n = sink_count(sink);
  json_t *seen = json_object(); /* key → fen */
  for (int i = 0; i < n; i++) {
    struct sink_req r;
    assert_true(sink_get(sink, i, &r));
    json_t *j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    json_t *p = j; /* the webhook's payout body */
    assert_string_equal(json_string_value(json_object_get(j, "type")), "payout");
    const char *key = json_string_value(json_object_get(p, "billno"));
    char hkey[64];
    assert_non_null(key);
    assert_non_null(sink_header(&r, "Idempotency-Key", hkey, sizeof hkey));
    assert_string_equal(hkey, key);
    json_int_t fen = json_integer_value(json_object_get(p, "fen"));
    json_t *prev = json_object_get(seen, key);
    if (prev && json_integer_value(prev) != fen)
      fail_msg("payout key %s seen with %lld and %lld fen", key, (long long)json_integer_value(prev), (long long)fen);
    json_object_set_new(seen, key, json_integer(fen));
    char q[200];
    snprintf(q, sizeof q, "SELECT coalesce((SELECT fen FROM claims WHERE billno = '%.40s'), -1)", key);
    if (sql_int(d, q) != fen)
      fail_msg("payout %s of %lld fen has no such claim", key, (long long)fen);
    json_decref(j);
    sink_req_free(&r);
  }
  int64_t claims = sql_int(d, "SELECT count(*) FROM claims");
  assert_int_equal((int64_t)json_object_size(seen), claims);
  assert_int_equal(sql_int(d, "SELECT count(*) FROM outbox WHERE target LIKE 'payout:%' AND state != 1"), 0);
  print_message("%lld claims (%d acknowledged over HTTP, %d claim events), %d payout requests for "
                "%zu keys, %lld refunded\n", (long long)claims, nacks, events, n, json_object_size(seen),
                (long long)sql_int(d, "SELECT coalesce(sum(refund), 0) FROM packets"));
  assert_true(claims > 20);
  json_decref(seen);
  sqlite3_close(d);
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/qun-restart-rp-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(playbook, sizeof playbook, "%s/rain.lua", dir);
  snprintf(config, sizeof config, "%s/team.lua", dir);
  snprintf(db, sizeof db, "%s/qun.db", dir);
  sink = sink_start();
  assert_non_null(sink);
  char text[1024];
  snprintf(text, sizeof text,
           "grace = \"5s\"\n"
           "listen = { token = \"" TOKEN "\" }\n"
           "redpacket = { claim_url = \"https://shop.example/rp/{packet}\" }\n"
           "channels = { pay = { type = \"webhook\", url = \"%s/pay\", secret = \"restart-secret-0123\" } }\n"
           "payout_channel = \"pay\"\n", sink_base(sink));
  write_file(config, text);
  write_file(playbook,
             "playbook { name = \"claims-restart\", version = \"1.0.0\" }\n"
             "for i = 1, 3 do\n"
             "  redpacket.new { total = \"30.00\", count = 40, group = \"g1\", note = \"p\" .. i }\n"
             "end\n"
             "redpacket.new { total = \"50.00\", count = 100, expires = \"6s\", group = \"g1\", note = \"short\" }\n"
             "on(\"redpacket.claimed\", function(ev) tag.add(ev.member, \"claimed\") end)\n");
  srand((unsigned)getpid() ^ (unsigned)time(NULL));
  snprintf(listen_addr, sizeof listen_addr, "127.0.0.1:%d", 20000 + rand() % 20000);
  snprintf(url, sizeof url, "http://%s", listen_addr);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  return 0;
}

static int teardown(void **state) {
  (void)state;
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
      cmocka_unit_test_setup_teardown(test_sigkill_during_claims, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
