/* test-worker.c — the outbox's drain. On the virtual clock: rate limits
 * become late_ms, quiet hours hold messages at delivery, the recording
 * sink sees each request. Live, against a local HTTP sink: exact requests
 * with their idempotency keys, retries (5xx, 429 with Retry-After,
 * timeouts), dead letters, and a message in flight when the worker goes
 * away is sent again by the next one, under the same key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "core/timespec.h"
#include "core/transcript.h"
#include "core/tz.h"
#include "deliver/channel.h"
#include "deliver/worker.h"
#include "host/config.h"
#include "sink.h"
#include "store/store.h"

/* ---- a harness: one store, one config, the lines the worker writes ---- */

struct h {
  struct qun_store *st;
  struct qun_config cfg;
  int64_t vnow;      /* virtual clock; -1: the wall clock */
  char lines[1 << 16];
  size_t nlines;
  char recorded[8192];
  int nrecorded, ncommitted;
};

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t h_now(void *ud) {
  struct h *h = ud;
  return h->vnow >= 0 ? h->vnow : wall_ms();
}

static void h_emit(void *ud, const char *ev, json_t *fields) {
  struct h *h = ud;
  char *line = qun_transcript_line(h_now(h), ev, fields);
  h->nlines += (size_t)snprintf(h->lines + h->nlines, sizeof h->lines - h->nlines, "%s\n", line);
  free(line);
}

static void h_emit_line(void *ud, const char *line) {
  struct h *h = ud;
  h->nlines += (size_t)snprintf(h->lines + h->nlines, sizeof h->lines - h->nlines, "%s\n", line);
}

static void h_record(void *ud, const char *channel, const char *type, const struct qun_chan_req *req,
                     int64_t at) {
  struct h *h = ud;
  size_t n = strlen(h->recorded);
  snprintf(h->recorded + n, sizeof h->recorded - n, "%s(%s)@%lld %s|%.*s\n", channel, type,
           (long long)(at / 1000), req->method ? req->method : "-", (int)req->len, req->body);
  h->nrecorded++;
}

static void h_committed(void *ud) {
  ((struct h *)ud)->ncommitted++;
}

static int64_t at(const char *s) {
  int64_t t;
  assert_int_equal(qun_time_parse(s, 0, &t), 0);
  return t * 1000;
}

static void h_init(struct h *h, int64_t vnow) {
  memset(h, 0, sizeof *h);
  char err[256];
  assert_int_equal(qun_store_open(":memory:", &h->st, err, sizeof err), 0);
  qun_config_defaults(&h->cfg);
  h->vnow = vnow;
}

static void h_free(struct h *h) {
  qun_config_free(&h->cfg);
  qun_store_close(h->st);
}

static struct qun_channel *add_channel(struct h *h, const char *name, const char *type) {
  h->cfg.channels = realloc(h->cfg.channels, (h->cfg.nchannels + 1) * sizeof *h->cfg.channels);
  struct qun_channel *c = &h->cfg.channels[h->cfg.nchannels++];
  memset(c, 0, sizeof *c);
  c->name = strdup(name), c->type = strdup(type);
  return c;
}

static void add_group(struct h *h, const char *id, const char *channel) {
  h->cfg.groups = realloc(h->cfg.groups, (h->cfg.ngroups + 1) * sizeof *h->cfg.groups);
  struct qun_group *g = &h->cfg.groups[h->cfg.ngroups++];
  memset(g, 0, sizeof *g);
  g->id = strdup(id), g->channel = strdup(channel);
}

static void queue(struct h *h, const char *key, const char *channel, const char *target, const char *text) {
  char msg[512];
  snprintf(msg, sizeof msg, "{\"text\":\"%s\"}", text);
  struct qun_out m = {.run_id = 1, .key = key, .channel = channel, .target = target, .msg = msg,
                      .job = "j", .due = h_now(h), .day = 0, .state = QUN_OUT_QUEUED,
                      .next_try = h_now(h)};
  int created;
  assert_int_equal(qun_store_out_add(h->st, &m, h_now(h), &created), 0);
  assert_true(created);
}

static struct qun_worker *worker(struct h *h, uv_loop_t *loop) {
  struct qun_worker_opts o = {.store = h->st, .run_id = 1, .cfg = &h->cfg, .loop = loop,
                              .record = h_record, .now = h_now, .emit = h_emit, .emit_line = h_emit_line,
                              .committed = h_committed, .ud = h, .backoff_ms = 100,
                              .timeout_ms = 400};
  struct qun_worker *w = qun_worker_new(&o);
  assert_non_null(w);
  return w;
}

/* ---- virtual clock ---- */

/* A channel limited to 2 a minute: five messages queued at once leave two
 * by two, a minute apart, and say how late they were. */
static void test_rate_limit_is_lateness(void **state) {
  (void)state;
  struct h h;
  h_init(&h, at("2026-11-23 09:00"));
  struct qun_channel *c = add_channel(&h, "out", "console");
  c->nrate = 1, c->rate[0] = (struct qun_rate){2, 60000};
  add_group(&h, "g1", "out");
  char key[16], text[16];
  for (int i = 1; i <= 5; i++) {
    snprintf(key, sizeof key, "k%d", i), snprintf(text, sizeof text, "m%d", i);
    queue(&h, key, "out", "group:g1", text);
  }
  struct qun_worker *w = worker(&h, NULL);
  assert_int_equal(qun_worker_load(w), 0);
  assert_int_equal(qun_worker_waiting(w), 5);
  qun_worker_run(w);
  assert_int_equal(qun_worker_next(w), at("2026-11-23 09:01"));
  h.vnow = at("2026-11-23 09:01");
  qun_worker_run(w);
  h.vnow = at("2026-11-23 09:02");
  qun_worker_run(w);
  assert_int_equal(qun_worker_next(w), -1);
  assert_string_equal(h.lines,
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"send\",\"channel\":\"out\",\"to\":\"group:g1\",\"msg\":{\"text\":\"m1\"},\"job\":\"j\",\"due\":\"2026-11-23T09:00:00+08:00\",\"late_ms\":0}\n"
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"send\",\"channel\":\"out\",\"to\":\"group:g1\",\"msg\":{\"text\":\"m2\"},\"job\":\"j\",\"due\":\"2026-11-23T09:00:00+08:00\",\"late_ms\":0}\n"
      "{\"t\":\"2026-11-23T09:01:00+08:00\",\"ev\":\"send\",\"channel\":\"out\",\"to\":\"group:g1\",\"msg\":{\"text\":\"m3\"},\"job\":\"j\",\"due\":\"2026-11-23T09:00:00+08:00\",\"late_ms\":60000}\n"
      "{\"t\":\"2026-11-23T09:01:00+08:00\",\"ev\":\"send\",\"channel\":\"out\",\"to\":\"group:g1\",\"msg\":{\"text\":\"m4\"},\"job\":\"j\",\"due\":\"2026-11-23T09:00:00+08:00\",\"late_ms\":60000}\n"
      "{\"t\":\"2026-11-23T09:02:00+08:00\",\"ev\":\"send\",\"channel\":\"out\",\"to\":\"group:g1\",\"msg\":{\"text\":\"m5\"},\"job\":\"j\",\"due\":\"2026-11-23T09:00:00+08:00\",\"late_ms\":120000}\n");
  assert_int_equal(h.nrecorded, 5);
  assert_non_null(strstr(h.recorded, "out(console)@1795395660 -|→ group:g1: m3\n"));
  assert_int_equal(qun_store_out_count(h.st, 1, QUN_OUT_SENT), 5);
  qun_worker_free(w);
  h_free(&h);
}

/* A message the rate limit pushes past 22:00 waits for the quiet hours'
 * end; with action = "drop" it is dropped instead. */
static void test_quiet_hours_at_delivery(void **state) {
  (void)state;
  for (int drop = 0; drop <= 1; drop++) {
    struct h h;
    h_init(&h, at("2026-11-23 21:59"));
    h.cfg.quiet_from = 22 * 60, h.cfg.quiet_to = 8 * 60, h.cfg.quiet_drop = drop;
    struct qun_channel *c = add_channel(&h, "out", "console");
    c->nrate = 1, c->rate[0] = (struct qun_rate){1, 120000};
    add_group(&h, "g1", "out");
    queue(&h, "a", "out", "group:g1", "first");
    queue(&h, "b", "out", "group:g1", "second");
    struct qun_worker *w = worker(&h, NULL);
    qun_worker_load(w);
    qun_worker_run(w);
    h.vnow = qun_worker_next(w); /* 22:01: inside */
    assert_int_equal(h.vnow, at("2026-11-23 22:01"));
    qun_worker_run(w);
    if (drop) {
      assert_int_equal(qun_worker_next(w), -1);
      assert_non_null(strstr(h.lines, "{\"t\":\"2026-11-23T22:01:00+08:00\",\"ev\":\"dropped\",\"to\":\"group:g1\",\"reason\":\"quiet_hours\",\"job\":\"j\"}\n"));
      assert_int_equal(qun_store_out_count(h.st, 1, QUN_OUT_DROPPED), 1);
    } else {
      assert_int_equal(qun_worker_next(w), at("2026-11-24 08:00"));
      h.vnow = at("2026-11-24 08:00");
      qun_worker_run(w);
      assert_non_null(strstr(h.lines,
          "{\"t\":\"2026-11-23T22:01:00+08:00\",\"ev\":\"deferred\",\"to\":\"group:g1\",\"reason\":\"quiet_hours\",\"job\":\"j\",\"until\":\"2026-11-24T08:00:00+08:00\"}\n"
          "{\"t\":\"2026-11-24T08:00:00+08:00\",\"ev\":\"send\",\"channel\":\"out\",\"to\":\"group:g1\",\"msg\":{\"text\":\"second\"},\"job\":\"j\",\"due\":\"2026-11-23T21:59:00+08:00\",\"late_ms\":36060000}\n"));
      assert_int_equal(qun_store_out_count(h.st, 1, QUN_OUT_SENT), 2);
    }
    qun_worker_free(w);
    h_free(&h);
  }
}

/* A channel the config does not have, and a message its channel cannot
 * carry, are dead at once, with the reason. */
static void test_dead_without_sending(void **state) {
  (void)state;
  struct h h;
  h_init(&h, at("2026-11-23 09:00"));
  queue(&h, "a", "nowhere", "group:g1", "hi");
  struct qun_worker *w = worker(&h, NULL);
  qun_worker_load(w);
  qun_worker_run(w);
  assert_string_equal(h.lines,
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"dropped\",\"to\":\"group:g1\",\"reason\":\"failed\",\"job\":\"j\",\"error\":\"no channel 'nowhere' in the team config\"}\n");
  assert_int_equal(qun_store_out_count(h.st, 1, QUN_OUT_DEAD), 1);
  assert_int_equal(h.nrecorded, 0);
  qun_worker_free(w);
  h_free(&h);
}

/* ---- live, against the sink ---- */

static void on_stop(uv_timer_t *t) {
  uv_stop(t->loop);
}

static void run_loop(uv_loop_t *loop, struct qun_worker *w, struct h *h, int want, int max_ms) {
  uv_timer_t deadline, tick;
  uv_timer_init(loop, &deadline);
  uv_timer_init(loop, &tick);
  uv_timer_start(&deadline, on_stop, (uint64_t)max_ms, 0);
  int64_t until = wall_ms() + max_ms;
  while (qun_store_out_count(h->st, 1, QUN_OUT_SENT) + qun_store_out_count(h->st, 1, QUN_OUT_DEAD) < want &&
         wall_ms() < until) {
    qun_worker_run(w); /* what the run does on its wake */
    uv_run(loop, UV_RUN_NOWAIT);
    struct timespec ts = {0, 5000000};
    nanosleep(&ts, NULL);
  }
  uv_close((uv_handle_t *)&deadline, NULL);
  uv_close((uv_handle_t *)&tick, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
}

/* The same with the worker on a virtual clock (HTTP stays real): when
 * nothing is in flight the clock jumps to the next waiting message, so a
 * platform's 60 s pause costs no time. */
static void run_loop_jumping(uv_loop_t *loop, struct qun_worker *w, struct h *h, int want) {
  for (int spins = 0; spins < 20000 && qun_store_out_count(h->st, 1, QUN_OUT_SENT) +
                                               qun_store_out_count(h->st, 1, QUN_OUT_DEAD) < want; spins++) {
    qun_worker_run(w);
    uv_run(loop, UV_RUN_NOWAIT);
    if (!qun_worker_inflight(w) && qun_worker_next(w) > h->vnow)
      h->vnow = qun_worker_next(w);
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
}

static void close_loop(uv_loop_t *loop) {
  uv_run(loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(loop), 0);
}

/* A live harness on the wall clock: the sink, and in h a webhook channel
 * "hook" that posts to the sink's path, with group g1 on it. Script the
 * sink before the worker runs. */
static struct sink *live_webhook(struct h *h, uv_loop_t *loop, const char *path) {
  struct sink *s = sink_start();
  assert_non_null(s);
  h_init(h, -1);
  struct qun_channel *c = add_channel(h, "hook", "webhook");
  char url[128];
  snprintf(url, sizeof url, "%s%s", sink_base(s), path);
  c->url = strdup(url);
  add_group(h, "g1", "hook");
  uv_loop_init(loop);
  return s;
}

/* The end of every live test: the worker, its loop, the harness, the sink. */
static void live_end(struct qun_worker *w, uv_loop_t *loop, struct h *h, struct sink *s) {
  qun_worker_free(w);
  close_loop(loop);
  h_free(h);
  sink_stop(s);
}

static void test_live_webhook_keys(void **state) {
  (void)state;
  struct h h;
  uv_loop_t loop;
  struct sink *s = live_webhook(&h, &loop, "/qun");
  h.cfg.channels[0].secret = strdup("s3cret-key");
  queue(&h, "1/tick@0#1/group:g1", "hook", "group:g1", "one");
  queue(&h, "1/tick@0#2/group:g1", "hook", "group:g1", "two");
  struct qun_worker *w = worker(&h, &loop);
  qun_worker_load(w);
  run_loop(&loop, w, &h, 2, 5000);
  assert_int_equal(qun_store_out_count(h.st, 1, QUN_OUT_SENT), 2);
  assert_int_equal(sink_count(s), 2);
  struct sink_req r;
  char v[256];
  assert_true(sink_get(s, 0, &r)); /* the two went in parallel: find "one" */
  if (!strstr(r.body, "\"one\"")) {
    sink_req_free(&r);
    assert_true(sink_get(s, 1, &r));
  }
  assert_string_equal(r.method, "POST");
  assert_string_equal(r.url, "/qun");
  assert_string_equal(sink_header(&r, "Idempotency-Key", v, sizeof v), "1/tick@0#1/group:g1");
  assert_non_null(sink_header(&r, "X-Qun-Signature", v, sizeof v));
  assert_non_null(strstr(r.body, "\"one\""));
  sink_req_free(&r);
  assert_true(h.ncommitted >= 1);
  assert_non_null(strstr(h.lines, "\"ev\":\"send\",\"channel\":\"hook\",\"to\":\"group:g1\",\"msg\":{\"text\":\"two\"}"));
  live_end(w, &loop, &h, s);
}

/* 500, then 429 with Retry-After: 1, then a timeout, then 200: the message
 * goes out on the fourth attempt; each failed attempt is a line. */
static void test_live_retries(void **state) {
  (void)state;
  struct h h;
  uv_loop_t loop;
  struct sink *s = live_webhook(&h, &loop, "/qun");
  sink_push(s, 500, NULL, "oops", 0);
  sink_push(s, 429, "Retry-After: 1", "slow down", 0);
  sink_push(s, 200, NULL, "{}", 900); /* longer than the 400 ms timeout */
  queue(&h, "k", "hook", "group:g1", "hi");
  struct qun_worker *w = worker(&h, &loop);
  qun_worker_load(w);
  int64_t t0 = wall_ms();
  run_loop(&loop, w, &h, 1, 8000);
  assert_int_equal(qun_store_out_count(h.st, 1, QUN_OUT_SENT), 1);
  assert_int_equal(sink_wait(s, 4, 2000), 4);
  struct sink_req r2, r3;
  assert_true(sink_get(s, 1, &r2) && sink_get(s, 2, &r3));
  assert_true(r3.at_ms - r2.at_ms >= 1000); /* Retry-After honoured */
  sink_req_free(&r2), sink_req_free(&r3);
  assert_true(wall_ms() - t0 >= 1000);
  assert_non_null(strstr(h.lines, "\"ev\":\"deferred\",\"to\":\"group:g1\",\"reason\":\"retry\",\"job\":\"j\",\"until\":"));
  assert_non_null(strstr(h.lines, "\"error\":\"webhook: HTTP 500\"}"));
  assert_non_null(strstr(h.lines, "\"error\":\"webhook: HTTP 429 (too many requests)\"}"));
  assert_non_null(strstr(h.lines, "\"error\":\"webhook: Timeout was reached\"}"));
  live_end(w, &loop, &h, s);
}

/* A permanent refusal is a dead letter with the platform's words. */
static void test_live_dead_letter(void **state) {
  (void)state;
  struct h h;
  uv_loop_t loop;
  struct sink *s = live_webhook(&h, &loop, "/qun?token=abc");
  sink_default(s, 400, "bad payload");
  queue(&h, "k", "hook", "group:g1", "hi");
  struct qun_worker *w = worker(&h, &loop);
  qun_worker_load(w);
  run_loop(&loop, w, &h, 1, 5000);
  assert_int_equal(qun_store_out_count(h.st, 1, QUN_OUT_DEAD), 1);
  assert_int_equal(sink_count(s), 1);
  assert_non_null(strstr(h.lines, "\"ev\":\"dropped\",\"to\":\"group:g1\",\"reason\":\"failed\",\"job\":\"j\",\"error\":\"webhook: HTTP 400 bad payload\"}"));
  live_end(w, &loop, &h, s);
}

/* The worker goes away with a request in flight (a crash, a stop): the
 * message is still queued, and the next worker sends it again — under the
 * same idempotency key, so the receiver can tell. */
static void test_in_flight_sent_again_same_key(void **state) {
  (void)state;
  struct h h;
  uv_loop_t loop;
  struct sink *s = live_webhook(&h, &loop, "/qun");
  sink_push(s, 200, NULL, "{}", 300);
  queue(&h, "the-key", "hook", "group:g1", "hi");
  struct qun_worker *w = worker(&h, &loop);
  qun_worker_load(w);
  qun_worker_run(w);
  assert_int_equal(qun_worker_inflight(w), 1);
  for (int i = 0; i < 200 && sink_count(s) < 1; i++)
    uv_run(&loop, UV_RUN_NOWAIT), sink_wait(s, 1, 5);
  qun_worker_free(w); /* the answer never arrives */
  uv_run(&loop, UV_RUN_NOWAIT);
  assert_int_equal(qun_store_out_count(h.st, 1, QUN_OUT_QUEUED), 1);
  w = worker(&h, &loop);
  qun_worker_load(w);
  run_loop(&loop, w, &h, 1, 5000);
  assert_int_equal(qun_store_out_count(h.st, 1, QUN_OUT_SENT), 1);
  assert_int_equal(sink_wait(s, 2, 1000), 2);
  struct sink_req a, b;
  char ka[64], kb[64];
  assert_true(sink_get(s, 0, &a) && sink_get(s, 1, &b));
  assert_string_equal(sink_header(&a, "Idempotency-Key", ka, sizeof ka), "the-key");
  assert_string_equal(sink_header(&b, "Idempotency-Key", kb, sizeof kb), "the-key");
  assert_string_equal(a.body, b.body);
  sink_req_free(&a), sink_req_free(&b);
  /* One send line: the first attempt's outcome was never committed. */
  const char *first = strstr(h.lines, "\"ev\":\"send\"");
  assert_non_null(first);
  assert_null(strstr(first + 1, "\"ev\":\"send\""));
  live_end(w, &loop, &h, s);
}

/* Every channel type, live through libcurl to the sink: the bytes that
 * arrive (method, path and query, body, the signatures in them) are the
 * ones the channel renders for that instant — the instant is read back
 * from the request where a signature carries it. */
static int64_t stamp_of(const struct sink_req *r, const char *type) {
  if (strcmp(type, "dingtalk") == 0) {
    const char *p = strstr(r->url, "&timestamp=");
    return p ? strtoll(p + 11, NULL, 10) : -1;
  }
  if (strcmp(type, "feishu") == 0) {
    json_t *b = json_loads(r->body, 0, NULL);
    int64_t t = b ? strtoll(json_string_value(json_object_get(b, "timestamp")) ?: "-1", NULL, 10) * 1000 : -1;
    json_decref(b);
    return t;
  }
  return 0;
}

static void test_every_channel_through_the_sink(void **state) {
  (void)state;
  struct sink *s = sink_start();
  sink_default(s, 200, "{\"errcode\":0,\"errmsg\":\"ok\",\"code\":0,\"msg\":\"success\",\"ok\":true,\"result\":{}}");
  struct h h;
  h_init(&h, -1);
  static const struct { const char *type, *field, *value, *secret; } chans[] = {
      {"wecom", "key", "wk-123456", NULL}, {"dingtalk", "token", "dt-abcdef", "SEC-ding-123"},
      {"feishu", "hook", "fs-hook-id", "fs-secret-1"}, {"slack", "url", "/services/T0/B0/X0", NULL},
      {"telegram", "token", "123456:ABC-def", NULL}, {"webhook", "url", "/qun/hook", "wh-secret-9"}};
  enum { N = sizeof chans / sizeof chans[0] };
  char name[N][16], group[N][16], text[N][160];
  for (int i = 0; i < N; i++) {
    snprintf(name[i], sizeof name[i], "c%d", i), snprintf(group[i], sizeof group[i], "g%d", i);
    struct qun_channel *c = add_channel(&h, name[i], chans[i].type);
    char v[256];
    if (chans[i].value[0] == '/')
      snprintf(v, sizeof v, "%s%s", sink_base(s), chans[i].value);
    else
      snprintf(v, sizeof v, "%s", chans[i].value);
    if (strcmp(chans[i].field, "key") == 0) c->key = strdup(v);
    if (strcmp(chans[i].field, "token") == 0) c->token = strdup(v);
    if (strcmp(chans[i].field, "hook") == 0) c->hook = strdup(v);
    if (strcmp(chans[i].field, "url") == 0) c->url = strdup(v);
    if (chans[i].secret) c->secret = strdup(chans[i].secret);
    if (chans[i].value[0] != '/') c->base_url = strdup(sink_base(s));
    add_group(&h, group[i], name[i]);
    h.cfg.groups[h.cfg.ngroups - 1].chat = strdup("-100123");
    char target[128], key[32];
    snprintf(target, sizeof target, "group:%s", group[i]), snprintf(key, sizeof key, "key-%d", i);
    snprintf(text[i], sizeof text[i], "早安 %s 👋 <b>&", chans[i].type);
    queue(&h, key, name[i], target, text[i]);
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct qun_worker *w = worker(&h, &loop);
  qun_worker_load(w);
  run_loop(&loop, w, &h, N, 5000);
  assert_int_equal(qun_store_out_count(h.st, 1, QUN_OUT_SENT), N);
  assert_int_equal(sink_count(s), N);
  for (int k = 0; k < N; k++) {
    struct sink_req r;
    assert_true(sink_get(s, k, &r));
    int i = -1;
    for (int j = 0; j < N; j++) /* which channel sent it: the text says */
      if (strstr(r.body, chans[j].type) && (i < 0 || strlen(chans[j].type) > strlen(chans[i].type)))
        i = j;
    assert_true(i >= 0);
    const struct qun_channel *c = &h.cfg.channels[i];
    char msg[256], target[64], key[32];
    snprintf(msg, sizeof msg, "{\"text\":\"%s\"}", text[i]);
    snprintf(target, sizeof target, "group:%s", group[i]), snprintf(key, sizeof key, "key-%d", i);
    json_t *m = json_loads(msg, 0, NULL);
    struct qun_chan_msg cm = {.msg = m, .target = target, .chat = "-100123", .key = key,
                              .now_ms = stamp_of(&r, chans[i].type)};
    struct qun_chan_req want = {0};
    char err[256];
    assert_int_equal(qun_chan_type(chans[i].type)->render(c, &cm, &want, err, sizeof err), 0);
    json_decref(m);
    assert_string_equal(r.method, want.method);
    assert_string_equal(want.url + strlen(sink_base(s)), r.url); /* path and query, signature included */
    assert_int_equal(r.len, want.len);
    assert_memory_equal(r.body, want.body, want.len);
    for (int j = 0; want.headers[j]; j++) { /* every header the channel set arrived as set */
      char hv[512], name_[64];
      const char *colon = strchr(want.headers[j], ':');
      snprintf(name_, sizeof name_, "%.*s", (int)(colon - want.headers[j]), want.headers[j]);
      assert_non_null(sink_header(&r, name_, hv, sizeof hv));
      assert_string_equal(hv, colon + 2);
    }
    qun_chan_req_free(&want);
    sink_req_free(&r);
  }
  /* No credential in any transcript line. */
  assert_null(strstr(h.lines, "wk-123456"));
  assert_null(strstr(h.lines, "SEC-ding"));
  assert_null(strstr(h.lines, "123456:ABC"));
  live_end(w, &loop, &h, s);
}

/* The platforms' throttling codes hold the channel and retry; their
 * permanent codes make a dead letter with the platform's words. */
static void test_platform_codes(void **state) {
  (void)state;
  struct sink *s = sink_start();
  sink_push(s, 200, NULL, "{\"errcode\":45009,\"errmsg\":\"api freq out of limit\"}", 0);
  sink_push(s, 200, NULL, "{\"errcode\":0,\"errmsg\":\"ok\"}", 0);
  sink_push(s, 200, NULL, "{\"errcode\":93000,\"errmsg\":\"invalid webhook url\"}", 0);
  struct h h;
  h_init(&h, at("2026-11-23 09:00"));
  struct qun_channel *c = add_channel(&h, "wx", "wecom");
  c->key = strdup("the-robot-key"), c->base_url = strdup(sink_base(s));
  add_group(&h, "g1", "wx");
  queue(&h, "a", "wx", "group:g1", "first");
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct qun_worker *w = worker(&h, &loop);
  qun_worker_load(w);
  run_loop_jumping(&loop, w, &h, 1);
  assert_int_equal(qun_store_out_count(h.st, 1, QUN_OUT_SENT), 1);
  /* held for the minute WeCom's limit spans, then sent */
  assert_non_null(strstr(h.lines, "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"deferred\",\"to\":\"group:g1\",\"reason\":\"retry\",\"job\":\"j\",\"until\":\"2026-11-23T09:01:00+08:00\",\"error\":\"wecom errcode 45009"));
  assert_non_null(strstr(h.lines, "{\"t\":\"2026-11-23T09:01:00+08:00\",\"ev\":\"send\""));
  queue(&h, "b", "wx", "group:g1", "second");
  qun_worker_load(w);
  run_loop_jumping(&loop, w, &h, 2);
  assert_int_equal(qun_store_out_count(h.st, 1, QUN_OUT_DEAD), 1);
  assert_non_null(strstr(h.lines, "93000"));
  assert_null(strstr(h.lines, "the-robot-key"));
  live_end(w, &loop, &h, s);
}

/* An outcome decided in a timer callback (a request timing out) is
 * committed at once, not when some other I/O happens to wake the loop:
 * the loop runs on its own here, with only a far watchdog to stop it. */
static void on_watchdog(uv_timer_t *t) {
  uv_stop(t->loop);
}

static uv_loop_t *stop_loop;
static void stop_when_committed(void *ud) {
  (void)ud;
  uv_stop(stop_loop); /* the outcome is in: nothing but the watchdog would wake the loop */
}

static void test_timeout_outcome_not_held(void **state) {
  (void)state;
  struct h h;
  uv_loop_t loop;
  struct sink *s = live_webhook(&h, &loop, "/qun");
  sink_default(s, 200, "{}");
  sink_push(s, 200, NULL, "{}", 2500); /* answers long after the 200 ms timeout */
  queue(&h, "k", "hook", "group:g1", "hi");
  stop_loop = &loop;
  struct qun_worker_opts o = {.store = h.st, .run_id = 1, .cfg = &h.cfg, .loop = &loop, .now = h_now,
                              .emit = h_emit, .emit_line = h_emit_line, .committed = stop_when_committed,
                              .ud = &h, .timeout_ms = 200, .max_attempts = 1};
  struct qun_worker *w = qun_worker_new(&o);
  qun_worker_load(w);
  qun_worker_run(w);
  uv_timer_t dog;
  uv_timer_init(&loop, &dog);
  uv_timer_start(&dog, on_watchdog, 5000, 0);
  int64_t t0 = wall_ms();
  uv_run(&loop, UV_RUN_DEFAULT);
  int64_t took = wall_ms() - t0;
  assert_int_equal(qun_store_out_count(h.st, 1, QUN_OUT_DEAD), 1);
  if (took > 2000)
    fail_msg("the timed-out request's outcome took %lld ms to be committed", (long long)took);
  uv_close((uv_handle_t *)&dog, NULL);
  live_end(w, &loop, &h, s);
}

static int setup(void **state) {
  (void)state;
  return qun_tz_set("Asia/Shanghai");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rate_limit_is_lateness),
      cmocka_unit_test(test_quiet_hours_at_delivery),
      cmocka_unit_test(test_dead_without_sending),
      cmocka_unit_test(test_live_webhook_keys),
      cmocka_unit_test(test_live_retries),
      cmocka_unit_test(test_live_dead_letter),
      cmocka_unit_test(test_in_flight_sent_again_same_key),
      cmocka_unit_test(test_every_channel_through_the_sink),
      cmocka_unit_test(test_platform_codes),
      cmocka_unit_test(test_timeout_outcome_not_held),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
