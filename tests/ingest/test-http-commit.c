/* test-http-commit.c — the events endpoint's pipelined group commit, in
 * process: a request is answered only once its batch is committed, while
 * the loop goes on serving (the commit's fsync is held open by a VFS shim);
 * a request that arrives during a commit goes into the next one; a commit
 * that fails answers 503 to every request of its batch and stores none of
 * them; stopping waits for the commit in flight and answers it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "db.h"

#include "ingest/http.h"
#include "store/store.h"
#include "scratch.h"

#define TOKEN "test-token-0123456789abcdef"

static char dir[64], db[128], url[128];

/* ---- a VFS that can hold the WAL's next fsync until released ---- */

static sqlite3_vfs *real_vfs, hold_vfs;
static pthread_mutex_t hold_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cv = PTHREAD_COND_INITIALIZER;
static int hold_armed, hold_in_sync, hold_released;

struct hold_file {
  sqlite3_file base;
  int wal;
  sqlite3_file *real;
};

static void hold_arm(void) {
  pthread_mutex_lock(&hold_mu);
  hold_armed = 1, hold_in_sync = 0, hold_released = 0;
  pthread_mutex_unlock(&hold_mu);
}

static void hold_release(void) {
  pthread_mutex_lock(&hold_mu);
  hold_released = 1;
  pthread_cond_broadcast(&hold_cv);
  pthread_mutex_unlock(&hold_mu);
}

/* Waits (up to 5 s) until a commit is held in its fsync. */
static int hold_wait_in_sync(void) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 5;
  pthread_mutex_lock(&hold_mu);
  while (!hold_in_sync && pthread_cond_timedwait(&hold_cv, &hold_mu, &until) == 0) {
  }
  int in = hold_in_sync;
  pthread_mutex_unlock(&hold_mu);
  return in;
}

#define REAL(f) (((struct hold_file *)(f))->real)
static int h_close(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }
static int h_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o) { return REAL(f)->pMethods->xRead(REAL(f), b, n, o); }
static int h_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o) { return REAL(f)->pMethods->xWrite(REAL(f), b, n, o); }
static int h_truncate(sqlite3_file *f, sqlite3_int64 n) { return REAL(f)->pMethods->xTruncate(REAL(f), n); }
static int h_size(sqlite3_file *f, sqlite3_int64 *n) { return REAL(f)->pMethods->xFileSize(REAL(f), n); }
static int h_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int h_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int h_reserved(sqlite3_file *f, int *r) { return REAL(f)->pMethods->xCheckReservedLock(REAL(f), r); }
static int h_fcntl(sqlite3_file *f, int op, void *a) { return REAL(f)->pMethods->xFileControl(REAL(f), op, a); }
static int h_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int h_caps(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int h_shm_map(sqlite3_file *f, int i, int sz, int ext, void volatile **p) { return REAL(f)->pMethods->xShmMap(REAL(f), i, sz, ext, p); }
static int h_shm_lock(sqlite3_file *f, int o, int n, int fl) { return REAL(f)->pMethods->xShmLock(REAL(f), o, n, fl); }
static void h_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int h_shm_unmap(sqlite3_file *f, int del) { return REAL(f)->pMethods->xShmUnmap(REAL(f), del); }
static int h_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **p) { return REAL(f)->pMethods->xFetch(REAL(f), o, n, p); }
static int h_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p) { return REAL(f)->pMethods->xUnfetch(REAL(f), o, p); }

static int h_sync(sqlite3_file *f, int flags) {
  if (((struct hold_file *)f)->wal) {
    pthread_mutex_lock(&hold_mu);
    if (hold_armed) {
      hold_armed = 0, hold_in_sync = 1;
      pthread_cond_broadcast(&hold_cv);
      while (!hold_released)
        pthread_cond_wait(&hold_cv, &hold_mu);
    }
    pthread_mutex_unlock(&hold_mu);
  }
  return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static const sqlite3_io_methods hold_io = {
    3, h_close, h_read, h_write, h_truncate, h_sync, h_size, h_lock, h_unlock, h_reserved,
    h_fcntl, h_sector, h_caps, h_shm_map, h_shm_lock, h_shm_barrier, h_shm_unmap, h_fetch, h_unfetch};

static int h_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out) {
  (void)v;
  struct hold_file *hf = (struct hold_file *)f;
  hf->real = (sqlite3_file *)(hf + 1);
  hf->wal = (flags & SQLITE_OPEN_WAL) != 0;
  int rc = real_vfs->xOpen(real_vfs, name, hf->real, flags, out);
  hf->base.pMethods = hf->real->pMethods ? &hold_io : NULL;
  return rc;
}

static void hold_register(void) {
  real_vfs = sqlite3_vfs_find(NULL);
  hold_vfs = *real_vfs;
  hold_vfs.zName = "hold";
  hold_vfs.szOsFile = (int)sizeof(struct hold_file) + real_vfs->szOsFile;
  hold_vfs.xOpen = h_open;
  sqlite3_vfs_register(&hold_vfs, 1);
}

/* ---- the endpoint on a loop of its own thread ---- */

static uv_loop_t loop;
static uv_async_t stopper;
static pthread_t loop_thread;
static int loop_running;
static struct qun_store *st;
static struct qun_http *http;
static int commits_ok, commits_failed, dispatched;

static void before_commit(void *ud) {
  (void)ud;
  dispatched++;
}

static void after_commit(void *ud, int committed) {
  (void)ud;
  if (committed)
    commits_ok++;
  else
    commits_failed++;
}

static void on_stop(uv_async_t *a) {
  qun_http_stop(http);
  uv_close((uv_handle_t *)a, NULL);
}

static void *run_loop(void *ud) {
  (void)ud;
  uv_run(&loop, UV_RUN_DEFAULT);
  return NULL;
}

/* ---- clients ---- */

struct client {
  pthread_t t;
  const char *path, *body;
  long code;
  char answer[512];
  size_t len;
  volatile int done;
};

static size_t collect(char *p, size_t size, size_t n, void *ud) {
  struct client *c = ud;
  size_t k = size * n;
  if (c->len + k < sizeof c->answer) {
    memcpy(c->answer + c->len, p, k);
    c->len += k;
    c->answer[c->len] = '\0';
  }
  return k;
}

static void *client_run(void *ud) {
  struct client *c = ud;
  CURL *e = curl_easy_init();
  char u[256];
  snprintf(u, sizeof u, "%s%s", url, c->path);
  struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer " TOKEN);
  h = curl_slist_append(h, "Content-Type: application/json");
  curl_easy_setopt(e, CURLOPT_URL, u);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
  if (c->body)
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
  curl_easy_setopt(e, CURLOPT_TIMEOUT, 20L);
  if (curl_easy_perform(e) == CURLE_OK)
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &c->code);
  curl_easy_cleanup(e);
  curl_slist_free_all(h);
  __atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
  return NULL;
}

static void client_start(struct client *c, const char *path, const char *body) {
  memset(c, 0, sizeof *c);
  c->path = path, c->body = body;
  assert_int_equal(pthread_create(&c->t, NULL, client_run, c), 0);
}

static int client_done(struct client *c) {
  return __atomic_load_n(&c->done, __ATOMIC_ACQUIRE);
}

static void exec(const char *sql) {
  sqlite3 *d;
  assert_int_equal(sqlite3_open(db, &d), SQLITE_OK);
  sqlite3_busy_timeout(d, 5000);
  assert_int_equal(sqlite3_exec(d, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(d);
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/qun-commit-XXXXXX");
  assert_non_null(mkdtemp(dir));
  snprintf(db, sizeof db, "%s/q.db", dir);
  char err[512];
  assert_int_equal(qun_store_open(db, &st, err, sizeof err), 0);
  commits_ok = commits_failed = dispatched = 0;
  uv_loop_init(&loop);
  uv_async_init(&loop, &stopper, on_stop);
  srand((unsigned)getpid() ^ (unsigned)time(NULL));
  char listen[64];
  int rc = -1;
  for (int i = 0; i < 20 && rc < 0; i++) {
    /* below the kernel's ephemeral range (32768-60999 by default) */
    snprintf(listen, sizeof listen, "127.0.0.1:%d", 20000 + rand() % 12000);
    struct qun_http_opts o = {.loop = &loop, .store = st, .addr = listen, .token = TOKEN,
                              .max_body = 4096, .before_commit = before_commit,
                              .after_commit = after_commit};
    rc = qun_http_start(&o, &http, err, sizeof err);
  }
  assert_int_equal(rc, 0);
  snprintf(url, sizeof url, "http://%s", listen);
  assert_int_equal(pthread_create(&loop_thread, NULL, run_loop, NULL), 0);
  loop_running = 1;
  return 0;
}

static void join_loop(void) {
  pthread_join(loop_thread, NULL);
  loop_running = 0;
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void stop_endpoint(void) {
  uv_async_send(&stopper);
  join_loop();
}

static int teardown(void **state) {
  (void)state;
  hold_release(); /* after a failed check: nothing stays held */
  if (loop_running) {
    uv_async_send(&stopper);
    pthread_join(loop_thread, NULL);
    loop_running = 0;
  }
  qun_store_close(st);
  return scratch_remove(dir);
}

static void test_answer_after_commit(void **state) {
  (void)state;
  struct client a, b, health;
  hold_arm();
  client_start(&a, "/events", "{\"id\":\"e1\",\"type\":\"checkin\",\"member\":\"m1\"}");
  assert_true(hold_wait_in_sync()); /* a's batch is in its fsync */
  /* The loop is free meanwhile: it answers, and takes the next request. */
  client_start(&health, "/healthz", NULL);
  pthread_join(health.t, NULL);
  assert_int_equal(health.code, 200);
  client_start(&b, "/events", "{\"id\":\"e2\",\"type\":\"checkin\",\"member\":\"m2\"}");
  usleep(300 * 1000);
  assert_false(client_done(&a)); /* not answered before its commit ends */
  assert_false(client_done(&b));
  assert_int_equal(db_int(db, "SELECT count(*) FROM events"), 0); /* nor visible */
  hold_release();
  pthread_join(a.t, NULL);
  pthread_join(b.t, NULL);
  assert_int_equal(a.code, 202);
  assert_string_equal(a.answer, "{\"stored\":1}");
  assert_int_equal(b.code, 202);
  assert_string_equal(b.answer, "{\"stored\":1}");
  stop_endpoint();
  /* b came during a's commit: it made a batch of its own. */
  assert_int_equal(commits_ok, 2);
  assert_int_equal(commits_failed, 0);
  assert_int_equal(dispatched, 2);
  assert_int_equal(db_int(db, "SELECT count(*) FROM events"), 2);
  assert_int_equal(db_int(db, "SELECT count(DISTINCT ext_id) FROM events"), 2);
}

static void test_failing_commit(void **state) {
  (void)state;
  /* A deferred foreign key fails the COMMIT of any batch with a "fail"
   * event (on the pool's thread, after the events were written). */
  exec("CREATE TABLE bad (run INTEGER REFERENCES runs(id) DEFERRABLE INITIALLY DEFERRED);"
       "CREATE TRIGGER fail_commit AFTER INSERT ON events WHEN NEW.type = 'fail' "
       "BEGIN INSERT INTO bad VALUES (-1); END;");
  struct client x, a, b, c;
  hold_arm();
  client_start(&x, "/events", "{\"id\":\"x\",\"type\":\"checkin\",\"member\":\"m1\"}");
  assert_true(hold_wait_in_sync());
  /* Both arrive during x's commit, so they share the next transaction. */
  client_start(&a, "/events", "[{\"id\":\"a1\",\"type\":\"checkin\",\"member\":\"m2\"},"
                              "{\"id\":\"a2\",\"type\":\"fail\",\"member\":\"m2\"}]");
  client_start(&b, "/events", "{\"id\":\"b\",\"type\":\"checkin\",\"member\":\"m3\"}");
  usleep(300 * 1000);
  hold_release();
  pthread_join(x.t, NULL);
  pthread_join(a.t, NULL);
  pthread_join(b.t, NULL);
  assert_int_equal(x.code, 202);
  assert_int_equal(a.code, 503);
  assert_int_equal(b.code, 503);
  assert_non_null(strstr(a.answer, "{\"error\":\"the events could not be stored ("));
  assert_non_null(strstr(b.answer, "): retry\"}"));
  assert_int_equal(db_int(db, "SELECT count(*) FROM events"), 1); /* x alone */
  /* The endpoint goes on: b's retry is stored. */
  client_start(&c, "/events", "{\"id\":\"b\",\"type\":\"checkin\",\"member\":\"m3\"}");
  pthread_join(c.t, NULL);
  assert_int_equal(c.code, 202);
  stop_endpoint();
  assert_int_equal(commits_ok, 2);
  assert_int_equal(commits_failed, 1);
  assert_int_equal(db_int(db, "SELECT count(*) FROM events"), 2);
  assert_int_equal(db_int(db, "SELECT count(*) FROM events WHERE ext_id IN ('a1', 'a2')"), 0);
}

static void test_stop_during_commit(void **state) {
  (void)state;
  struct client a;
  hold_arm();
  client_start(&a, "/events", "{\"id\":\"s1\",\"type\":\"checkin\",\"member\":\"m1\"}");
  assert_true(hold_wait_in_sync());
  uv_async_send(&stopper); /* stopping waits for the commit in flight... */
  usleep(200 * 1000);
  assert_false(client_done(&a));
  hold_release();
  pthread_join(a.t, NULL); /* ...and answers it */
  assert_int_equal(a.code, 202);
  join_loop();
  assert_int_equal(commits_ok, 1);
  assert_int_equal(db_int(db, "SELECT count(*) FROM events"), 1);
}

int main(void) {
  hold_register();
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_answer_after_commit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_failing_commit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stop_during_commit, setup, teardown),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
