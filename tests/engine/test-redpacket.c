/* test-redpacket.c — countdowns and red packets on the virtual clock:
 * countdown marks at exactly deadline − offset with their text, past marks
 * skipped, duplicate and negative offsets warned; packets created once
 * across restarts; claims by event, by p:claim and in-process (the HTTP
 * endpoint's call), never twice per member, never over count or total;
 * payouts in the outbox keyed by bill number; `redpacket.claimed` to the
 * `on` handlers; the refund at expiry and a ledger that balances; the rain
 * helper; and the errors an author sees, naming lines. */
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

#include "db.h"
#include "textfile.h"

#include "core/err.h"
#include "core/tz.h"
#include "deliver/channel.h"
#include "host/config.h"
#include "host/run.h"
#include "store/store.h"
#include "scratch.h"

static char dir[64], transcript[128], dbpath[128], cfgpath[128];

static const char *pb(const char *name) {
  static char path[512];
  snprintf(path, sizeof path, "%s/tests/engine/playbooks/%s", getenv("QUN_SRC") ? getenv("QUN_SRC") : ".", name);
  return path;
}

static int64_t local_ms(const char *s) { /* "2026-11-22 10:00[:ss]" in Shanghai */
  int y, mo, d, h, mi, sec = 0;
  sscanf(s, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &sec);
  struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec};
  return qun_tz_mktime(&tm) * 1000;
}

/* Requests the dry-run's recording sink saw (the payout webhook's). */
#define MAXREQ 64
static struct {
  char *body, *key, *sig;
} reqs[MAXREQ];
static int nreqs;

static void record(void *ud, const char *channel, const char *type, const struct qun_chan_req *req, int64_t at) {
  (void)ud, (void)channel, (void)at;
  if (strcmp(type, "webhook") != 0 || nreqs == MAXREQ)
    return;
  reqs[nreqs].body = strndup(req->body, req->len);
  for (int i = 0; req->headers[i]; i++) {
    if (strncmp(req->headers[i], "Idempotency-Key: ", 17) == 0)
      reqs[nreqs].key = strdup(req->headers[i] + 17);
    if (strncmp(req->headers[i], "X-Qun-Signature: ", 17) == 0)
      reqs[nreqs].sig = strdup(req->headers[i] + 17);
  }
  nreqs++;
}

static void clear_reqs(void) {
  for (int i = 0; i < nreqs; i++)
    free(reqs[i].body), free(reqs[i].key), free(reqs[i].sig);
  memset(reqs, 0, sizeof reqs);
  nreqs = 0;
}

static struct qun_config cfg;
static int have_cfg;

static void load_cfg(const char *text) {
  char err[1024];
  write_file(cfgpath, text);
  if (have_cfg)
    qun_config_free(&cfg);
  if (qun_config_load(cfgpath, &cfg, 0, err, sizeof err) < 0)
    fail_msg("config: %s", err);
  have_cfg = 1;
}

static const char *const team =
    "redpacket = { claim_url = \"https://shop.example/rp/{packet}\" }\n"
    "channels = { pay = { type = \"webhook\", url = \"https://shop.example/payout\", "
    "secret = \"test-secret-0123456789\" } }\n"
    "payout_channel = \"pay\"\n";

static struct qun_run *open_at(struct qun_store *st, const char *file, const char *start, char *err) {
  struct qun_run_opts o = {.path = file, .store = st, .start_ms = local_ms(start), .grace_ms = 600000,
                           .mode = "sim", .transcript = transcript, .cfg = have_cfg ? &cfg : NULL,
                           .seed = 7, .record = record};
  struct qun_run *r = NULL;
  if (qun_run_open(&o, &r, err, 1024) < 0)
    return NULL;
  return r;
}

static char *sql_text(const char *sql) {
  static char out[4096];
  sqlite3 *d;
  sqlite3_stmt *s;
  assert_int_equal(sqlite3_open(dbpath, &d), SQLITE_OK);
  if (sqlite3_prepare_v2(d, sql, -1, &s, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(d));
  out[0] = '\0';
  size_t n = 0;
  while (sqlite3_step(s) == SQLITE_ROW)
    n += (size_t)snprintf(out + n, sizeof out - n, "%s\n", (const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(d);
  return out;
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/qun-rp-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(transcript, sizeof transcript, "%s/t.jsonl", dir);
  snprintf(dbpath, sizeof dbpath, "%s/q.db", dir);
  snprintf(cfgpath, sizeof cfgpath, "%s/team.lua", dir);
  have_cfg = 0;
  clear_reqs();
  return qun_tz_set("Asia/Shanghai");
}

static int teardown(void **state) {
  (void)state;
  if (have_cfg)
    qun_config_free(&cfg);
  have_cfg = 0;
  clear_reqs();
  if (getenv("QUN_TEST_KEEP")) { /* to read what a test left */
    fprintf(stderr, "kept %s\n", dir);
    return 0;
  }
  return scratch_remove(dir);
}

/* ---- countdown ---- */

static void test_countdown(void **state) {
  (void)state;
  struct qun_store *st;
  char err[1024], want[8192];
  assert_int_equal(qun_store_open(dbpath, &st, err, sizeof err), 0);
  /* Starts at 19:30: the 3h mark (19:00) is past. */
  struct qun_run *r = open_at(st, pb("countdown.lua"), "2026-11-28 19:30", err);
  if (!r)
    fail_msg("%s", err);
  const char *const *w;
  size_t nw = qun_run_warnings(r, &w);
  const char *path = pb("countdown.lua");
  char ws[4096] = "";
  for (size_t i = 0; i < nw; i++)
    snprintf(ws + strlen(ws), sizeof ws - strlen(ws), "%s\n", w[i]);
  snprintf(want, sizeof want,
           "%s:3: warning: countdown: offset \"2h\" is given twice (as \"2h\" before): once is enough\n"
           "%s:3: warning: countdown: offset \"120m\" is given twice (as \"2h\" before): once is enough\n"
           "%s:3: warning: countdown: offset \"-1m\" is after the deadline (negative): ignored\n"
           "%s:3: warning: countdown: the 3h mark (2026-11-28T19:00:00+08:00) was already past when "
           "the run first started: skipped\n",
           path, path, path, path);
  assert_string_equal(ws, want);
  qun_run_until(r, local_ms("2026-11-28 20:15"));
  qun_run_close(r);
  /* Down from 20:15 to 20:35: the 1h30m mark (20:30) is within the grace
   * and fires late, with the time that is really left. */
  r = open_at(st, pb("countdown.lua"), "2026-11-28 20:35", err);
  assert_non_null(r);
  assert_int_equal(qun_run_warnings(r, &w), 3); /* the 3h mark is not news any more */
  qun_run_until(r, local_ms("2026-11-28 23:00"));
  qun_run_close(r);
  assert_string_equal(read_lines(transcript, 0),
      "{\"t\":\"2026-11-28T19:30:00+08:00\",\"ev\":\"skipped\",\"job\":\"countdown@1795874400-3h\",\"due\":\"2026-11-28T19:00:00+08:00\",\"reason\":\"already past when the run first started\"}\n"
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"log\",\"job\":\"countdown@1795874400-2h\",\"due\":\"2026-11-28T20:00:00+08:00\",\"message\":\"left 7200 2小时 / 还剩 2小时\"}\n"
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"group:g1\",\"msg\":{\"text\":\"还剩 2小时!\"},\"job\":\"countdown@1795874400-2h\",\"due\":\"2026-11-28T20:00:00+08:00\",\"late_ms\":0}\n"
      "{\"t\":\"2026-11-28T20:35:00+08:00\",\"ev\":\"log\",\"job\":\"countdown@1795874400-1h30m\",\"due\":\"2026-11-28T20:30:00+08:00\",\"message\":\"left 5100 1小时25分 / 还剩 1小时25分\"}\n"
      "{\"t\":\"2026-11-28T20:35:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"group:g1\",\"msg\":{\"text\":\"还剩 1小时25分!\"},\"job\":\"countdown@1795874400-1h30m\",\"due\":\"2026-11-28T20:30:00+08:00\",\"late_ms\":300000}\n"
      "{\"t\":\"2026-11-28T21:50:00+08:00\",\"ev\":\"log\",\"job\":\"countdown@1795874400-10m\",\"due\":\"2026-11-28T21:50:00+08:00\",\"message\":\"left 600 10分钟 / 还剩 10分钟\"}\n"
      "{\"t\":\"2026-11-28T21:50:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"group:g1\",\"msg\":{\"text\":\"还剩 10分钟!\"},\"job\":\"countdown@1795874400-10m\",\"due\":\"2026-11-28T21:50:00+08:00\",\"late_ms\":0}\n");
  qun_store_close(st);
}

/* An author's mistakes: a clear error naming the line. */
static void expect_load_error(const char *body, const char *want_tail) {
  char file[256], err[1024], want[1024];
  snprintf(file, sizeof file, "%s/bad.lua", dir);
  char text[2048];
  snprintf(text, sizeof text, "playbook { name = \"bad\", version = \"1.0.0\" }\n%s\n", body);
  write_file(file, text);
  struct qun_store *st;
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  struct qun_run *r = open_at(st, file, "2026-11-28 12:00", err);
  if (r)
    fail_msg("no error for: %s", body);
  snprintf(want, sizeof want, "%s:%s", file, want_tail);
  assert_string_equal(err, want);
  qun_store_close(st);
}

static void test_author_errors(void **state) {
  (void)state;
  load_cfg(team);
  expect_load_error("countdown(\"2026-11-28 22:00\", { \"3h\", \"3 hours\" }, function() end)",
                    "2: countdown: offset 2 \"3 hours\" is not a duration (e.g. \"3h\", \"1h30m\", \"10m\")");
  expect_load_error("countdown(\"2026-11-28 22:00\", {}, function() end)",
                    "2: countdown(deadline, offsets, fn): offsets is a list like { \"3h\", \"1h\", \"10m\" }");
  expect_load_error("countdown(\"2026-11-28 22:00\", { \"1h\" }, function() end)\n"
                    "countdown(\"2026-11-28 22:00\", { \"60m\" }, function() end)",
                    "3: countdown: schedule name 'countdown@1795874400-1h' declared twice (lines 2 and 3): "
                    "names are the schedules' keys across restarts");
  expect_load_error("local p = redpacket.new { total = \"0.05\", count = 20 }",
                    "2: redpacket.new: 20 shares need at least 0.20 元; 0.05 元 was given");
  expect_load_error("\nredpacket.new { total = \"288.88\", count = 20 }",
                    "3: redpacket.new: 288.88 元 is over the limit of 200.00 元 per packet");
  expect_load_error("redpacket.new { total = \"88.88\", count = 101 }",
                    "2: redpacket.new: 101 shares are over the limit of 100 per packet");
  expect_load_error("redpacket.new { total = \"88.88\", count = 10, split = \"random\" }",
                    "2: redpacket.new: split is \"lucky\" (拼手气) or \"even\" (普通), not \"random\"");
  expect_load_error("redpacket.new { total = \"8.888\", count = 10 }",
                    "2: redpacket.new: total \"8.888\" is not money in yuan (e.g. \"88.88\")");
  expect_load_error("redpacket.new { total = 88.88, count = 10 }",
                    "2: redpacket.new: write total as a string of yuan, e.g. \"88.88\" (a float cannot "
                    "hold fen exactly), or as whole fen");
  expect_load_error("redpacket.new { total = \"88.88\", count = 10, expire = \"1h\" }",
                    "2: redpacket.new: unknown field 'expire' (fields: total, count, split, expires, "
                    "group, note)");
  expect_load_error("redpacket.new { total = \"88.88\", count = 10, expires = \"40d\" }",
                    "2: redpacket.new: expires is from 1s to 30d (WeChat refunds after 24h); 40d was given");
  expect_load_error("local p = redpacket.new { total = \"1.00\", count = 1 }\np.total = 100000",
                    "3: a red packet is read-only (its money is in the ledger)");
  /* The team's limits are the config's. */
  load_cfg("redpacket = { max_total = \"50.00\", max_count = 10 }\n");
  expect_load_error("redpacket.new { total = \"88.88\", count = 10 }",
                    "2: redpacket.new: 88.88 元 is over the limit of 50.00 元 per packet");
  expect_load_error("send(\"g1\", redpacket.new { total = \"8.88\", count = 10 })",
                    "2: send: a red packet needs redpacket.claim_url in the team config (the page where "
                    "members claim it, e.g. \"https://shop.example/rp/{packet}\")");
  /* A rain that cannot be paid fails at the plan's line. */
  load_cfg(team);
  expect_load_error("local rain = require \"qun.rain\"\n"
                    "rain.plan { at = \"2026-11-28 19:00\", packets = 2, total = \"500.00\", count = 10, "
                    "group = \"g1\" }",
                    "3: rain.plan: packet 1 of 2: 250.00 元 is over the limit of 200.00 元 per packet");
  expect_load_error("local rain = require \"qun.rain\"\n"
                    "rain.plan { at = \"2026-11-28 19:00\", packets = 4, total = \"0.10\", count = 5, "
                    "group = \"g1\" }",
                    "3: rain.plan: 0.10 元 cannot fill 4 packets of 5 shares (at least 0.20 元)");
  expect_load_error("local rain = require \"qun.rain\"\n"
                    "rain.plan { at = \"someday\", packets = 4, total = \"10.00\", count = 5, group = \"g1\" }",
                    "3: schedule.time: cannot read \"someday\" as a time (expected e.g. \"sat 20:00\" or "
                    "\"2026-11-28 20:00\")");
  expect_load_error("local rain = require \"qun.rain\"\n"
                    "rain.plan { at = \"2026-11-28 19:00\", packets = 2, total = \"10.00\", count = 5, "
                    "group = \"g1\", windows = \"5m\" }",
                    "3: rain.plan: unknown field 'windows' (fields: at, window, packets, total, count, "
                    "group, note, split, expires, name)");
}

/* ---- packets ---- */

static void claim_event(struct qun_store *st, const char *member, const char *packet, int64_t at) {
  char data[128];
  snprintf(data, sizeof data, "{\"packet\":\"%s\"}", packet);
  assert_true(qun_store_event_add(st, "redpacket.claim", member, "g1", at, data, at) > 0);
}

static void test_packets(void **state) {
  (void)state;
  load_cfg(team);
  struct qun_store *st;
  char err[1024];
  assert_int_equal(qun_store_open(dbpath, &st, err, sizeof err), 0);
  assert_int_equal(qun_store_member_upsert(st, "m9", "九", -1, NULL, 0), 0);
  struct qun_run *r = open_at(st, pb("packets.lua"), "2026-11-23 09:00", err);
  if (!r)
    fail_msg("%s", err);
  char p[32], q[32];
  snprintf(p, sizeof p, "%s", sql_text("SELECT id FROM packets WHERE total = 1000"));
  snprintf(q, sizeof q, "%s", sql_text("SELECT id FROM packets WHERE total = 300"));
  p[strcspn(p, "\n")] = q[strcspn(q, "\n")] = '\0';
  assert_int_equal(strlen(p), 12);
  assert_int_equal(strlen(q), 12);
  char want[4096];
  snprintf(want, sizeof want,
           "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"redpacket\",\"op\":\"new\",\"packet\":\"%s\",\"member\":null,\"fen\":1000,\"count\":5,\"split\":\"lucky\",\"group\":\"g1\",\"expires\":\"2026-11-23T11:00:00+08:00\"}\n"
           "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"redpacket\",\"op\":\"new\",\"packet\":\"%s\",\"member\":null,\"fen\":300,\"count\":3,\"split\":\"even\",\"group\":null,\"expires\":\"2026-11-23T09:30:00+08:00\"}\n"
           "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"log\",\"job\":\"load\",\"due\":\"2026-11-23T09:00:00+08:00\",\"message\":\"p same 1000 5 lucky g1 恭喜发财\"}\n"
           "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"group:g1\",\"msg\":{\"redpacket\":{\"id\":\"%s\",\"total\":\"10.00\",\"count\":5,\"note\":\"恭喜发财\",\"url\":\"https://shop.example/rp/%s\",\"expires\":\"2026-11-23T11:00:00+08:00\"}},\"job\":\"load\",\"due\":\"2026-11-23T09:00:00+08:00\",\"late_ms\":0}\n",
           p, q, p, p);
  assert_string_equal(read_lines(transcript, 0), want);

  /* Claims by event: m1, m2; m1 again; an unknown packet; no packet. */
  int64_t t = local_ms("2026-11-23 09:05");
  qun_run_until(r, t);
  claim_event(st, "m1", p, t);
  claim_event(st, "m2", p, t);
  claim_event(st, "m1", p, t + 1);
  claim_event(st, "m3", "nosuchpacket", t);
  assert_true(qun_store_event_add(st, "redpacket.claim", "m4", NULL, t, "{}", t) > 0);
  assert_int_equal(qun_run_poll_events(r), 5);
  assert_int_equal(qun_run_poll_events(r), 2); /* the two redpacket.claimed events */
  const char *tr = read_lines(transcript, 4);
  char line[512];
  int64_t f1 = db_int(dbpath, "SELECT fen FROM claims WHERE member = 'm1'");
  int64_t f2 = db_int(dbpath, "SELECT fen FROM claims WHERE member = 'm2'");
  snprintf(line, sizeof line, "\"ev\":\"redpacket\",\"op\":\"claim\",\"packet\":\"%s\",\"member\":\"m1\",\"fen\":%lld,\"seq\":1}", p, (long long)f1);
  assert_int_equal(count_in(tr, line), 1);
  snprintf(line, sizeof line, "\"ev\":\"redpacket\",\"op\":\"claim\",\"packet\":\"%s\",\"member\":\"m2\",\"fen\":%lld,\"seq\":2}", p, (long long)f2);
  assert_int_equal(count_in(tr, line), 1);
  snprintf(line, sizeof line, "\"ev\":\"redpacket\",\"op\":\"refused\",\"packet\":\"%s\",\"member\":\"m1\",\"fen\":%lld,\"reason\":\"already claimed\"}", p, (long long)f1);
  assert_int_equal(count_in(tr, line), 1);
  assert_int_equal(count_in(tr, "\"op\":\"refused\",\"packet\":\"nosuchpacket\",\"member\":\"m3\",\"fen\":null,\"reason\":\"no such red packet\"}"), 1);
  assert_int_equal(count_in(tr, "\"op\":\"refused\",\"packet\":\"\",\"member\":\"m4\",\"fen\":null,\"reason\":\"the event needs member and data {\\\"packet\\\": ID}\"}"), 1);
  /* The on handlers heard redpacket.claimed, with seq and amount. */
  char amount[24];
  snprintf(amount, sizeof amount, "%lld.%02lld", (long long)f1 / 100, (long long)f1 % 100);
  snprintf(line, sizeof line, "\"message\":\"claimed m1 p %lld #1 %s\"", (long long)f1, amount);
  assert_int_equal(count_in(tr, line), 1);
  assert_int_equal(count_in(tr, "\"ev\":\"event\",\"type\":\"redpacket.claimed\""), 2);
  /* Payouts: one per claim, through the webhook, keyed by bill number. */
  assert_int_equal(nreqs, 2);
  char key[64];
  snprintf(key, sizeof key, "%s00001", p);
  assert_string_equal(reqs[0].key, key);
  snprintf(want, sizeof want, "{\"id\":\"%s00001\",\"type\":\"payout\",\"packet\":\"%s\",\"claim\":1,\"member\":\"m1\",\"fen\":%lld,\"billno\":\"%s00001\"}",
           p, p, (long long)f1, p);
  assert_string_equal(reqs[0].body, want);
  unsigned char mac[32];
  assert_int_equal(qun_chan_hmac_sha256("test-secret-0123456789", 22, reqs[0].body, strlen(reqs[0].body), mac), 0);
  char *hex = qun_chan_hex(mac, 32), sig[80];
  snprintf(sig, sizeof sig, "sha256=%s", hex);
  free(hex);
  assert_string_equal(reqs[0].sig, sig);

  /* p:claim in a handler: q is even, 1.00 each; a second claim is refused. */
  qun_run_until(r, local_ms("2026-11-23 09:15"));
  tr = read_lines(transcript, 0);
  assert_int_equal(count_in(tr, "\"message\":\"m9: 100, again: nil already claimed, left 200 in 2\""), 1);
  /* A claim in a handler that raises is rolled back with it. */
  qun_run_until(r, local_ms("2026-11-23 09:25"));
  assert_int_equal(db_int(dbpath, "SELECT count(*) FROM claims WHERE member = 'm8'"), 0);
  assert_int_equal(count_in(read_lines(transcript, 0), "changed my mind"), 1);

  /* In-process claims (the HTTP endpoint's call): until no shares are left. */
  struct qun_rp_claim c;
  static const char *const more[] = {"m3", "m4", "m5"};
  for (int i = 0; i < 3; i++)
    assert_int_equal(qun_run_rp_claim_tx(r, p, more[i], &c, err, sizeof err), 0);
  assert_int_equal(c.seq, 5);
  assert_int_equal(qun_run_rp_claim_tx(r, p, "m6", &c, err, sizeof err), QUN_ELIMIT);
  assert_int_equal(qun_run_rp_claim_tx(r, p, "m1", &c, err, sizeof err), QUN_EEXIST);
  assert_int_equal(c.fen, f1);
  assert_int_equal(qun_run_rp_claim_tx(r, "nosuchpacket", "m1", &c, err, sizeof err), QUN_ENOENT);
  assert_int_equal(db_int(dbpath, "SELECT sum(fen) FROM claims WHERE packet = (SELECT id FROM packets WHERE total = 1000)"), 1000);
  assert_int_equal(db_int(dbpath, "SELECT count(*) FROM claims WHERE packet = (SELECT id FROM packets WHERE total = 1000)"), 5);
  /* q expired at 09:30: refused, and refunded by the host job. */
  qun_run_until(r, local_ms("2026-11-23 09:40"));
  assert_int_equal(qun_run_rp_claim_tx(r, q, "m7", &c, err, sizeof err), QUN_ESTATE);
  snprintf(line, sizeof line, "{\"t\":\"2026-11-23T09:30:00+08:00\",\"ev\":\"redpacket\",\"op\":\"refund\",\"packet\":\"%s\",\"member\":null,\"fen\":200}", q);
  assert_int_equal(count_in(read_lines(transcript, 0), line), 1);
  qun_run_close(r);

  /* A restart: the top level finds the same packets (no new line, no new
   * send); nothing is paid twice. */
  int lines_before = count_in(read_lines(transcript, 0), "\n");
  int outbox_before = (int)db_int(dbpath, "SELECT count(*) FROM outbox");
  r = open_at(st, pb("packets.lua"), "2026-11-23 10:00", err);
  assert_non_null(r);
  assert_int_equal(db_int(dbpath, "SELECT count(*) FROM packets"), 2);
  assert_int_equal(db_int(dbpath, "SELECT count(*) FROM outbox"), outbox_before);
  assert_int_equal(count_in(read_lines(transcript, lines_before), "\"op\":\"new\""), 0);
  assert_int_equal(count_in(read_lines(transcript, lines_before), "\"ev\":\"send\""), 0);
  /* p expires at 11:00: everything was claimed, the refund is 0. */
  qun_run_until(r, local_ms("2026-11-23 12:00"));
  snprintf(line, sizeof line, "\"op\":\"refund\",\"packet\":\"%s\",\"member\":null,\"fen\":0}", p);
  assert_int_equal(count_in(read_lines(transcript, 0), line), 1);
  qun_run_close(r);

  /* The ledger balances, packet by packet, in one query. */
  assert_int_equal(qun_store_rp_unbalanced(st), 0);
  assert_int_equal(db_int(dbpath, "SELECT count(*) FROM rp_balance WHERE claimed + refund != total"), 0);
  assert_int_equal(db_int(dbpath, "SELECT count(*) FROM rp_balance"), 2);
  /* Payouts: one per claim (m1 m2 m9 m3 m4 m5), keys = bill numbers,
   * each with the claim's amount. */
  assert_int_equal(db_int(dbpath, "SELECT count(*) FROM outbox WHERE target LIKE 'payout:%'"), 6);
  assert_int_equal(db_int(dbpath, "SELECT count(*) FROM outbox o JOIN claims c ON c.billno = o.key "
                           "WHERE json_extract(o.msg, '$.payout.fen') = c.fen "
                           "AND json_extract(o.msg, '$.payout.member') = c.member"), 6);
  assert_int_equal(nreqs, 6);
  /* The ledger is append-only. */
  sqlite3 *d;
  assert_int_equal(sqlite3_open(dbpath, &d), SQLITE_OK);
  assert_int_not_equal(sqlite3_exec(d, "UPDATE rp_ledger SET fen = fen + 1", NULL, NULL, NULL), SQLITE_OK);
  assert_int_not_equal(sqlite3_exec(d, "DELETE FROM rp_ledger", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(d);
  qun_store_close(st);
}

/* Two events at the same instant are two occurrences: each handler call
 * creates its own packet (and its own jobs and messages). */
static void test_same_instant_events(void **state) {
  (void)state;
  load_cfg(team);
  char file[256], err[1024];
  snprintf(file, sizeof file, "%s/orders.lua", dir);
  write_file(file, "playbook { name = \"orders\", version = \"1.0.0\" }\n"
                   "on(\"purchase\", function(ev)\n"
                   "  local p = redpacket.new { total = \"1.00\", count = 2, group = \"g1\" }\n"
                   "  schedule.after(\"1m\", jobs.thanks, { packet = p.id })\n"
                   "  send(\"g1\", p)\n"
                   "end)\n"
                   "function jobs.thanks(args) log(\"thanks %s\", redpacket.get(args.packet).id) end\n");
  struct qun_store *st;
  assert_int_equal(qun_store_open(dbpath, &st, err, sizeof err), 0);
  struct qun_run *r = open_at(st, file, "2026-11-23 09:00", err);
  if (!r)
    fail_msg("%s", err);
  int64_t t = local_ms("2026-11-23 09:00");
  qun_store_event_add(st, "purchase", "m1", "g1", t, NULL, t);
  qun_store_event_add(st, "purchase", "m2", "g1", t, NULL, t);
  assert_int_equal(qun_run_poll_events(r), 2);
  qun_run_until(r, local_ms("2026-11-23 09:05"));
  assert_int_equal(db_int(dbpath, "SELECT count(*) FROM packets"), 2);
  assert_int_equal(db_int(dbpath, "SELECT count(*) FROM jobs WHERE handler = 'thanks'"), 2);
  assert_int_equal(db_int(dbpath, "SELECT count(*) FROM outbox"), 2);
  assert_int_equal(count_in(read_lines(transcript, 0), "\"message\":\"thanks "), 2);
  qun_run_close(r);
  qun_store_close(st);
}

/* A payout is money owed, not a message: a member who claimed a packet
 * still gets the messages caps.member_per_day allows. */
static void test_payout_not_capped(void **state) {
  (void)state;
  char text[1024];
  snprintf(text, sizeof text, "%scaps = { member_per_day = 1 }\n", team);
  load_cfg(text);
  char file[256], err[1024];
  snprintf(file, sizeof file, "%s/thanks.lua", dir);
  write_file(file, "playbook { name = \"thanks\", version = \"1.0.0\" }\n"
                   "local p = redpacket.new { total = \"1.00\", count = 2, group = \"g1\" }\n"
                   "on(\"redpacket.claimed\", function(ev) send(ev.member, \"谢谢 {name}\") end)\n"
                   "schedule.at(\"2026-11-23 09:10\", \"again\", function() send(member(\"m1\"), \"再见\") end)\n");
  struct qun_store *st;
  assert_int_equal(qun_store_open(dbpath, &st, err, sizeof err), 0);
  assert_int_equal(qun_store_member_upsert(st, "m1", "一", -1, NULL, 0), 0);
  struct qun_run *r = open_at(st, file, "2026-11-23 09:00", err);
  if (!r)
    fail_msg("%s", err);
  char p[32];
  snprintf(p, sizeof p, "%s", sql_text("SELECT id FROM packets"));
  p[strcspn(p, "\n")] = '\0';
  int64_t t = local_ms("2026-11-23 09:01");
  qun_run_until(r, t);
  claim_event(st, "m1", p, t);
  assert_int_equal(qun_run_poll_events(r), 1);
  assert_int_equal(qun_run_poll_events(r), 1); /* redpacket.claimed: the thank-you */
  qun_run_until(r, local_ms("2026-11-23 09:20"));
  const char *tr = read_lines(transcript, 0);
  assert_int_equal(count_in(tr, "\"to\":\"member:m1\",\"msg\":{\"text\":\"谢谢 一\"}"), 1);
  /* The cap still holds for messages: the second one that day is dropped. */
  assert_int_equal(count_in(tr, "\"ev\":\"dropped\",\"to\":\"member:m1\",\"reason\":\"member_cap\",\"job\":\"again\""), 1);
  assert_int_equal(db_int(dbpath, "SELECT count(*) FROM outbox WHERE target LIKE 'payout:%'"), 1);
  qun_run_close(r);
  qun_store_close(st);
}

/* A template variable whose __tostring raises: an error naming the line,
 * nothing sent, nothing leaked. */
static void test_tostring_raises(void **state) {
  (void)state;
  char file[256], err[1024];
  snprintf(file, sizeof file, "%s/tostring.lua", dir);
  write_file(file, "playbook { name = \"tostring\", version = \"1.0.0\" }\n"
                   "local bad = setmetatable({}, { __tostring = function() error(\"no text\") end })\n"
                   "local good = setmetatable({}, { __tostring = function() return \"好\" end })\n"
                   "schedule.at(\"2026-11-23 09:00\", \"x\", function()\n"
                   "  send(\"g1\", \"{a} {b}\", { a = good, b = bad })\n"
                   "end)\n"
                   "schedule.at(\"2026-11-23 09:01\", \"y\", function()\n"
                   "  send(\"g1\", \"{a}!\", { a = good })\n"
                   "end)\n");
  struct qun_store *st;
  assert_int_equal(qun_store_open(":memory:", &st, err, sizeof err), 0);
  struct qun_run *r = open_at(st, file, "2026-11-23 08:00", err);
  assert_non_null(r);
  qun_run_until(r, local_ms("2026-11-23 10:00"));
  char want[2048];
  snprintf(want, sizeof want,
           "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"error\",\"job\":\"x\",\"message\":\"%s:5: send: a "
           "variable's __tostring failed in the message template (\\\"text\\\"): %s:2: no text\"}\n"
           "{\"t\":\"2026-11-23T09:01:00+08:00\",\"ev\":\"send\",\"channel\":\"console\",\"to\":\"group:g1\","
           "\"msg\":{\"text\":\"好!\"},\"job\":\"y\",\"due\":\"2026-11-23T09:01:00+08:00\",\"late_ms\":0}\n",
           file, file);
  assert_string_equal(read_lines(transcript, 0), want);
  qun_run_close(r);
  qun_store_close(st);
}

/* ---- the rain ---- */

static void test_rain(void **state) {
  (void)state;
  load_cfg(team);
  struct qun_store *st;
  char err[1024];
  assert_int_equal(qun_store_open(dbpath, &st, err, sizeof err), 0);
  struct qun_run *r = open_at(st, pb("rain.lua"), "2026-11-28 18:00", err);
  if (!r)
    fail_msg("%s", err);
  /* The plan: 100.01 元 in 4 packets, the extra fen to the first; spread
   * over 10 minutes. */
  const char *tr = read_lines(transcript, 0);
  int64_t at = local_ms("2026-11-28 19:00") / 1000;
  char line[256];
  static const int offs[] = {0, 150, 300, 450};
  static const int fens[] = {2501, 2500, 2500, 2500};
  for (int i = 0; i < 4; i++) {
    snprintf(line, sizeof line, "\"message\":\"rain@%lld-%d %lld %d\"", (long long)at, i + 1,
             (long long)(at + offs[i]), fens[i]);
    assert_int_equal(count_in(tr, line), 1);
  }
  qun_run_until(r, local_ms("2026-11-28 19:05"));
  qun_run_close(r);
  r = open_at(st, pb("rain.lua"), "2026-11-28 19:06", err); /* a restart in the middle */
  assert_non_null(r);
  qun_run_until(r, local_ms("2026-11-28 20:00"));
  qun_run_close(r);
  tr = read_lines(transcript, 0);
  assert_int_equal(count_in(tr, "\"op\":\"new\""), 4);
  assert_int_equal(count_in(tr, "\"msg\":{\"redpacket\":"), 4);
  assert_int_equal(count_in(tr, "\"note\":\"红包雨\""), 4);
  static const char *const times[] = {"19:00:00", "19:02:30", "19:05:00", "19:07:30"};
  for (int i = 0; i < 4; i++) {
    snprintf(line, sizeof line, "{\"t\":\"2026-11-28T%s+08:00\",\"ev\":\"redpacket\",\"op\":\"new\"", times[i]);
    assert_int_equal(count_in(tr, line), 1);
    snprintf(line, sizeof line, "\"member\":null,\"fen\":%d,\"count\":5,\"split\":\"lucky\",\"group\":\"g1\"", fens[i]);
    assert_true(count_in(tr, line) >= 1);
  }
  assert_int_equal(db_int(dbpath, "SELECT sum(total) FROM packets"), 10001);
  assert_int_equal(db_int(dbpath, "SELECT count(*) FROM packets"), 4);
  qun_store_close(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_countdown, setup, teardown),
      cmocka_unit_test_setup_teardown(test_author_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_packets, setup, teardown),
      cmocka_unit_test_setup_teardown(test_same_instant_events, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tostring_raises, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rain, setup, teardown),
      cmocka_unit_test_setup_teardown(test_payout_not_capped, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
