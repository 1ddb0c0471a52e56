/* test-run.c — the engine on the virtual clock: schedules over days,
 * atomic handlers (a raising handler leaves no trace), one-off jobs and
 * cancels, restarts that neither repeat nor lose occurrences, a group
 * commit's effects held until its outcome is known, and the errors a
 * playbook author sees. Transcript lines are compared exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/tz.h"
#include "host/config.h"
#include "host/run.h"
#include "store/store.h"
#include "textfile.h"

static char dir[64], transcript[128];

static const char *pb(const char *name) {
  static char path[512];
  snprintf(path, sizeof path, "%s/tests/engine/playbooks/%s", getenv("QUN_SRC") ? getenv("QUN_SRC") : ".", name);
  return path;
}

static int64_t local_ms(const char *s) { /* "2026-11-22 10:00" in Shanghai */
  int y, mo, d, h, mi;
  sscanf(s, "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi);
  struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
  return qun_tz_mktime(&tm) * 1000;
}

static struct qun_run *open_run(struct qun_store *st, const char *file, const char *start,
                                int64_t grace_ms, char *err) {
  struct qun_run_opts o = {.path = pb(file), .store = st, .start_ms = local_ms(start),
                           .grace_ms = grace_ms, .mode = "sim", .transcript = transcript};
  struct qun_run *r = NULL;
  if (qun_run_open(&o, &r, err, 1024) < 0)
    return NULL;
  return r;
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/qun-run-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(transcript, sizeof transcript, "%s/t.jsonl", dir);
  return qun_tz_set("Asia/Shanghai");
}

static int teardown(void **state) {
  (void)state;
  remove(transcript);
  return rmdir(dir);
}

static void test_daily_week(void **state) {
  (void)state;
  struct qun_store *st;
  char err[1024];
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  struct qun_run *r = open_run(st, "daily.lua", "2026-11-22 10:00", 600000, err);
  assert_non_null(r);
  qun_run_until(r, local_ms("2026-11-25 09:00"));
  assert_string_equal(read_lines(transcript, 0),
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"log\",\"job\":\"morning\",\"due\":\"2026-11-23T09:00:00+08:00\",\"message\":\"morning Mon\"}\n"
      "{\"t\":\"2026-11-24T09:00:00+08:00\",\"ev\":\"log\",\"job\":\"morning\",\"due\":\"2026-11-24T09:00:00+08:00\",\"message\":\"morning Tue\"}\n"
      "{\"t\":\"2026-11-24T12:00:00+08:00\",\"ev\":\"log\",\"job\":\"once\",\"due\":\"2026-11-24T12:00:00+08:00\",\"message\":\"once\"}\n"
      "{\"t\":\"2026-11-25T09:00:00+08:00\",\"ev\":\"log\",\"job\":\"morning\",\"due\":\"2026-11-25T09:00:00+08:00\",\"message\":\"morning Wed\"}\n");
  qun_run_close(r);
  /* Restart at Thursday 09:05 (within the 10 min grace): Thursday's
   * morning fires late, nothing else repeats. */
  r = open_run(st, "daily.lua", "2026-11-26 09:05", 600000, err);
  assert_non_null(r);
  qun_run_until(r, local_ms("2026-11-26 12:00"));
  assert_string_equal(read_lines(transcript, 4),
      "{\"t\":\"2026-11-26T09:05:00+08:00\",\"ev\":\"log\",\"job\":\"morning\",\"due\":\"2026-11-26T09:00:00+08:00\",\"message\":\"morning Thu\"}\n");
  qun_run_close(r);
  /* Restart on Sunday: Friday and Saturday are past the grace. */
  r = open_run(st, "daily.lua", "2026-11-29 10:00", 600000, err);
  assert_non_null(r);
  qun_run_until(r, local_ms("2026-11-30 09:00"));
  assert_string_equal(read_lines(transcript, 5),
      "{\"t\":\"2026-11-29T10:00:00+08:00\",\"ev\":\"skipped\",\"job\":\"morning\",\"due\":\"2026-11-27T09:00:00+08:00\",\"reason\":\"missed by more than the grace (10m)\"}\n"
      "{\"t\":\"2026-11-29T10:00:00+08:00\",\"ev\":\"skipped\",\"job\":\"morning\",\"due\":\"2026-11-28T09:00:00+08:00\",\"reason\":\"missed by more than the grace (10m)\"}\n"
      "{\"t\":\"2026-11-29T10:00:00+08:00\",\"ev\":\"skipped\",\"job\":\"morning\",\"due\":\"2026-11-29T09:00:00+08:00\",\"reason\":\"missed by more than the grace (10m)\"}\n"
      "{\"t\":\"2026-11-30T09:00:00+08:00\",\"ev\":\"log\",\"job\":\"morning\",\"due\":\"2026-11-30T09:00:00+08:00\",\"message\":\"morning Mon\"}\n");
  qun_run_close(r);
  qun_store_close(st);
}

static void test_raising_handler_leaves_no_trace(void **state) {
  (void)state;
  struct qun_store *st;
  char err[1024];
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  struct qun_run *r = open_run(st, "raises.lua", "2026-11-22 10:00", 600000, err);
  assert_non_null(r);
  qun_run_until(r, local_ms("2026-11-22 12:30"));
  /* Its log line and its job are gone; the error is recorded; the
   * schedule goes on. */
  char want[2048];
  const char *path = pb("raises.lua");
  snprintf(want, sizeof want,
           "{\"t\":\"2026-11-22T11:00:00+08:00\",\"ev\":\"error\",\"job\":\"bad\",\"message\":\"%s:5: boom\"}\n"
           "{\"t\":\"2026-11-22T12:00:00+08:00\",\"ev\":\"error\",\"job\":\"bad\",\"message\":\"%s:5: boom\"}\n",
           path, path);
  assert_string_equal(read_lines(transcript, 0), want);
  assert_int_equal(qun_store_jobs_count(st, 1, QUN_JOB_PENDING), 0);
  assert_int_equal(qun_store_jobs_count(st, 1, QUN_JOB_DONE), 0);
  qun_run_until(r, local_ms("2026-11-22 14:00")); /* the jobs.never that was rolled back never fires */
  assert_null(strstr(read_lines(transcript, 0), "never"));
  qun_run_close(r);
  qun_store_close(st);
}

static void test_jobs_and_cancel(void **state) {
  (void)state;
  struct qun_store *st;
  char err[1024];
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  struct qun_run *r = open_run(st, "jobs.lua", "2026-11-23 09:00", 600000, err);
  assert_non_null(r);
  qun_run_until(r, local_ms("2026-11-23 10:45"));
  qun_run_close(r);
  /* A restart in between: the 11:00 job is restored from the store. */
  r = open_run(st, "jobs.lua", "2026-11-23 10:50", 600000, err);
  assert_non_null(r);
  qun_run_until(r, local_ms("2026-11-23 13:00"));
  assert_string_equal(read_lines(transcript, 0),
      "{\"t\":\"2026-11-23T10:00:00+08:00\",\"ev\":\"log\",\"job\":\"start\",\"due\":\"2026-11-23T10:00:00+08:00\",\"message\":\"cancelled: true\"}\n"
      "{\"t\":\"2026-11-23T10:30:00+08:00\",\"ev\":\"log\",\"job\":\"remind\",\"due\":\"2026-11-23T10:30:00+08:00\",\"message\":\"remind m3 3\"}\n"
      "{\"t\":\"2026-11-23T11:00:00+08:00\",\"ev\":\"log\",\"job\":\"remind\",\"due\":\"2026-11-23T11:00:00+08:00\",\"message\":\"remind m1 1\"}\n");
  assert_int_equal(qun_store_jobs_count(st, 1, QUN_JOB_CANCELLED), 1);
  assert_int_equal(qun_store_jobs_count(st, 1, QUN_JOB_DONE), 2);
  qun_run_close(r);
  qun_store_close(st);
}

static void test_events_once(void **state) {
  (void)state;
  struct qun_store *st;
  char err[1024], want[4096];
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  struct qun_run *r = open_run(st, "events.lua", "2026-11-23 09:00", 600000, err);
  assert_non_null(r);
  int64_t t = local_ms("2026-11-23 09:00");
  qun_store_event_add(st, "checkin", "m1", "g1", t, "{\"points\":10}", t);
  qun_store_event_add(st, "checkin", "m2", "g1", t, "{\"points\":-1}", t);
  qun_store_event_add(st, "order", "m3", "g2", t, NULL, t);
  qun_store_event_add(st, "unheard", "m4", NULL, t, NULL, t);
  assert_int_equal(qun_run_poll_events(r), 4);
  assert_int_equal(qun_run_poll_events(r), 0); /* each event once */
  const char *path = pb("events.lua");
  snprintf(want, sizeof want,
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"event\",\"type\":\"checkin\",\"member\":\"m1\",\"group\":\"g1\",\"data\":{\"points\":10}}\n"
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"log\",\"job\":\"on checkin\",\"due\":\"2026-11-23T09:00:00+08:00\",\"message\":\"checkin m1 10\"}\n"
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"event\",\"type\":\"checkin\",\"member\":\"m2\",\"group\":\"g1\",\"data\":{\"points\":-1}}\n"
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"error\",\"job\":\"on checkin\",\"message\":\"%s:3: negative points\"}\n"
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"event\",\"type\":\"order\",\"member\":\"m3\",\"group\":\"g2\",\"data\":null}\n"
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"log\",\"job\":\"on order\",\"due\":\"2026-11-23T09:00:00+08:00\",\"message\":\"order m3 in g2\"}\n"
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"event\",\"type\":\"unheard\",\"member\":\"m4\",\"group\":null,\"data\":null}\n",
      path);
  assert_string_equal(read_lines(transcript, 0), want);
  qun_run_close(r);
  /* A restart does not dispatch them again. */
  r = open_run(st, "events.lua", "2026-11-23 09:30", 600000, err);
  assert_non_null(r);
  assert_int_equal(qun_run_poll_events(r), 0);
  qun_run_close(r);
  qun_store_close(st);
}

/* The HTTP endpoint's group commit, as the daemon drives it: events
 * handled in the caller's transaction, which may commit while other calls
 * run (here a schedule fires in between); the batch's effects (a new job)
 * wait for qun_run_after_commit, and are dropped if the commit failed. */
static void test_group_commit_holds_effects(void **state) {
  (void)state;
  struct qun_store *st;
  char err[1024];
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  struct qun_run *r = open_run(st, "held.lua", "2026-11-23 09:00", 600000, err);
  assert_non_null(r);
  int64_t t = local_ms("2026-11-23 09:00");
  assert_int_equal(qun_store_begin(st), 0);
  qun_store_event_add(st, "signup", "m1", NULL, t, "{\"who\":\"m1\"}", t);
  assert_int_equal(qun_run_dispatch_in_tx(r), 1);
  assert_int_equal(qun_store_commit(st), 0);
  qun_run_until(r, local_ms("2026-11-23 09:06")); /* "tick" runs in between */
  qun_run_after_commit(r, 1);
  /* A batch whose commit fails: its job is neither stored nor armed. */
  assert_int_equal(qun_store_begin(st), 0);
  qun_store_event_add(st, "signup", "m2", NULL, t, "{\"who\":\"m2\"}", t);
  assert_int_equal(qun_run_dispatch_in_tx(r), 1);
  assert_int_equal(qun_store_rollback(st), 0);
  qun_run_after_commit(r, 0);
  qun_run_until(r, local_ms("2026-11-23 12:00"));
  const char *tr = read_lines(transcript, 0);
  assert_int_equal(count_in(tr, "\"message\":\"tick\""), 1);
  assert_int_equal(count_in(tr, "\"message\":\"welcome m1\""), 1);
  assert_int_equal(count_in(tr, "welcome m2"), 0);
  assert_int_equal(qun_store_jobs_count(st, 1, QUN_JOB_DONE), 1);
  assert_int_equal(qun_store_jobs_count(st, 1, QUN_JOB_PENDING), 0);
  qun_run_close(r);
  qun_store_close(st);
}

static void test_tiers_from_events(void **state) {
  (void)state;
  struct qun_store *st;
  char err[1024];
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  static const char *const ids[] = {"m1", "m2", "m3", "m4", "m5"};
  for (int i = 0; i < 5; i++)
    assert_int_equal(qun_store_member_upsert(st, ids[i], "学员", -1, NULL, 0), 0);
  struct qun_run *r = open_run(st, "tiers.lua", "2026-11-23 09:00", 600000, err);
  assert_non_null(r);
  int64_t t = local_ms("2026-11-23 09:00");
  static const struct { const char *type, *member; } evs[] = {
      {"link.click", "m1"}, {"link.click", "m1"}, {"link.click", "m1"}, {"link.click", "m1"},
      {"pay.click", "m2"},  {"purchase", "m2"},
      {"consult", "m3"},    {"link.click", "m3"}, {"link.click", "m3"}, {"link.click", "m3"},
      {"lesson.done", "m4"}, {"homework", "m4"}, {"lesson.done", "m4"}, {"homework", "m4"},
      {"lesson.done", "m4"}, {"homework", "m4"}, {"link.click", "m5"},
  };
  for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) {
    qun_store_event_add(st, evs[i].type, evs[i].member, "g1", t, NULL, t);
    qun_run_poll_events(r);
  }
  qun_run_until(r, local_ms("2026-11-23 12:00"));
  const char *tr = read_lines(transcript, 0);
  /* Each change once: m1 → A at its third click, m2 → A+ then out at the
   * purchase, m3 → S (clicks do not demote it), m4 → B at the sixth. */
  assert_int_equal(count_in(tr, "\"ev\":\"tier\""), 5);
  assert_int_equal(count_in(tr, "\"ev\":\"tier\",\"member\":\"m1\",\"from\":null,\"to\":\"A\""), 1);
  assert_int_equal(count_in(tr, "\"ev\":\"tier\",\"member\":\"m2\",\"from\":null,\"to\":\"A+\""), 1);
  assert_int_equal(count_in(tr, "\"ev\":\"tier\",\"member\":\"m2\",\"from\":\"A+\",\"to\":null"), 1);
  assert_int_equal(count_in(tr, "\"ev\":\"tier\",\"member\":\"m3\",\"from\":null,\"to\":\"S\""), 1);
  assert_int_equal(count_in(tr, "\"ev\":\"tier\",\"member\":\"m4\",\"from\":null,\"to\":\"B\""), 1);
  assert_int_equal(count_in(tr, "\"message\":\"m1: nil -> A\""), 1); /* on_change once per change */
  assert_int_equal(count_in(tr, " -> "), 5);
  /* Tags: added once per member, in the transcript. */
  assert_int_equal(count_in(tr, "\"ev\":\"tag\",\"member\":\"m1\",\"tag\":\"clicked\",\"op\":\"add\""), 1);
  assert_int_equal(count_in(tr, "\"ev\":\"tag\""), 3);
  /* members{} by tier, and by tag with a where filter. */
  assert_int_equal(count_in(tr, "\"message\":\"A: m1 (学员)\""), 1);
  assert_int_equal(count_in(tr, "\"message\":\"A: "), 1);
  assert_int_equal(count_in(tr, "\"message\":\"clicked, not A: m3 S\""), 1);
  assert_int_equal(count_in(tr, "\"message\":\"clicked, not A: m5 nil\""), 1);
  assert_int_equal(count_in(tr, "clicked, not A"), 2);
  qun_run_close(r);
  qun_store_close(st);
}

static int copy_attrs(void *ud, const struct qun_store_member *m) {
  snprintf(ud, 256, "%s", m->attrs);
  return 0;
}
/* m:set: an attribute merged into the member's stored attributes, in the
 * handler's transaction, with an `attr` transcript line. */
static void test_member_set(void **state) {
  (void)state;
  struct qun_store *st;
  char err[1024];
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  qun_store_member_upsert(st, "m1", "张三", -1, "{\"store\":\"徐汇店\"}", 0);
  struct qun_run *r = open_run(st, "attrs.lua", "2026-11-23 09:00", 600000, err);
  assert_non_null(r);
  int64_t t = local_ms("2026-11-23 09:00");
  static const char *const types[] = {"checkin", "checkin", "refund", "checkin", "purchase", "bad"};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    qun_store_event_add(st, types[i], "m1", "g1", t, NULL, t);
    qun_run_poll_events(r);
  }
  qun_store_event_add(st, "checkin", "new1", "g1", t, NULL, t); /* unknown to the store: added */
  qun_run_poll_events(r);
  const char *tr = read_lines(transcript, 0);
  assert_int_equal(count_in(tr, "\"message\":\"m1 has 10\""), 1);
  assert_int_equal(count_in(tr, "\"message\":\"m1 has 20\""), 1);
  assert_int_equal(count_in(tr, "\"message\":\"m1 has 30\""), 1); /* the refund's 0 rolled back */
  assert_int_equal(count_in(tr, "\"message\":\"new1 has 10\""), 1);
  assert_int_equal(count_in(tr, "\"ev\":\"attr\",\"member\":\"m1\",\"key\":\"points\",\"value\":30"), 1);
  assert_int_equal(count_in(tr, "\"ev\":\"attr\",\"member\":\"m1\",\"key\":\"badge\",\"value\":\"连续签到\""), 1);
  assert_int_equal(count_in(tr, "\"ev\":\"attr\",\"member\":\"m1\",\"key\":\"badge\",\"value\":null"), 1);
  assert_int_equal(count_in(tr, "\"ev\":\"attr\",\"member\":\"m1\",\"key\":\"points\",\"value\":0"), 0);
  assert_int_equal(count_in(tr, "other than id and name"), 1);
  assert_int_equal(count_in(tr, "not a table"), 1);
  /* The store: points merged beside the imported attribute, the badge gone. */
  struct attrs_seen { char text[256]; } seen = {""};
  assert_int_equal(qun_store_member_get(st, "m1", copy_attrs, &seen), 0);
  assert_string_equal(seen.text, "{\"store\":\"徐汇店\",\"points\":30}");
  assert_int_equal(qun_store_member_exists(st, "new1"), 1);
  qun_run_close(r);
  qun_store_close(st);
}

/* members.count{}: the filters of members{}, counted by the store; a
 * group's count follows member.joined / member.left events. */
static void test_members_count(void **state) {
  (void)state;
  struct qun_store *st;
  char err[1024];
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  static const char *const ids[] = {"m1", "m2", "m3", "m4", "m5"};
  for (int i = 0; i < 5; i++) {
    qun_store_member_upsert(st, ids[i], NULL, -1, NULL, 0);
    qun_store_membership_add(st, ids[i], i < 3 ? "g1" : "g2", 0);
  }
  struct qun_run *r = open_run(st, "count.lua", "2026-11-23 09:00", 600000, err);
  assert_non_null(r);
  int64_t t = local_ms("2026-11-23 09:00");
  static const struct { const char *type, *member; } evs[] = {
      {"link.click", "m1"}, {"link.click", "m4"}, {"member.joined", "n1"}, {"member.left", "m1"}, {"bad", "m2"}};
  for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) {
    qun_store_event_add(st, evs[i].type, evs[i].member, i == 1 ? "g2" : "g1", t, NULL, t);
    qun_run_poll_events(r);
  }
  const char *tr = read_lines(transcript, 0);
  assert_int_equal(count_in(tr, "\"message\":\"joined: all 6, g1 4, g2 2, vip 2, g1 vip 1, A 2, g1 A 1\""), 1);
  assert_int_equal(count_in(tr, "\"message\":\"left: all 6, g1 3, g2 2, vip 2, g1 vip 0, A 2, g1 A 0\""), 1);
  assert_int_equal(count_in(tr, "members.count{}: where is a Lua function the store cannot count with"), 1);
  assert_int_equal(count_in(tr, "members.count{}: unknown filter 'grup' (filters: group, tag, tier)"), 1);
  assert_int_equal(count_in(tr, "\"message\":\"iterated g1: 3\""), 1);
  qun_run_close(r);
  qun_store_close(st);
}

static void test_send_policies(void **state) {
  (void)state;
  struct qun_store *st;
  char err[1024];
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  qun_store_member_upsert(st, "m1", "张三", -1, "{\"store\":\"徐汇店\"}", 0);
  qun_store_member_upsert(st, "m2", NULL, -1, NULL, 0);
  qun_store_membership_add(st, "m1", "sh-1", 0);
  qun_store_membership_add(st, "m2", "sh-1", 0);
  struct qun_config cfg;
  qun_config_defaults(&cfg);
  cfg.quiet_from = 22 * 60, cfg.quiet_to = 8 * 60;
  cfg.member_per_day = 1;
  struct qun_run_opts o = {.path = pb("send.lua"), .store = st, .start_ms = local_ms("2026-11-23 08:00"),
                           .grace_ms = 600000, .mode = "sim", .transcript = transcript, .cfg = &cfg};
  struct qun_run *r = NULL;
  assert_int_equal(qun_run_open(&o, &r, err, sizeof err), 0);
  qun_run_until(r, local_ms("2026-11-24 09:00"));
  char want[8192];
  const char *path = pb("send.lua");
  snprintf(want, sizeof want,
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"dropped\",\"to\":\"member:m1\",\"reason\":\"member_cap\",\"job\":\"hello\"}\n"
  /* policies are decided when the message is queued, sends after the commit */
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"group:sh-1\",\"msg\":{\"text\":\"早安 大家!\"},\"job\":\"hello\",\"due\":\"2026-11-23T09:00:00+08:00\",\"late_ms\":0}\n"
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"member:m1\",\"msg\":{\"text\":\"张三,今天签到了吗?\"},\"job\":\"hello\",\"due\":\"2026-11-23T09:00:00+08:00\",\"late_ms\":0}\n"
      "{\"t\":\"2026-11-23T12:00:00+08:00\",\"ev\":\"error\",\"job\":\"typo\",\"message\":\"%s:8: send: no variable 'nmae' in the message template (\\\"text\\\")\"}\n"
      "{\"t\":\"2026-11-23T12:30:00+08:00\",\"ev\":\"error\",\"job\":\"rolled\",\"message\":\"%s:11: changed my mind\"}\n"
      "{\"t\":\"2026-11-23T23:00:00+08:00\",\"ev\":\"deferred\",\"to\":\"group:sh-1\",\"reason\":\"quiet_hours\",\"job\":\"late\",\"until\":\"2026-11-24T08:00:00+08:00\"}\n"
      "{\"t\":\"2026-11-24T08:00:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"group:sh-1\",\"msg\":{\"text\":\"晚安\"},\"job\":\"late\",\"due\":\"2026-11-23T23:00:00+08:00\",\"late_ms\":32400000}\n",
      path, path);
  const char *got = read_lines(transcript, 0);
  /* The m2 line: sorted by member id after m1's; its name falls back to the id. */
  if (!strstr(got, "\"to\":\"member:m2\",\"msg\":{\"text\":\"m2,今天签到了吗?\"}"))
    fail_msg("no line for m2 in:\n%s", got);
  char *without = strdup(got), *p = strstr(without, "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"member:m2\"");
  assert_non_null(p);
  char *eol = strchr(p, '\n');
  memmove(p, eol + 1, strlen(eol + 1) + 1);
  assert_string_equal(without, want);
  free(without);
  qun_run_close(r);
  qun_store_close(st);
  qun_config_free(&cfg);
}

static void expect_error(const char *file, int line, const char *msg) {
  struct qun_store *st;
  char err[1024], want[1024];
  remove(transcript); /* a transcript file belongs to one run */
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  struct qun_run *r = open_run(st, file, "2026-11-23 09:00", 600000, err);
  if (line) { /* a load error */
    assert_null(r);
    snprintf(want, sizeof want, "%s:%d: %s", pb(file), line, msg);
    assert_string_equal(err, want);
  } else { /* an error in a handler, in the transcript */
    assert_non_null(r);
    qun_run_until(r, local_ms("2026-11-23 11:00"));
    assert_non_null(strstr(read_lines(transcript, 0), msg));
    qun_run_close(r);
  }
  qun_store_close(st);
}

static void test_author_errors(void **state) {
  (void)state;
  expect_error("dup.lua", 4, "schedule name 'x' declared twice (lines 2 and 4): names are the "
                             "schedules' keys across restarts");
  expect_error("closure.lua", 0, "closure.lua:3: schedule.after needs a named job: define it as "
                                 "function jobs.NAME(args) … end");
  expect_error("badargs.lua", 0, "badargs.lua:4: schedule.after: args.f is a function: only "
                                 "strings, numbers, booleans and tables of them can be stored");
  /* filters are a name or a list of names; anything else is refused */
  expect_error("selector.lua", 0, "selector.lua:3: send: tier is an empty list: it would select nobody");
  expect_error("selector.lua", 0, "selector.lua:6: members{}: tag is a name or a list of names (strings), "
                                  "not a list with a number");
  expect_error("selector.lua", 0, "selector.lua:9: members{}: where is a function(m) that returns true "
                                  "for the members to keep");
}

/* A selector's and members{}'s filters take a name or a list of names
 * (any of them): tier = { "S", "A+" } as in the design's countdown. */
static void test_selector_lists(void **state) {
  (void)state;
  struct qun_store *st;
  char err[1024];
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  static const struct { const char *id, *t, *grp, *tag; } ms[] = {
      {"m1", "S", "sh-1", "VIP"}, {"m2", "A+", "sh-1", "新人"}, {"m3", "A", "sh-1", NULL},
      {"m4", "", "sh-1", NULL}, {"m5", "S", "sh-2", NULL}, {"m6", "S", "sh-3", "VIP"}};
  for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
    char attrs[64];
    snprintf(attrs, sizeof attrs, "{\"t\":\"%s\"}", ms[i].t);
    qun_store_member_upsert(st, ms[i].id, ms[i].id, -1, attrs, 0);
    qun_store_membership_add(st, ms[i].id, ms[i].grp, 0);
    if (ms[i].tag)
      qun_store_tag_add(st, ms[i].id, ms[i].tag, 0);
  }
  struct qun_run *r = open_run(st, "selector_lists.lua", "2026-11-23 09:00", 600000, err);
  assert_non_null(r);
  qun_run_until(r, local_ms("2026-11-23 11:00"));
  const char *got = read_lines(transcript, 0);
  static const char *const to[] = {"member:m1", "member:m2", "member:m5"};
  for (int i = 0; i < 3; i++) {
    char want[128];
    snprintf(want, sizeof want, "\"ev\":\"send\",\"channel\":\"console\",\"to\":\"%s\"", to[i]);
    if (!strstr(got, want))
      fail_msg("no send to %s in:\n%s", to[i], got);
  }
  assert_null(strstr(got, "\"to\":\"member:m3\""));
  assert_null(strstr(got, "\"to\":\"member:m6\""));
  assert_non_null(strstr(got, "\"message\":\"tagged 3, VIP 2, in both groups 5, sh-1 VIP or 新人 2\""));
  qun_run_close(r);
  qun_store_close(st);
}

/* Message kinds: links and news cards (titles are templates), images (a
 * file next to the playbook becomes its absolute path), mentions; and the
 * mistakes an author makes, each an error naming the line. */
static void test_send_kinds(void **state) {
  (void)state;
  struct qun_store *st;
  char err[1024];
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  qun_store_member_upsert(st, "m2", "李四", -1, NULL, 0);
  struct qun_run *r = open_run(st, "send_kinds.lua", "2026-11-23 08:00", 600000, err);
  assert_non_null(r);
  qun_run_until(r, local_ms("2026-11-23 10:00"));
  char dirpath[4096], want[16384];
  assert_non_null(realpath(pb(""), dirpath));
  const char *p = pb("send_kinds.lua");
  snprintf(want, sizeof want,
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"group:g1\",\"msg\":{\"link\":{\"title\":\"我们的新品\",\"description\":\"限时\",\"url\":\"https://shop.example/p/1\"}},\"job\":\"good\",\"due\":\"2026-11-23T09:00:00+08:00\",\"late_ms\":0}\n"
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"group:g1\",\"msg\":{\"news\":[{\"title\":\"A\",\"url\":\"https://a.example/\"},{\"title\":\"B\",\"url\":\"https://b.example/\",\"picture\":\"https://b.example/b.png\"}]},\"job\":\"good\",\"due\":\"2026-11-23T09:00:00+08:00\",\"late_ms\":0}\n"
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"group:g1\",\"msg\":{\"image\":{\"path\":\"%s/poster.png\"}},\"job\":\"good\",\"due\":\"2026-11-23T09:00:00+08:00\",\"late_ms\":0}\n"
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"group:g1\",\"msg\":{\"image\":{\"url\":\"https://cdn.example/x.jpg\"}},\"job\":\"good\",\"due\":\"2026-11-23T09:00:00+08:00\",\"late_ms\":0}\n"
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"group:g1\",\"msg\":{\"text\":\"大家好\",\"mention\":\"all\"},\"job\":\"good\",\"due\":\"2026-11-23T09:00:00+08:00\",\"late_ms\":0}\n"
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"group:g1\",\"msg\":{\"markdown\":\"**hi**\",\"mention\":[\"m1\",\"m2\"]},\"job\":\"good\",\"due\":\"2026-11-23T09:00:00+08:00\",\"late_ms\":0}\n"
      "{\"t\":\"2026-11-23T09:01:00+08:00\",\"ev\":\"error\",\"job\":\"two\",\"message\":\"%s:10: send: a message is one of text, markdown, image, link or news (this one has text and image): send twice for two\"}\n"
      "{\"t\":\"2026-11-23T09:02:00+08:00\",\"ev\":\"error\",\"job\":\"nofile\",\"message\":\"%s:11: send: image \\\"missing.png\\\": no such file next to the playbook\"}\n"
      "{\"t\":\"2026-11-23T09:03:00+08:00\",\"ev\":\"error\",\"job\":\"escape\",\"message\":\"%s:12: send: image \\\"../secret.png\\\": a file next to the playbook is a plain relative name (no \\\"..\\\", not absolute)\"}\n"
      "{\"t\":\"2026-11-23T09:04:00+08:00\",\"ev\":\"error\",\"job\":\"nourl\",\"message\":\"%s:13: send: link needs a title and a url\"}\n"
      "{\"t\":\"2026-11-23T09:05:00+08:00\",\"ev\":\"error\",\"job\":\"badurl\",\"message\":\"%s:14: send: link.url must be a URL (https://...), not \\\"shop\\\"\"}\n"
      "{\"t\":\"2026-11-23T09:06:00+08:00\",\"ev\":\"error\",\"job\":\"mention\",\"message\":\"%s:15: send: mention goes with text or markdown, not with image\"}\n"
      "{\"t\":\"2026-11-23T09:07:00+08:00\",\"ev\":\"error\",\"job\":\"news9\",\"message\":\"%s:19: send: news is a list of 1 to 8 cards { title =, url =, ... }\"}\n"
      "{\"t\":\"2026-11-23T09:08:00+08:00\",\"ev\":\"error\",\"job\":\"who\",\"message\":\"%s:21: send: mention is \\\"all\\\" or a list of members, not \\\"everyone\\\"\"}\n",
      dirpath, p, p, p, p, p, p, p, p);
  assert_string_equal(read_lines(transcript, 0), want);
  qun_run_close(r);
  qun_store_close(st);
}

/* A relative time in a param ("sat 20:00") is read from the run's first
 * start: a restart the next day does not move the sale a week on. */
static void test_relative_times_anchor(void **state) {
  (void)state;
  struct qun_store *st;
  char err[1024];
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  struct qun_run *r = open_run(st, "relative.lua", "2026-11-23 10:00", 600000, err);
  assert_non_null(r);
  qun_run_until(r, local_ms("2026-11-28 22:00"));
  qun_run_close(r);
  r = open_run(st, "relative.lua", "2026-11-29 10:00", 600000, err);
  assert_non_null(r);
  qun_run_until(r, local_ms("2026-12-06 10:00"));
  qun_run_close(r);
  assert_string_equal(read_lines(transcript, 0),
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"log\",\"job\":\"sale@1795867200\",\"due\":\"2026-11-28T20:00:00+08:00\",\"message\":\"sale 2026-11-28 20:00\"}\n"
      "{\"t\":\"2026-11-28T21:00:00+08:00\",\"ev\":\"log\",\"job\":\"late@1795870800\",\"due\":\"2026-11-28T21:00:00+08:00\",\"message\":\"late\"}\n");
  qun_store_close(st);
}

/* Two jobs of one handler due in the same millisecond are two jobs: each
 * one's messages and jobs are its own (their keys carry the job's id). */
static void test_twin_jobs(void **state) {
  (void)state;
  struct qun_store *st;
  char err[1024];
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  struct qun_run *r = open_run(st, "twins.lua", "2026-11-23 09:00", 600000, err);
  assert_non_null(r);
  qun_run_until(r, local_ms("2026-11-23 11:00"));
  const char *got = read_lines(transcript, 0);
  static const char *const texts[] = {"hello 1", "hello 2", "bye 1", "bye 2"};
  for (int i = 0; i < 4; i++) {
    char want[64];
    snprintf(want, sizeof want, "\"msg\":{\"text\":\"%s\"}", texts[i]);
    if (!strstr(got, want))
      fail_msg("no \"%s\" in:\n%s", texts[i], got);
  }
  assert_int_equal(qun_store_out_count(st, 1, QUN_OUT_SENT), 4);
  qun_run_close(r);
  qun_store_close(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_daily_week, setup, teardown),
      cmocka_unit_test_setup_teardown(test_raising_handler_leaves_no_trace, setup, teardown),
      cmocka_unit_test_setup_teardown(test_jobs_and_cancel, setup, teardown),
      cmocka_unit_test_setup_teardown(test_author_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_events_once, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tiers_from_events, setup, teardown),
      cmocka_unit_test_setup_teardown(test_member_set, setup, teardown),
      cmocka_unit_test_setup_teardown(test_members_count, setup, teardown),
      cmocka_unit_test_setup_teardown(test_send_policies, setup, teardown),
      cmocka_unit_test_setup_teardown(test_send_kinds, setup, teardown),
      cmocka_unit_test_setup_teardown(test_selector_lists, setup, teardown),
      cmocka_unit_test_setup_teardown(test_relative_times_anchor, setup, teardown),
      cmocka_unit_test_setup_teardown(test_twin_jobs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_group_commit_holds_effects, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
