#define _GNU_SOURCE /* strptime, timegm */
/* test-live-vs-sim.c — one engine, two clocks: the same playbook run live
 * (`qun run`, wall clock, webhooks to a local sink, a rate limit that
 * holds messages back) and as a dry-run over the same seconds give the
 * same sends, in the same order, per destination. Needs QUN_BIN (ctest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/tz.h"
#include "host/config.h"
#include "sim/sim.h"
#include "sink.h"
#include "textfile.h"
#include "scratch.h"

static char dir[64], playbook[128], config[128], db[128], transcript[128];

/* "channel|to|text" of each send line whose due is in [from, to), in order. */
static int sends(json_t *lines, int64_t from, int64_t to, char out[][160], int max) {
  int n = 0;
  size_t i;
  json_t *l;
  json_array_foreach(lines, i, l) {
    if (strcmp(json_string_value(json_object_get(l, "ev")), "send") != 0)
      continue;
    struct tm tm = {0};
    const char *due = json_string_value(json_object_get(l, "due"));
    strptime(due, "%Y-%m-%dT%H:%M:%S", &tm);
    int64_t t = (int64_t)timegm(&tm) - 8 * 3600; /* +08:00 */
    if (t < from || t >= to)
      continue;
    assert_true(n < max);
    snprintf(out[n++], 160, "%s|%s|%s", json_string_value(json_object_get(l, "channel")),
             json_string_value(json_object_get(l, "to")),
             json_string_value(json_object_get(json_object_get(l, "msg"), "text")));
  }
  return n;
}

static json_t *read_transcript(const char *path) {
  json_t *a = json_array();
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    json_t *j = json_loads(line, 0, NULL);
    assert_non_null(j);
    json_array_append_new(a, j);
  }
  fclose(f);
  return a;
}

static void test_same_sends_both_clocks(void **state) {
  (void)state;
  struct sink *s = sink_start();
  assert_non_null(s);
  char team[1024];
  snprintf(team, sizeof team,
           "channels = {\n"
           "  a = { type = \"webhook\", url = \"%s/a\", rate = \"3/s\" },\n"
           "  b = { type = \"webhook\", url = \"%s/b\" },\n"
           "}\n"
           "groups = { g1 = { channel = \"a\" }, g2 = { channel = \"a\" }, g3 = { channel = \"b\" } }\n",
           sink_base(s), sink_base(s));
  write_file(config, team);
  /* Every two seconds: four messages to the channel limited to 3 a
   * second (one waits a second), one to the other. */
  write_file(playbook,
             "playbook { name = \"clocks\", version = \"1.0.0\" }\n"
             "schedule.every(\"every 2s\", \"tick\", function(occ)\n"
             "  for i = 1, 2 do send(\"g1\", \"g1 {t}.{i}\", { t = occ.due, i = i }) end\n"
             "  for i = 1, 2 do send(\"g2\", \"g2 {t}.{i}\", { t = occ.due, i = i }) end\n"
             "  send(\"g3\", \"g3 {t}\", { t = occ.due })\n"
             "end)\n");
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1), dup2(null, 2);
    execl(getenv("QUN_BIN"), "qun", "run", playbook, "--config", config, "--db", db, "--transcript",
          transcript, (char *)NULL);
    _exit(127);
  }
  sleep(9);
  kill(pid, SIGTERM);
  int st;
  waitpid(pid, &st, 0);
  assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  json_t *live = read_transcript(transcript);
  /* The live run's first tick is where the dry-run starts. */
  int64_t first = -1, last = -1;
  size_t i;
  json_t *l;
  json_array_foreach(live, i, l) {
    if (strcmp(json_string_value(json_object_get(l, "ev")), "send") != 0)
      continue;
    const char *text = json_string_value(json_object_get(json_object_get(l, "msg"), "text"));
    int64_t t = strtoll(text + 3, NULL, 10);
    if (first < 0 || t < first)
      first = t;
    if (t > last)
      last = t;
  }
  assert_true(first > 0 && last - first >= 6);
  struct qun_config cfg;
  char err[512];
  assert_int_equal(qun_config_load(config, &cfg, QUN_CONFIG_DRY, err, sizeof err), 0);
  struct qun_sim_opts o = {.playbook = playbook, .cfg = &cfg, .audience = 10, .seed = 1,
                           .start_ms = first * 1000 - 500, .end_ms = (last + 3) * 1000,
                           .grace_ms = 0, .keep = 1};
  struct qun_sim_result r;
  assert_int_equal(qun_sim_run(&o, &r, err, sizeof err), 0);
  /* The seconds both runs saw whole: the live run's last ticks may have
   * been cut by the stop. */
  static char a[512][160], b[512][160];
  int na = sends(live, first, last - 2, a, 512), nb = sends(r.lines, first, last - 2, b, 512);
  assert_true(na >= 10);
  assert_int_equal(na, nb);
  /* Per destination: one request at a time each, so a group sees its
   * messages in the order they were sent, on both clocks. */
  static const char *const dests[] = {"a|group:g1|", "a|group:g2|", "b|group:g3|"};
  for (size_t d = 0; d < 3; d++) {
    size_t len = strlen(dests[d]);
    int ka = 0, kb = 0;
    for (;;) {
      while (ka < na && strncmp(a[ka], dests[d], len) != 0)
        ka++;
      while (kb < nb && strncmp(b[kb], dests[d], len) != 0)
        kb++;
      if (ka == na || kb == nb)
        break;
      assert_string_equal(a[ka++], b[kb++]);
    }
    assert_true(ka == na && kb == nb);
  }
  /* The rate limit held messages back on both clocks. */
  json_int_t late[2] = {0, 0};
  json_t *runs[2] = {live, r.lines};
  for (int k = 0; k < 2; k++)
    json_array_foreach(runs[k], i, l)
      if (json_integer_value(json_object_get(l, "late_ms")) > late[k])
        late[k] = json_integer_value(json_object_get(l, "late_ms"));
  assert_true(late[0] >= 500 && late[1] >= 500);
  qun_sim_result_free(&r);
  qun_config_free(&cfg);
  json_decref(live);
  sink_stop(s);
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/qun-clocks-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(playbook, sizeof playbook, "%s/clocks.lua", dir);
  snprintf(config, sizeof config, "%s/team.lua", dir);
  snprintf(db, sizeof db, "%s/q.db", dir);
  snprintf(transcript, sizeof transcript, "%s/t.jsonl", dir);
  return qun_tz_set("Asia/Shanghai");
}

static int teardown(void **state) {
  (void)state;
  return scratch_remove(dir);
}

int main(void) {
  if (!getenv("QUN_BIN")) {
    fprintf(stderr, "QUN_BIN is not set (run through ctest)\n");
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_same_sends_both_clocks, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
