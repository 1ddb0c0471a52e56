/* test-sim.c — the dry-run: same inputs and seed give the same transcript
 * byte for byte (another seed does not); reactions come back as events in
 * time order with the run's own lines; over-messaged members leave and do
 * nothing more; a roster and a model file are read, and their mistakes
 * named; internal groups get no audience. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/timespec.h"
#include "core/tz.h"
#include "host/config.h"
#include "sim/sim.h"
#include "scratch.h"

static char dir[64];

static const char *data(const char *name) {
  static char path[16][512]; /* a few stay valid at once */
  static int k;
  k = (k + 1) % 16;
  snprintf(path[k], sizeof path[k], "%s/tests/sim/data/%s", getenv("QUN_SRC") ? getenv("QUN_SRC") : ".", name);
  return path[k];
}

static int64_t at(const char *s) {
  int64_t t;
  assert_int_equal(qun_time_parse(s, 0, &t), 0);
  return t * 1000;
}

static struct qun_sim_opts opts(const char *playbook, int audience, uint64_t seed, const char *transcript) {
  return (struct qun_sim_opts){.playbook = data(playbook), .audience = audience, .seed = seed,
                               .start_ms = at("2026-11-23 00:00"), .end_ms = at("2026-11-25 00:00"),
                               .grace_ms = 600000, .transcript = transcript};
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *b = malloc((size_t)n + 1);
  assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
  b[n] = '\0';
  fclose(f);
  return b;
}

static void test_same_seed_same_bytes(void **state) {
  (void)state;
  char a[128], b[128], c[128], err[512];
  snprintf(a, sizeof a, "%s/a.jsonl", dir), snprintf(b, sizeof b, "%s/b.jsonl", dir),
      snprintf(c, sizeof c, "%s/c.jsonl", dir);
  struct qun_sim_result r;
  struct qun_sim_opts o = opts("chatty.lua", 600, 7, a);
  assert_int_equal(qun_sim_run(&o, &r, err, sizeof err), 0);
  qun_sim_result_free(&r);
  o.transcript = b;
  assert_int_equal(qun_sim_run(&o, &r, err, sizeof err), 0);
  qun_sim_result_free(&r);
  o.transcript = c, o.seed = 8;
  assert_int_equal(qun_sim_run(&o, &r, err, sizeof err), 0);
  qun_sim_result_free(&r);
  char *ta = slurp(a), *tb = slurp(b), *tc = slurp(c);
  assert_true(strlen(ta) > 10000);
  assert_string_equal(ta, tb);
  assert_true(strcmp(ta, tc) != 0);
  free(ta), free(tb), free(tc);
}

/* Every line in time order; reactions are events of the kinds the model
 * knows, by members of the audience, after the message they answer. */
static void test_reactions_in_time_order(void **state) {
  (void)state;
  char err[512];
  struct qun_sim_result r;
  struct qun_sim_opts o = opts("chatty.lua", 300, 1, NULL);
  o.keep = 1;
  assert_int_equal(qun_sim_run(&o, &r, err, sizeof err), 0);
  size_t i;
  json_t *line;
  const char *prev = "";
  int clicks = 0, buys = 0, tags = 0, first_send = -1, nbuyers = 0;
  char buyers[300][16];
  json_array_foreach(r.lines, i, line) {
    const char *t = json_string_value(json_object_get(line, "t"));
    const char *ev = json_string_value(json_object_get(line, "ev"));
    assert_true(strcmp(prev, t) <= 0);
    prev = t;
    if (strcmp(ev, "send") == 0 && first_send < 0)
      first_send = (int)i;
    if (strcmp(ev, "event") == 0) {
      const char *type = json_string_value(json_object_get(line, "type"));
      const char *member = json_string_value(json_object_get(line, "member"));
      assert_non_null(member);
      assert_true(strncmp(member, "m", 1) == 0);
      if (strcmp(type, "link.click") == 0) {
        assert_true(first_send >= 0 && (int)i > first_send);
        clicks++;
      }
      if (strcmp(type, "purchase") == 0) {
        buys++;
        int seen = 0;
        for (int k = 0; k < nbuyers && !seen; k++)
          seen = strcmp(buyers[k], member) == 0;
        if (!seen && nbuyers < 300)
          snprintf(buyers[nbuyers++], sizeof buyers[0], "%s", member);
      }
    }
    tags += strcmp(ev, "tag") == 0;
  }
  assert_true(clicks > 50);
  assert_true(buys > 0);
  assert_int_equal(tags, nbuyers); /* on("purchase") tags each buyer once */
  assert_int_equal(json_array_size(r.requests) > 0, 1);
  qun_sim_result_free(&r);
}

/* A message every 30 minutes: members tire and leave; after the
 * member.left event a member does nothing more. */
static void test_fatigue_and_leaving(void **state) {
  (void)state;
  char err[512];
  struct qun_sim_result r;
  struct qun_sim_opts o = opts("chatty.lua", 300, 3, NULL);
  o.keep = 1;
  assert_int_equal(qun_sim_run(&o, &r, err, sizeof err), 0);
  size_t i;
  json_t *line;
  char left[300][16];
  int nleft = 0;
  json_array_foreach(r.lines, i, line) {
    if (strcmp(json_string_value(json_object_get(line, "ev")), "event") != 0)
      continue;
    const char *type = json_string_value(json_object_get(line, "type"));
    const char *member = json_string_value(json_object_get(line, "member"));
    for (int k = 0; k < nleft; k++)
      if (strcmp(left[k], member) == 0)
        fail_msg("%s acted (%s) after leaving", member, type);
    if (strcmp(type, "member.left") == 0) {
      assert_true(nleft < 300);
      snprintf(left[nleft++], sizeof left[0], "%s", member);
    }
  }
  assert_true(nleft > 10);
  qun_sim_result_free(&r);
}

static void test_roster_and_model(void **state) {
  (void)state;
  char err[512];
  struct qun_sim_result r;
  struct qun_sim_opts o = opts("chatty.lua", 0, 1, NULL);
  o.members_csv = data("roster.csv");
  o.model = data("model_calm.lua");
  o.keep = 1;
  assert_int_equal(qun_sim_run(&o, &r, err, sizeof err), 0);
  /* Everyone in sh-1 (c1, c2) buys after the first message; c3 is only in sh-2. */
  int c1 = 0, c2 = 0, c3 = 0;
  size_t i;
  json_t *line;
  json_array_foreach(r.lines, i, line) {
    const char *type = json_string_value(json_object_get(line, "type"));
    const char *member = json_string_value(json_object_get(line, "member"));
    if (type && strcmp(type, "purchase") == 0) {
      c1 += strcmp(member, "c1") == 0, c2 += strcmp(member, "c2") == 0, c3 += strcmp(member, "c3") == 0;
    }
  }
  assert_true(c1 > 10 && c2 > 10);
  assert_int_equal(c3, 0);
  qun_sim_result_free(&r);

  o.model = data("model_bad.lua");
  assert_int_equal(qun_sim_run(&o, &r, err, sizeof err), -1);
  char want[600];
  snprintf(want, sizeof want, "%s: personas[1].read must be a number from 0 to 1", data("model_bad.lua"));
  assert_string_equal(err, want);
  o.model = data("model_typo.lua");
  assert_int_equal(qun_sim_run(&o, &r, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s: unknown field 'persona' (fields: personas, active_hours, read_delay, "
                              "claim_delay, act_delay, fatigue, keywords, basket, ads, questions)",
           data("model_typo.lua"));
  assert_string_equal(err, want);
  o.model = NULL;
  o.members_csv = data("roster_bad.csv");
  assert_int_equal(qun_sim_run(&o, &r, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s:3: column \"id\" is empty", data("roster_bad.csv"));
  assert_string_equal(err, want);
}

/* Friends who join grow the audience past its first allocation: each
 * join names its inviter, a member of the audience (a member array that
 * moves under the inviter would show under ASan). */
static void test_friends_join(void **state) {
  (void)state;
  char err[512];
  struct qun_sim_result r;
  struct qun_sim_opts o = opts("inviting.lua", 200, 3, NULL);
  o.keep = 1;
  assert_int_equal(qun_sim_run(&o, &r, err, sizeof err), 0);
  size_t i, joins = 0;
  json_t *line;
  json_array_foreach(r.lines, i, line) {
    const char *type = json_string_value(json_object_get(line, "type"));
    if (!type || strcmp(type, "member.joined") != 0)
      continue;
    const char *inviter = json_string_value(json_object_get(json_object_get(line, "data"), "inviter"));
    assert_non_null(inviter);
    assert_true(inviter[0] == 'm' || inviter[0] == 'j'); /* m0001…, or a friend who joined */
    joins++;
  }
  assert_true(joins >= 10);
  qun_sim_result_free(&r);
}

/* An internal group (the operators' own) gets no simulated members: the
 * audience is spread over the others, and everything it does happens there. */
static void test_internal_group(void **state) {
  (void)state;
  char err[512];
  struct qun_config cfg;
  qun_config_defaults(&cfg);
  struct qun_group groups[] = {{.id = "ops", .channel = "out", .internal = 1},
                               {.id = "sh-1", .channel = "out"},
                               {.id = "sh-2", .channel = "out"}};
  cfg.groups = groups, cfg.ngroups = 3;
  struct qun_sim_result r;
  struct qun_sim_opts o = opts("chatty.lua", 300, 1, NULL);
  o.cfg = &cfg;
  o.keep = 1;
  assert_int_equal(qun_sim_run(&o, &r, err, sizeof err), 0);
  json_t *aud = json_object_get(r.summary, "audience");
  assert_int_equal(json_integer_value(json_object_get(aud, "groups")), 2);
  assert_int_equal(json_integer_value(json_object_get(aud, "members")), 300);
  size_t i, events = 0;
  json_t *line;
  json_array_foreach(r.lines, i, line) {
    const char *g = json_string_value(json_object_get(line, "group"));
    if (json_object_get(line, "type") && g) {
      assert_string_not_equal(g, "ops");
      events++;
    }
  }
  assert_true(events >= 10);
  qun_sim_result_free(&r);
  free(cfg.timezone); /* the groups are this test's: not qun_config_free */
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/qun-sim-XXXXXX");
  assert_non_null(mkdtemp(dir));
  return qun_tz_set("Asia/Shanghai");
}

static int teardown(void **state) {
  (void)state;
  return scratch_remove(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_seed_same_bytes),
      cmocka_unit_test(test_reactions_in_time_order),
      cmocka_unit_test(test_fatigue_and_leaving),
      cmocka_unit_test(test_roster_and_model),
      cmocka_unit_test(test_internal_group),
      cmocka_unit_test(test_friends_join),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
