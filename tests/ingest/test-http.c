/* test-http.c — qun run --listen: POST /events from 50 concurrent clients
 * (every acknowledged event stored exactly once, and handed to the
 * playbook once), and each kind of bad request answered with its 4xx and a
 * JSON error, storing nothing. Needs QUN_BIN and QUN_SRC (ctest sets them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "listen.h"
#include "scratch.h"

#define TOKEN "test-token-0123456789abcdef"
#define CLIENTS 50
#define PER_CLIENT 20

static char dir[64], db[128], transcript[128], config[128], url[128];
static pid_t daemon_pid;

#define TIMEOUT_MS 20000

static long call(const char *path, const char *token, const char *body, struct http_answer *out) {
  return http_call(url, path, token, body, TIMEOUT_MS, out);
}

static void test_bad_requests(void **state) {
  (void)state;
  struct http_answer b;
  assert_int_equal(call("/healthz", NULL, NULL, &b), 200);
  assert_string_equal(b.data, "{\"ok\":true}");
  static const struct { const char *token, *body; long code; const char *answer; } cases[] = {
      {"wrong-token-0123456789", "{\"type\":\"hello\",\"member\":\"m1\"}", 401,
       "{\"error\":\"missing or wrong token: send Authorization: Bearer <listen.token>\"}"},
      {NULL, "{\"type\":\"hello\",\"member\":\"m1\"}", 401,
       "{\"error\":\"missing or wrong token: send Authorization: Bearer <listen.token>\"}"},
      {TOKEN, "{\"type\":\"hello\"", 400,
       "{\"error\":\"malformed JSON: '}' expected near end of file (line 1, column 15)\"}"},
      {TOKEN, "{\"type\":\"hello\",\"member\":\"m1\",\"nmae\":1}", 422,
       "{\"error\":\"event 1: unknown field \\\"nmae\\\" (fields: id, type, member, group, at, data)\"}"},
      {TOKEN, "[{\"type\":\"hello\",\"member\":\"m1\"},{\"member\":\"m2\"}]", 422,
       "{\"error\":\"event 2: no \\\"type\\\" (e.g. \\\"checkin\\\", \\\"link.click\\\", \\\"purchase\\\")\"}"},
      {TOKEN, "{\"type\":\"hello\"}", 422, "{\"error\":\"event 1: no \\\"member\\\" (the member's id)\"}"},
      {TOKEN, "[]", 422, "{\"error\":\"the body is one event (a JSON object) or a non-empty array of them\"}"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    long code = call("/events", cases[i].token, cases[i].body, &b);
    if (code != cases[i].code || strcmp(b.data, cases[i].answer) != 0)
      fail_msg("case %zu: %ld %s", i, code, b.data);
  }
  char big[4000];
  memset(big, ' ', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  memcpy(big, "{\"type\":\"hello\",\"member\":\"m1\"}", 30);
  assert_int_equal(call("/events", TOKEN, big, &b), 413);
  assert_string_equal(b.data, "{\"error\":\"the body is over the limit of 2048 bytes (listen.max_body)\"}");
  assert_int_equal(db_int(db, "SELECT count(*) FROM events"), 0); /* nothing stored */
}

static void test_concurrent_clients(void **state) {
  (void)state;
  static struct http_answer out[CLIENTS];
  char bodies[CLIENTS][256];
  const char *body_of[CLIENTS];
  long codes[CLIENTS];
  int acked = 0;
  for (int round = 0; round < PER_CLIENT; round++) {
    for (int i = 0; i < CLIENTS; i++) {
      snprintf(bodies[i], sizeof bodies[i],
               "{\"id\":\"c%d-r%d\",\"type\":\"hello\",\"member\":\"m%d\",\"data\":{\"round\":%d}}", i,
               round, i, round);
      body_of[i] = bodies[i];
    }
    http_call_many(url, "/events", TOKEN, body_of, CLIENTS, TIMEOUT_MS, out, codes);
    for (int i = 0; i < CLIENTS; i++)
      if (codes[i] == 202 && strcmp(out[i].data, "{\"stored\":1}") == 0)
        acked++;
  }
  assert_int_equal(acked, CLIENTS * PER_CLIENT);
  /* A retry of an acknowledged event does not store it twice. */
  struct http_answer b;
  assert_int_equal(call("/events", TOKEN, "{\"id\":\"c0-r0\",\"type\":\"hello\",\"member\":\"m0\",\"data\":{\"round\":0}}", &b), 202);
  assert_int_equal(db_int(db, "SELECT count(*) FROM events"), CLIENTS * PER_CLIENT);
  assert_int_equal(db_int(db, "SELECT count(DISTINCT ext_id) FROM events"), CLIENTS * PER_CLIENT);
  /* The playbook heard each one once (stop the daemon to settle the file). */
  int st = listen_stop(daemon_pid);
  daemon_pid = 0;
  assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  FILE *f = fopen(transcript, "r");
  assert_non_null(f);
  char line[1024];
  int heard = 0;
  while (fgets(line, sizeof line, f))
    heard += strstr(line, "\"ev\":\"log\",\"job\":\"on hello\"") != NULL;
  fclose(f);
  assert_int_equal(heard, CLIENTS * PER_CLIENT);
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/qun-http-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(db, sizeof db, "%s/q.db", dir);
  snprintf(transcript, sizeof transcript, "%s/t.jsonl", dir);
  snprintf(config, sizeof config, "%s/team.lua", dir);
  FILE *f = fopen(config, "w");
  fprintf(f, "listen = { token = env(\"QUN_TEST_LISTEN_TOKEN\"), max_body = 2048 }\n");
  fclose(f);
  setenv("QUN_TEST_LISTEN_TOKEN", TOKEN, 1);
  srand((unsigned)getpid() ^ (unsigned)time(NULL));
  curl_global_init(CURL_GLOBAL_DEFAULT);
  char playbook[512];
  snprintf(playbook, sizeof playbook, "%s/tests/cli/fixtures/hello.lua", getenv("QUN_SRC"));
  const char *args[] = {"run", playbook, "--config", config, "--db", db, "--transcript", transcript, NULL};
  return listen_start(args, 5, &daemon_pid, url, sizeof url);
}

static int teardown(void **state) {
  (void)state;
  if (daemon_pid > 0)
    listen_stop(daemon_pid);
  curl_global_cleanup();
  return scratch_remove(dir);
}

int main(void) {
  if (!getenv("QUN_BIN") || !getenv("QUN_SRC")) {
    fprintf(stderr, "QUN_BIN and QUN_SRC are not set (run through ctest)\n");
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad_requests),
      cmocka_unit_test(test_concurrent_clients),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
