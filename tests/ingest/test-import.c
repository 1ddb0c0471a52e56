/* test-import.c — imports are all or nothing with an exact message naming
 * file, row and column; a re-import updates; 100 000 rows in one go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/tz.h"
#include "ingest/import.h"
#include "store/store.h"
#include "scratch.h"

static char data[512], dir[64];

static const char *file(const char *name) {
  static char path[600];
  snprintf(path, sizeof path, "%s/%s", data, name);
  return path;
}

static struct qun_store *open_store(void) {
  struct qun_store *st;
  char err[600];
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  return st;
}

static void expect_fail(struct qun_store *st, int events, const char *name, const char *msg) {
  char err[1024], want[1024];
  int64_t n = events ? qun_import_events(st, file(name), 0, err, sizeof err)
                     : qun_import_members(st, file(name), 0, err, sizeof err);
  assert_int_equal(n, -1);
  snprintf(want, sizeof want, "%s:%s", file(name), msg);
  assert_string_equal(err, want);
}

static void test_bad_rows_import_nothing(void **s) {
  (void)s;
  struct qun_store *st = open_store();
  expect_fail(st, 0, "missing_id.csv", "5: column \"id\" is empty");
  expect_fail(st, 0, "bad_time.csv", "2: column \"joined_at\": cannot read \"2026-13-01\" as a time "
                                     "(expected e.g. \"2026-11-28 20:00\" or \"2026-11-28\")");
  expect_fail(st, 0, "extra_field.csv", "2: 3 fields, but the header has 2 columns");
  expect_fail(st, 0, "no_id.csv", "1: no \"id\" column: the header row names the columns (id, name, "
                                  "joined_at, groups, and any attributes)");
  expect_fail(st, 0, "bad_quote.csv", "2: error parsing data while strict checking enabled");
  expect_fail(st, 0, "bad_field.jsonl", "2: unknown field \"nmae\" (fields: id, name, joined_at, groups, attrs)");
  expect_fail(st, 1, "no_type.jsonl", "2: no \"type\" (e.g. \"checkin\", \"link.click\", \"purchase\")");
  expect_fail(st, 1, "bad_json.jsonl", "2: not JSON: string or '}' expected near 'oops' (column 5)");
  /* Each failed after good rows: none of them is there. */
  assert_int_equal(qun_store_members_count(st), 0);
  int64_t last;
  assert_int_equal(qun_store_events_last(st, &last), 0);
  assert_int_equal(last, 0);
  qun_store_close(st);
}

static sqlite3 *raw(const char *path) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  return db;
}

static char *one(sqlite3 *db, const char *sql) {
  static char out[1024];
  sqlite3_stmt *s;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  snprintf(out, sizeof out, "%s", sqlite3_column_text(s, 0) ? (const char *)sqlite3_column_text(s, 0) : "NULL");
  sqlite3_finalize(s);
  return out;
}

static void test_reimport_updates(void **s) {
  (void)s;
  char path[128], err[1024];
  snprintf(path, sizeof path, "%s/q.db", dir);
  struct qun_store *st;
  assert_int_equal(qun_store_open(path, &st, err, sizeof err), 0);
  assert_int_equal(qun_import_members(st, file("members.csv"), 1000, err, sizeof err), 2);
  assert_int_equal(qun_import_members(st, file("members.csv"), 2000, err, sizeof err), 2);
  assert_int_equal(qun_store_members_count(st), 2);
  assert_int_equal(qun_import_events(st, file("events.jsonl"), 1000, err, sizeof err), 2);
  assert_int_equal(qun_import_events(st, file("events.jsonl"), 2000, err, sizeof err), 2);
  qun_store_close(st);
  sqlite3 *db = raw(path);
  assert_string_equal(one(db, "SELECT count(*) FROM events"), "2");
  assert_string_equal(one(db, "SELECT name || '|' || attrs FROM members WHERE id = 'm1'"),
                      "张三|{\"birthday\":\"1990-05-01\",\"store\":\"徐汇店\"}");
  assert_string_equal(one(db, "SELECT group_concat(grp, ',') FROM (SELECT grp FROM memberships "
                              "WHERE member = 'm1' ORDER BY grp)"), "sh-1,sh-2");
  assert_string_equal(one(db, "SELECT joined_at FROM members WHERE id = 'm1'"), "1790784000000");
  assert_string_equal(one(db, "SELECT at || ' ' || data FROM events WHERE type = 'checkin'"),
                      "1795395600000 {\"points\":10}");
  sqlite3_close(db);
}

static void test_hundred_thousand(void **s) {
  (void)s;
  char path[128], err[1024];
  snprintf(path, sizeof path, "%s/big.csv", dir);
  FILE *f = fopen(path, "w");
  fprintf(f, "id,name,groups,city\n");
  for (int i = 0; i < 100000; i++)
    fprintf(f, "m%d,会员%d,g%d,\"Shanghai, CN\"\n", i, i, i % 400);
  fclose(f);
  struct qun_store *st = open_store();
  assert_int_equal(qun_import_members(st, path, 0, err, sizeof err), 100000);
  assert_int_equal(qun_store_members_count(st), 100000);
  /* One bad row at the end: still nothing from this file. */
  f = fopen(path, "a");
  fprintf(f, ",nobody,g1,x\n");
  fclose(f);
  struct qun_store *st2 = open_store();
  assert_int_equal(qun_import_members(st2, path, 0, err, sizeof err), -1);
  assert_non_null(strstr(err, "big.csv:100002: column \"id\" is empty"));
  assert_int_equal(qun_store_members_count(st2), 0);
  qun_store_close(st2);
  qun_store_close(st);
  remove(path);
}

static int setup(void **s) {
  (void)s;
  snprintf(data, sizeof data, "%s/tests/ingest/data", getenv("QUN_SRC") ? getenv("QUN_SRC") : ".");
  snprintf(dir, sizeof dir, "/tmp/qun-import-XXXXXX");
  assert_non_null(mkdtemp(dir));
  return qun_tz_set("Asia/Shanghai");
}

static int teardown(void **s) {
  (void)s;
  return scratch_remove(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad_rows_import_nothing),
      cmocka_unit_test(test_reimport_updates),
      cmocka_unit_test(test_hundred_thousand),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
