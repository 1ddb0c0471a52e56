/* test-restart.c — `qun run` killed with SIGKILL at random moments, then
 * restarted, 20 times, while an "every 1s" schedule sends a message over
 * a webhook to a local HTTP sink and queues a one-off job. From the
 * transcript: every occurrence in the window fired exactly once or was
 * recorded as skipped (past the grace), every one-off job fired exactly
 * once, every message was recorded sent exactly once. At the sink: every
 * message arrived; one that arrived twice was in flight at a kill, and
 * came again with the same idempotency key and the same body.
 * Needs QUN_BIN (set by ctest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sink.h"
#include "textfile.h"
#include "scratch.h"

static char dir[256], playbook[300], config[300], db[300], transcript[300];
static struct sink *sink;

static pid_t start_daemon(void) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(getenv("QUN_BIN"), "qun", "run", playbook, "--config", config, "--db", db,
          "--transcript", transcript, (char *)NULL);
    _exit(127);
  }
  return pid;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

static int64_t parse_t(const char *s) {
  struct tm tm = {0};
  int off_h = 0, off_m = 0;
  char sign = '+';
  int n = sscanf(s, "%d-%d-%dT%d:%d:%d%c%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &sign, &off_h, &off_m);
  assert_int_equal(n, 9);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t t = (int64_t)timegm(&tm);
  int64_t off = (off_h * 3600 + off_m * 60) * (sign == '-' ? -1 : 1);
  return t - off;
}

#define MAXS 4096

static void test_sigkill_restarts(void **state) {
  (void)state;
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  for (int round = 0; round < 20; round++) {
    pid_t pid = start_daemon();
    sleep_ms(300 + rand() % 1200);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFSIGNALED(st)); /* it was running, not failing */
    if (rand() % 4 == 0)
      sleep_ms(3500); /* down longer than the grace: occurrences are skipped */
  }
  /* A last clean run lets the pending one-off jobs fire, then stops. */
  pid_t pid = start_daemon();
  sleep_ms(4000);
  kill(pid, SIGTERM);
  int st;
  waitpid(pid, &st, 0);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);

  /* Read the transcript. */
  static int64_t fired[MAXS], skipped[MAXS], echoed[MAXS], sent[MAXS];
  int nf = 0, ns = 0, ne = 0, nsent = 0;
  FILE *f = fopen(transcript, "r");
  assert_non_null(f);
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    json_error_t jerr;
    json_t *j = json_loads(line, 0, &jerr);
    if (!j)
      fail_msg("transcript line is not JSON: %s", line);
    const char *ev = json_string_value(json_object_get(j, "ev"));
    const char *job = json_string_value(json_object_get(j, "job"));
    const char *due = json_string_value(json_object_get(j, "due"));
    const char *msg = json_string_value(json_object_get(j, "message"));
    assert_non_null(ev);
    if (strcmp(ev, "log") == 0 && job && strcmp(job, "tick") == 0) {
      assert_true(nf < MAXS);
      fired[nf++] = parse_t(due);
    } else if (strcmp(ev, "skipped") == 0 && job && strcmp(job, "tick") == 0) {
      assert_true(ns < MAXS);
      skipped[ns++] = parse_t(due);
    } else if (strcmp(ev, "send") == 0) {
      const char *text = json_string_value(json_object_get(json_object_get(j, "msg"), "text"));
      assert_true(nsent < MAXS);
      assert_non_null(text);
      sent[nsent++] = strtoll(text + strlen("tick "), NULL, 10);
    } else if (strcmp(ev, "log") == 0 && job && strcmp(job, "echo") == 0) {
      assert_true(ne < MAXS);
      echoed[ne++] = strtoll(msg + strlen("echo "), NULL, 10);
    }
    json_decref(j);
  }
  fclose(f);
  assert_true(nf > 10);

  /* Every second between the first and the last occurrence exactly once. */
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (int i = 0; i < nf; i++)
    lo = fired[i] < lo ? fired[i] : lo, hi = fired[i] > hi ? fired[i] : hi;
  for (int i = 0; i < ns; i++)
    lo = skipped[i] < lo ? skipped[i] : lo, hi = skipped[i] > hi ? skipped[i] : hi;
  for (int64_t t = lo; t <= hi; t++) {
    int seen = 0;
    for (int i = 0; i < nf; i++)
      seen += fired[i] == t;
    for (int i = 0; i < ns; i++)
      seen += skipped[i] == t;
    if (seen != 1)
      fail_msg("occurrence %lld seen %d times (fired %d, skipped %d)", (long long)t, seen, nf, ns);
  }
  /* Every fired tick scheduled one echo 2 s later, which fired exactly
   * once; the echoes of the last ticks may still be pending at the stop. */
  for (int i = 0; i < nf; i++) {
    int seen = 0;
    for (int k = 0; k < ne; k++)
      seen += echoed[k] == fired[i];
    if (seen > 1 || (seen == 0 && fired[i] < hi - 3))
      fail_msg("the one-off job of tick %lld fired %d times", (long long)fired[i], seen);
  }
  assert_true(ne <= nf);
  /* Every fired tick queued one message in its transaction: each was sent
   * exactly once (the outbox survives the kills; a send is recorded in the
   * same transaction that marks it sent). */
  for (int i = 0; i < nf; i++) {
    int seen = 0;
    for (int k = 0; k < nsent; k++)
      seen += sent[k] == fired[i];
    if (seen != 1)
      fail_msg("the message of tick %lld was sent %d times", (long long)fired[i], seen);
  }
  assert_int_equal(nsent, nf);
  /* At the sink: each message at least once; a repeat carries the key and
   * body of the first (it was in flight when the daemon was killed). */
  int n = sink_count(sink), dups = 0;
  static char keys[MAXS][96], bodies[MAXS][256];
  int nkeys = 0;
  for (int i = 0; i < n; i++) {
    struct sink_req r;
    char key[96];
    assert_true(sink_get(sink, i, &r));
    assert_non_null(sink_header(&r, "Idempotency-Key", key, sizeof key));
    int k = 0;
    while (k < nkeys && strcmp(keys[k], key) != 0)
      k++;
    if (k < nkeys) {
      assert_string_equal(bodies[k], r.body);
      dups++;
    } else {
      assert_true(nkeys < MAXS);
      snprintf(keys[nkeys], sizeof keys[0], "%s", key);
      snprintf(bodies[nkeys++], sizeof bodies[0], "%s", r.body);
    }
    sink_req_free(&r);
  }
  for (int i = 0; i < nf; i++) {
    char text[64];
    snprintf(text, sizeof text, "\"tick %lld\"", (long long)fired[i]);
    int seen = 0;
    for (int k = 0; k < nkeys && !seen; k++)
      seen = strstr(bodies[k], text) != NULL;
    if (!seen)
      fail_msg("the message of tick %lld never reached the sink", (long long)fired[i]);
  }
  assert_int_equal(nkeys, nf);
  assert_true(dups <= 20); /* at most what was in flight at the 20 kills */
  print_message("%d occurrences fired, %d skipped, %d one-off jobs, %d messages (%d sent twice)\n", nf, ns,
                ne, nkeys, dups);
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/qun-restart-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(playbook, sizeof playbook, "%s/tick.lua", dir);
  snprintf(config, sizeof config, "%s/team.lua", dir);
  snprintf(db, sizeof db, "%s/qun.db", dir);
  snprintf(transcript, sizeof transcript, "%s/transcript.jsonl", dir);
  write_file(playbook,
             "playbook { name = \"tick\", version = \"1.0.0\" }\n"
             "schedule.every(\"every 1s\", \"tick\", function(occ)\n"
             "  log(\"tick\")\n"
             "  send(\"g1\", \"tick {d}\", { d = occ.due })\n"
             "  schedule.after(\"2s\", jobs.echo, { k = occ.due })\n"
             "end)\n"
             "function jobs.echo(args) log(\"echo %d\", args.k) end\n");
  if (!(sink = sink_start()))
    return -1;
  char team[512];
  snprintf(team, sizeof team,
           "grace = \"2s\"\n"
           "channels = { hook = { type = \"webhook\", url = \"%s/qun\", secret = \"restart-secret\" } }\n"
           "groups = { g1 = { channel = \"hook\" } }\n", sink_base(sink));
  write_file(config, team);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  sink_stop(sink);
  return scratch_remove(dir);
}

int main(void) {
  if (!getenv("QUN_BIN")) {
    fprintf(stderr, "QUN_BIN is not set (run through ctest)\n");
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sigkill_restarts, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
