/* test-store.c — opening and migrating, refusing a newer schema, WAL,
 * transactions, jobs by key, occurrences, events and the cursor, the
 * memberships that member.joined / member.left events keep, and a commit
 * handed to another thread. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "store/store.h"
#include "scratch.h"

static char dir[64], path[128];

static int setup(void **s) {
  (void)s;
  snprintf(dir, sizeof dir, "/tmp/qun-store-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/q.db", dir);
  return 0;
}

static int teardown(void **s) {
  (void)s;
  return scratch_remove(dir);
}

static int pragma_int(const char *p, const char *pragma) {
  sqlite3 *db;
  sqlite3_stmt *s;
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, pragma, -1, &s, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  int v = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

static void exec(const char *p, const char *sql) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
}

static void test_open_migrate_refuse(void **s) {
  (void)s;
  char err[600];
  struct qun_store *st;
  exec(path, "CREATE TABLE other (x)"); /* an existing, older (version 0) file */
  assert_int_equal(qun_store_open(path, &st, err, sizeof err), 0);
  qun_store_close(st);
  assert_int_equal(pragma_int(path, "PRAGMA user_version"), QUN_STORE_SCHEMA);
  sqlite3 *db;
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
  sqlite3_finalize(q);
  sqlite3_close(db);
  exec(path, "PRAGMA user_version = 99");
  assert_int_equal(qun_store_open(path, &st, err, sizeof err), QUN_EVERSION);
  assert_null(st);
  char want[300];
  snprintf(want, sizeof want, "%s: schema version 99 is newer than this qun (knows %d): upgrade qun",
           path, QUN_STORE_SCHEMA);
  assert_string_equal(err, want);
  assert_int_equal(qun_store_open("/nonexistent/dir/q.db", &st, err, sizeof err), QUN_EIO);
  assert_non_null(strstr(err, "/nonexistent/dir/q.db: cannot open the database"));
}

static int count_job(void *ud, const struct qun_store_job *j) {
  int *n = ud;
  (*n)++;
  assert_int_equal(j->state, QUN_JOB_PENDING);
  return 0;
}

static void test_jobs_and_transactions(void **s) {
  (void)s;
  char err[600];
  struct qun_store *st;
  assert_int_equal(qun_store_open(path, &st, err, sizeof err), 0);
  struct qun_run_info info = {.playbook = "p", .version = "1", .mode = "live"};
  int64_t run, run2;
  int resumed;
  assert_int_equal(qun_store_begin(st), 0);
  assert_int_equal(qun_store_begin(st), QUN_ESTATE);
  assert_int_equal(qun_store_run_start(st, &info, 1000, &run, &resumed), 0);
  assert_false(resumed);
  int created;
  int64_t a = qun_store_job_add(st, run, "k1", "h", "{}", 5000, 1000, &created);
  assert_true(a > 0 && created);
  assert_int_equal(qun_store_job_add(st, run, "k1", "h", "{}", 9000, 1000, &created), a);
  assert_false(created); /* same key: the same job */
  assert_int_equal(qun_store_commit(st), 0);
  /* A rolled-back transaction leaves nothing. */
  assert_int_equal(qun_store_begin(st), 0);
  qun_store_job_add(st, run, "k2", "h", "{}", 4000, 1000, &created);
  assert_int_equal(qun_store_fired_add(st, run, "tick", 7000, 1000), 0);
  assert_int_equal(qun_store_rollback(st), 0);
  int n = 0;
  assert_int_equal(qun_store_jobs_pending(st, run, count_job, &n), 1);
  assert_int_equal(n, 1);
  int64_t due;
  assert_int_equal(qun_store_fired_last(st, run, "tick", &due), QUN_ENOENT);
  /* Occurrences: once each; the latest is known. */
  assert_int_equal(qun_store_begin(st), 0);
  assert_int_equal(qun_store_fired_add(st, run, "tick", 7000, 1000), 0);
  assert_int_equal(qun_store_fired_add(st, run, "tick", 8000, 1000), 0);
  assert_int_equal(qun_store_fired_add(st, run, "tick", 7000, 1000), QUN_EEXIST);
  assert_int_equal(qun_store_fired_last(st, run, "tick", &due), 0);
  assert_int_equal(due, 8000);
  assert_int_equal(qun_store_job_set_state(st, run, a, QUN_JOB_DONE, 2000), 1);
  assert_int_equal(qun_store_job_set_state(st, run, a, QUN_JOB_CANCELLED, 2000), 0);
  /* Statements are reused: many calls, one transaction. */
  for (int i = 0; i < 10000; i++) {
    char key[32];
    snprintf(key, sizeof key, "bulk-%d", i);
    assert_true(qun_store_job_add(st, run, key, "h", "null", i, 0, &created) > 0);
  }
  assert_int_equal(qun_store_commit(st), 0);
  assert_int_equal(qun_store_jobs_count(st, run, QUN_JOB_PENDING), 10000);
  qun_store_close(st);
  /* Reopened: the same run resumes; the data is there. */
  assert_int_equal(qun_store_open(path, &st, err, sizeof err), 0);
  assert_int_equal(qun_store_begin(st), 0);
  assert_int_equal(qun_store_run_start(st, &info, 3000, &run2, &resumed), 0);
  assert_int_equal(qun_store_commit(st), 0);
  assert_true(resumed);
  assert_int_equal(run2, run);
  assert_int_equal(qun_store_jobs_count(st, run, QUN_JOB_DONE), 1);
  qun_store_close(st);
}

struct evs {
  int64_t ids[8];
  int n;
};

static int take_event(void *ud, const struct qun_store_event *e) {
  struct evs *v = ud;
  v->ids[v->n++] = e->id;
  return 0;
}

static void test_events_and_cursor(void **s) {
  (void)s;
  char err[600];
  struct qun_store *st;
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  for (int i = 0; i < 5; i++)
    assert_int_equal(qun_store_event_add(st, "checkin", "m1", "g1", 100 + i, "{\"n\":1}", 100), i + 1);
  int64_t cur;
  assert_int_equal(qun_store_cursor_get(st, 1, &cur), 0);
  assert_int_equal(cur, 0);
  assert_int_equal(qun_store_cursor_set(st, 1, 2), 0);
  assert_int_equal(qun_store_cursor_get(st, 1, &cur), 0);
  assert_int_equal(cur, 2);
  struct evs v = {{0}, 0};
  assert_int_equal(qun_store_events_after(st, cur, 2, take_event, &v), 0);
  assert_int_equal(v.n, 2);
  assert_int_equal(v.ids[0], 3);
  assert_int_equal(v.ids[1], 4);
  qun_store_close(st);
}

static int count_page(void *ud, const char *id) {
  (void)id;
  (*(int *)ud)++;
  return 0;
}

static int in_group(struct qun_store *st, const char *grp) {
  int n = 0;
  char filter[64];
  snprintf(filter, sizeof filter, "[\"%s\"]", grp); /* filters are JSON lists of names */
  assert_true(qun_store_members_page(st, "", 100, filter, NULL, 0, NULL, count_page, &n) >= 0);
  return n;
}

/* member.joined / member.left with a group keep the memberships: whoever
 * records the event (an add or an upsert by external id). */
static void test_events_keep_memberships(void **s) {
  (void)s;
  char err[600];
  struct qun_store *st;
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  assert_int_equal(qun_store_member_upsert(st, "m1", "老会员", -1, NULL, 0), 0);
  assert_int_equal(qun_store_membership_add(st, "m1", "g1", 0), 0);
  assert_int_equal(in_group(st, "g1"), 1);
  /* A new member joins: known to the store, in the group. */
  assert_true(qun_store_event_add(st, "member.joined", "n1", "g1", 100, "{\"inviter\":\"m1\"}", 100) > 0);
  assert_int_equal(qun_store_member_exists(st, "n1"), 1);
  assert_int_equal(in_group(st, "g1"), 2);
  assert_true(qun_store_event_add(st, "member.joined", "n1", "g1", 101, NULL, 101) > 0); /* again: no change */
  assert_int_equal(in_group(st, "g1"), 2);
  assert_int_equal(qun_store_event_upsert(st, "wx-1", "member.joined", "n2", "g2", 102, NULL, 102), 0);
  assert_int_equal(in_group(st, "g2"), 1);
  /* Leaving: out of that group only; the member and its events stay. */
  assert_true(qun_store_event_add(st, "member.left", "m1", "g1", 200, NULL, 200) > 0);
  assert_int_equal(in_group(st, "g1"), 1);
  assert_int_equal(qun_store_member_exists(st, "m1"), 1);
  assert_int_equal(qun_store_event_count(st, "m1", "member.left", 0), 1);
  /* Without a group, or another type: nothing. */
  assert_true(qun_store_event_add(st, "member.left", "n1", NULL, 300, NULL, 300) > 0);
  assert_true(qun_store_event_add(st, "member.joinedx", "z1", "g1", 300, NULL, 300) > 0);
  assert_int_equal(in_group(st, "g1"), 1);
  assert_int_equal(qun_store_member_exists(st, "z1"), 0);
  qun_store_close(st);
}

static int64_t mono_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

struct committer {
  struct qun_store *st;
  int rc;
};

static void *commit_later(void *ud) {
  struct committer *c = ud;
  usleep(200 * 1000);
  c->rc = qun_store_commit_handed(c->st);
  return NULL;
}

static int64_t count_rows(const char *sql) {
  sqlite3 *db;
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  int64_t n = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
  return n;
}

/* A transaction handed to another thread: every other call waits for its
 * COMMIT, then sees its rows; a COMMIT that fails rolls back whole. */
static void test_handoff(void **s) {
  (void)s;
  char err[600];
  struct qun_store *st;
  assert_int_equal(qun_store_open(path, &st, err, sizeof err), 0);
  assert_int_equal(qun_store_handoff(st), QUN_ESTATE); /* no transaction */
  assert_int_equal(qun_store_begin(st), 0);
  for (int i = 0; i < 3; i++)
    assert_true(qun_store_event_add(st, "checkin", "m1", NULL, 100, NULL, 100) > 0);
  assert_int_equal(qun_store_handoff(st), 0);
  struct committer c = {st, -99};
  pthread_t t;
  int64_t t0 = mono_ms();
  assert_int_equal(pthread_create(&t, NULL, commit_later, &c), 0);
  int64_t last = 0;
  assert_int_equal(qun_store_events_last(st, &last), 0); /* waits for the commit */
  assert_true(mono_ms() - t0 >= 150);
  assert_int_equal(last, 3);
  assert_false(qun_store_in_tx(st));
  assert_int_equal(qun_store_wait(st), 0);
  pthread_join(t, NULL);
  assert_int_equal(c.rc, 0);
  assert_int_equal(count_rows("SELECT count(*) FROM events"), 3);

  /* A deferred foreign key makes the COMMIT itself fail. */
  exec(path, "CREATE TABLE bad (run INTEGER REFERENCES runs(id) DEFERRABLE INITIALLY DEFERRED);"
             "CREATE TRIGGER fail_commit AFTER INSERT ON events WHEN NEW.type = 'fail' "
             "BEGIN INSERT INTO bad VALUES (-1); END;");
  assert_int_equal(qun_store_begin(st), 0);
  assert_true(qun_store_event_add(st, "checkin", "m2", NULL, 100, NULL, 100) > 0);
  assert_true(qun_store_event_add(st, "fail", "m2", NULL, 100, NULL, 100) > 0);
  assert_int_equal(qun_store_handoff(st), 0);
  c.rc = -99;
  assert_int_equal(pthread_create(&t, NULL, commit_later, &c), 0);
  assert_true(qun_store_wait(st) < 0);
  pthread_join(t, NULL);
  assert_true(c.rc < 0);
  assert_false(qun_store_in_tx(st));
  assert_int_equal(count_rows("SELECT count(*) FROM events"), 3); /* nothing of it */
  /* The store goes on. */
  assert_int_equal(qun_store_begin(st), 0);
  assert_true(qun_store_event_add(st, "checkin", "m3", NULL, 100, NULL, 100) > 0);
  assert_int_equal(qun_store_commit(st), 0);
  assert_int_equal(count_rows("SELECT count(*) FROM events"), 4);
  qun_store_close(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_open_migrate_refuse, setup, teardown),
      cmocka_unit_test_setup_teardown(test_jobs_and_transactions, setup, teardown),
      cmocka_unit_test_setup_teardown(test_events_and_cursor, setup, teardown),
      cmocka_unit_test_setup_teardown(test_events_keep_memberships, setup, teardown),
      cmocka_unit_test_setup_teardown(test_handoff, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
