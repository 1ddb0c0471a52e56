/* run.c — a playbook running on a clock (see run.h).
 *
 * Every call into the playbook — the top level at start, each schedule
 * occurrence, each one-off job, each event — goes through qun_run__call():
 * one SQLite transaction and one instruction budget. Effects that live
 * outside SQLite (heap entries of new or cancelled jobs) are queued while
 * the handler runs and applied only after the commit, so a handler that
 * raises leaves nothing behind. Transcript lines are rows of the same
 * transaction; the file is appended from the table after each commit, so a
 * crash can delay a line but never lose or repeat one. */
#include "host/run_int.h"
#include "host/bind.h"
#include "host/config.h"
#include "host/luajson.h"
#include "host/playbook.h"
#include "host/sandbox.h"
#include "core/err.h"
#include "core/sched.h"
#include "core/timespec.h"
#include "core/transcript.h"
#include "core/tz.h"
#include "deliver/worker.h"
#include "store/store.h"

#include <jansson.h>
#include <lauxlib.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <uv.h>


struct qun_run *qun_run_of(lua_State *L) {
  return qun_sandbox_of(L)->host;
}

int qun_run_loading(const struct qun_run *r) {
  return r->loading;
}

int64_t qun_run_anchor(const struct qun_run *r) {
  return r->anchor_ms;
}

void qun_run_set_tiers(struct qun_run *r) {
  r->tiers = 1;
}

int64_t qun_run_now(const struct qun_run *r) {
  return qun_sched_now(r->sched);
}

const struct qun_config *qun_run_config(const struct qun_run *r) {
  return r->o.cfg;
}

struct qun_store *qun_run_store(struct qun_run *r) {
  return r->st;
}

int64_t qun_run_id(struct qun_run *r) {
  if (r->run_id <= 0 && r->pb.name)
    qun_run__ensure(r);
  return r->run_id;
}

const struct qun_playbook *qun_run_playbook(const struct qun_run *r) {
  return &r->pb;
}

/* ---- warnings ---- */

static void add_warning(struct qun_run *r, int at, const char *msg) {
  char line[800];
  if (at)
    snprintf(line, sizeof line, "%s:%d: warning: %s", r->pb.path ? r->pb.path : r->o.path, at, msg);
  else
    snprintf(line, sizeof line, "%s: warning: %s", r->pb.path ? r->pb.path : r->o.path, msg);
  for (size_t i = 0; i < r->nwarns; i++)
    if (strcmp(r->warns[i], line) == 0)
      return;
  char **w = realloc(r->warns, (r->nwarns + 1) * sizeof *w);
  if (!w || !(w[r->nwarns] = strdup(line))) {
    if (w)
      r->warns = w;
    return;
  }
  r->warns = w;
  r->nwarns++;
}

void qun_run_warn(struct qun_run *r, lua_State *L, const char *fmt, ...) {
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  lua_Debug ar;
  int at = 0;
  for (int level = 1; L && lua_getstack(L, level, &ar); level++)
    if (lua_getinfo(L, "l", &ar) && ar.currentline > 0) {
      at = ar.currentline;
      break;
    }
  add_warning(r, at, msg);
}

void qun_run__warn_line(struct qun_run *r, int line, const char *fmt, ...) {
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  add_warning(r, line, msg);
}

size_t qun_run_warnings(const struct qun_run *r, const char *const **out) {
  *out = (const char *const *)r->warns;
  return r->nwarns;
}

/* ---- transcript ---- */

/* Adds one transcript line to the current transaction. */
void qun_run_emit(struct qun_run *r, const char *ev, json_t *fields) {
  char *line = qun_transcript_line(qun_run_now(r), ev, fields);
  if (line)
    qun_run_emit_line(r, line);
  free(line);
}

void qun_run_emit_line(struct qun_run *r, const char *line) {
  if (r->run_id <= 0 && r->pb.name)
    qun_run__ensure(r);
  if (r->run_id > 0)
    qun_store_transcript_add(r->st, r->run_id, line);
}

static int flush_row(void *ud, int64_t id, const char *line) {
  struct qun_run *r = ud;
  r->tlast = id;
  if (r->tfile) {
    fputs(line, r->tfile);
    fputc('\n', r->tfile);
  }
  r->tlines++;
  return 0;
}

/* Appends the committed lines the file does not have yet. */
void qun_run__flush(struct qun_run *r) {
  if (!r->tfile)
    return;
  qun_store_transcript_since(r->st, r->run_id, r->tlines, r->tlast, flush_row, r);
  fflush(r->tfile);
}

/* Opens the transcript for appending; a partial last line (a crash in the
 * middle of a write) is cut off, and the complete ones are counted. */
static int open_transcript(struct qun_run *r, char *err, size_t errlen) {
  FILE *f = fopen(r->o.transcript, "a+");
  if (!f) {
    snprintf(err, errlen, "%s: cannot open the transcript (%s)", r->o.transcript, strerror(errno));
    return -1;
  }
  rewind(f);
  int64_t lines = 0;
  long good = 0, pos = 0;
  int c;
  while ((c = fgetc(f)) != EOF) {
    pos++;
    if (c == '\n')
      lines++, good = pos;
  }
  if (pos != good && ftruncate(fileno(f), good) < 0) {
    fclose(f);
    snprintf(err, errlen, "%s: cannot repair the transcript (%s)", r->o.transcript, strerror(errno));
    return -1;
  }
  fseek(f, 0, SEEK_END);
  r->tfile = f;
  r->tlines = lines;
  r->tlast = -1; /* found by counting once, then by id */
  return 0;
}

json_t *qun_run__time(int64_t ms) {
  return qun_transcript_time(ms);
}

void qun_run_log(struct qun_run *r, const char *msg, size_t len) {
  json_t *f = json_object();
  json_object_set_new(f, "job", json_string(r->job ? r->job : "load"));
  json_object_set_new(f, "due", qun_run__time(r->job ? r->due_ms : qun_run_now(r)));
  json_object_set_new(f, "message", json_stringn_nocheck(msg, len));
  qun_run_emit(r, "log", f);
  if (r->o.echo && r->o.echo_bare) {
    fprintf(r->o.echo, "%.*s\n", (int)len, msg);
  } else if (r->o.echo) {
    char t[40];
    qun_tz_rfc3339(qun_run__floor_s(qun_run_now(r)), t, sizeof t);
    fprintf(r->o.echo, "%s %s: %.*s\n", t, r->job ? r->job : "load", (int)len, msg);
    fflush(r->o.echo);
  }
}

/* ---- effects applied after commit ---- */

int qun_run__add_effect(struct qun_run *r, int64_t id, int64_t due_ms, int cancel) {
  if (r->nfx == r->capfx) {
    size_t cap = r->capfx ? 2 * r->capfx : 16;
    struct effect *fx = realloc(r->fx, cap * sizeof *fx);
    if (!fx)
      return QUN_ENOMEM;
    r->fx = fx, r->capfx = cap;
  }
  r->fx[r->nfx++] = (struct effect){id, due_ms, cancel};
  return 0;
}

void qun_run__apply_effects(struct qun_run *r) {
  for (size_t i = 0; i < r->nfx; i++) {
    if (r->fx[i].cancel)
      qun_sched_cancel(r->sched, r->fx[i].id);
    else
      qun_sched_add(r->sched, r->fx[i].due_ms, r->fx[i].id);
  }
  r->nfx = 0;
  qun_run__deliver(r); /* what the commit queued may go now */
}

/* ---- the one call path ---- */


/* Calls the function below nargs arguments on the stack as `job`, due at
 * due_ms, inside the transaction the caller began. On an error the effects
 * are rolled back, `redo` re-applies the bookkeeping that must stand (the
 * occurrence is used up, the job failed), and the error is recorded. */
int qun_run__call(struct qun_run *r, const char *job, int64_t due_ms, int nargs, redo_fn redo,
                        void *ud) {
  char err[1024];
  char *trace = NULL;
  /* In a batch (r->batch) the caller holds the transaction and this call
   * is one savepoint in it; otherwise it is the whole transaction. */
  size_t mark = r->batch ? r->nfx : 0;
  r->job = job, r->due_ms = due_ms, r->seq = 0, r->sends = 0, r->packets = 0, r->nfx = mark;
  int rc = qun_sandbox_call(r->sb, nargs, 0, err, sizeof err, &trace);
  if (rc >= 0 && r->batch && qun_store_release(r->st) == 0) {
    /* effects wait for the batch's commit */
  } else if (rc >= 0 && !r->batch && qun_store_commit(r->st) == 0) {
    qun_run__apply_effects(r);
  } else {
    if (rc >= 0)
      snprintf(err, sizeof err, "%s: cannot commit: %s", r->pb.path, qun_store_errmsg(r->st));
    r->nfx = mark;
    if (r->batch) {
      qun_store_rollback_to(r->st);
    } else {
      qun_store_rollback(r->st);
      qun_store_begin(r->st);
    }
    if (redo)
      redo(r, ud);
    json_t *f = json_object();
    json_object_set_new(f, "job", json_string(job));
    json_object_set_new(f, "message", json_string(err));
    qun_run_emit(r, "error", f);
    qun_store_log_add(r->st, r->run_id, qun_run_now(r), job, "error", trace ? trace : err);
    if (!r->batch)
      qun_store_commit(r->st);
    if (r->o.echo) {
      fprintf(r->o.echo, "error in %s: %s\n", job, trace ? trace : err);
      fflush(r->o.echo);
    }
    rc = -1;
  }
  free(trace);
  r->job = NULL;
  if (!r->batch)
    qun_run__flush(r);
  return rc;
}

/* ---- the scheduler's callback ---- */

/* A memory kill ends the playbook's run (its state can no longer be
 * trusted), never the process: the scheduler stops and the owner is told. */
void qun_run__check_dead(struct qun_run *r) {
  if (!qun_sandbox_dead(r->sb) || r->dead)
    return;
  r->dead = 1;
  qun_sched_stop(r->sched);
  if (r->o.echo)
    fprintf(r->o.echo, "qun: %s was stopped: memory cap exceeded; fix the playbook and start it "
            "again (what it committed is kept)\n", r->pb.path);
  if (r->o.stopped)
    r->o.stopped(r->o.stopped_ud);
}

int qun_run_dead(const struct qun_run *r) {
  return r->dead;
}

static void on_fire(void *ud, struct qun_sched *s, const struct qun_jobheap_item *it) {
  (void)s;
  struct qun_run *r = ud;
  if (r->dead)
    return;
  if (it->id == QUN_RUN_OUTBOX_WAKE) {
    r->wake_due = -1; /* fired: gone from the heap */
    qun_run__deliver(r);
  }
  else if (it->id == QUN_RUN_OWNER_WAKE)
    r->o.wake ? r->o.wake(r->o.owner, it->due) : (void)0;
  else if (it->id < 0)
    qun_run__fire_decl(r, (size_t)(-it->id - 1), it->due);
  else
    qun_run__fire_job(r, it->id, it->due);
  qun_run__check_dead(r);
}

void qun_run_wake(struct qun_run *r, int64_t due_ms) {
  qun_sched_cancel(r->sched, QUN_RUN_OWNER_WAKE);
  int64_t now = qun_run_now(r);
  qun_sched_add(r->sched, due_ms > now ? due_ms : now, QUN_RUN_OWNER_WAKE);
}

int qun_run_until(struct qun_run *r, int64_t until_ms) {
  return qun_sched_run_until(r->sched, until_ms);
}

/* ---- opening a run ---- */

static int64_t run_clock(void *ud) {
  struct qun_run *r = ud;
  return qun_sched_now(r->sched);
}

static void run_print(void *ud, const char *msg, size_t len) {
  qun_run_log(ud, msg, len);
}

static int install(struct qun_sandbox *sb, void *ud) {
  sb->host = ud;
  qun_bind_schedule(sb->L);
  qun_bind_events(sb->L);
  qun_bind_member(sb->L);
  qun_bind_tier(sb->L);
  qun_bind_send(sb->L);
  qun_bind_countdown(sb->L);
  qun_bind_redpacket(sb->L);
  return 0;
}

static int file_sha256(const char *path, char hex[65]) {
  unsigned char md[EVP_MAX_MD_SIZE], buf[8192];
  unsigned int mdlen = 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
    ok = EVP_DigestUpdate(ctx, buf, n);
  ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &mdlen);
  EVP_MD_CTX_free(ctx);
  fclose(f);
  for (unsigned i = 0; ok && i < mdlen; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  return ok ? 0 : -1;
}

static char *params_json(const struct qun_playbook *pb) {
  json_t *o = json_object();
  for (size_t i = 0; i < pb->nparams; i++)
    json_object_set_new(o, pb->params[i].name,
                        pb->params[i].value ? json_string(pb->params[i].value) : json_null());
  char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
  return s;
}

/* Records the run (or resumes it) as soon as the header is known. */
int qun_run__ensure(struct qun_run *r) {
  if (r->run_id > 0)
    return 0;
  char sha[65] = "";
  file_sha256(r->pb.path, sha);
  char *params = params_json(&r->pb);
  struct qun_run_info info = {
      .playbook = r->pb.name, .version = r->pb.version, .sha256 = sha, .path = r->pb.path,
      .params = params, .mode = r->o.mode ? r->o.mode : "live", .tz = qun_tz_name()};
  int resumed = 0;
  int rc = qun_store_run_start(r->st, &info, qun_run_now(r), &r->run_id, &resumed);
  free(params);
  if (rc == 0 && !resumed) { /* a new run hears the events from now on */
    int64_t last;
    if ((rc = qun_store_events_last(r->st, &last)) == 0)
      rc = qun_store_cursor_set(r->st, r->run_id, last);
  }
  return rc;
}

/* A group param must name a group of the team config (when it has any):
 * caught here, before anything runs, not at the first send. */
static int check_group_params(const struct qun_run *r, char *err, size_t errlen) {
  const struct qun_config *cfg = r->o.cfg;
  if (!cfg || !cfg->ngroups)
    return 0;
  for (size_t i = 0; i < r->pb.nparams; i++) {
    const struct qun_param *p = &r->pb.params[i];
    if (!p->value || !(p->type == QUN_P_GROUP || (p->type == QUN_P_LIST && p->of == QUN_P_GROUP)))
      continue;
    char ids[1024];
    snprintf(ids, sizeof ids, "%s", p->value);
    for (char *save = NULL, *id = strtok_r(ids, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
      if (qun_config_group(cfg, id))
        continue;
      char known[200] = "";
      size_t n = 0;
      for (size_t g = 0; g < cfg->ngroups && g < 5; g++)
        n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", g ? ", " : "", cfg->groups[g].id);
      snprintf(err, errlen, "%s:%d: param '%s' is '%s', which is not a group of %s (groups: %s%s)",
               r->pb.path, r->pb.line, p->name, id, cfg->path ? cfg->path : "the team config", known,
               cfg->ngroups > 5 ? ", …" : "");
      return -1;
    }
  }
  return 0;
}

static void quiet(void *ud, const char *msg, size_t len) {
  (void)ud, (void)msg, (void)len;
}

/* Relative times in params ("sat 20:00") are read from the run's first
 * start, not from each start: a restart on Sunday must not move Saturday's
 * sale to the next week. The header (read alone first) names the run. */
static int64_t anchor_ms(struct qun_run *r) {
  int64_t now = qun_run_now(r), created;
  struct qun_playbook pb = {0};
  struct qun_sandbox *sb = NULL;
  struct qun_playbook_opts ho = {.mode = QUN_PB_HEADER, .sets = r->o.sets, .nsets = r->o.nsets,
                                 .now_ms = now, .sandbox = {.seed = 1, .now_ms = run_clock, .log = quiet, .ud = r}};
  char err[256];
  int found = qun_playbook_eval(r->o.path, &ho, &pb, &sb, err, sizeof err) == 0 && pb.name &&
              qun_store_run_created(r->st, pb.name, &created) == 0;
  qun_sandbox_free(sb);
  qun_playbook_clear(&pb);
  return found && created < now ? created : now;
}

int qun_run_open(const struct qun_run_opts *o, struct qun_run **out, char *err, size_t errlen) {
  *out = NULL;
  struct qun_run *r = calloc(1, sizeof *r);
  if (!r) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  r->o = *o;
  r->st = o->store;
  r->wake_due = -1;
  /* Red-packet shares: a dry-run's are the seed's; a live run's must not
   * be predictable from earlier ones (core/rng.h). */
  if (!o->loop) {
    qun_rng_seed(&r->rng, o->seed);
  } else if (qun_rng_init_system(&r->rng) < 0) {
    snprintf(err, errlen, "cannot read the kernel's random generator (getrandom): red-packet "
                          "shares would be predictable");
    free(r);
    return -1;
  }
  struct qun_sched_opts so = {.mode = o->loop ? QUN_CLOCK_REAL : QUN_CLOCK_VIRTUAL,
                              .loop = o->loop, .start_ms = o->start_ms, .fire = on_fire, .ud = r};
  if (!(r->sched = qun_sched_new(&so))) {
    snprintf(err, errlen, "out of memory");
    free(r);
    return -1;
  }
  if (o->transcript && open_transcript(r, err, errlen) < 0)
    goto fail;
  r->anchor_ms = anchor_ms(r);
  struct qun_playbook_opts po = {
      .mode = QUN_PB_FULL, .sets = o->sets, .nsets = o->nsets, .now_ms = r->anchor_ms,
      .sandbox = {.seed = o->seed, .now_ms = run_clock, .log = run_print, .ud = r},
      .install = install, .install_ud = r};
  /* The top level is a handler too: one transaction. */
  if (qun_store_begin(r->st) < 0) {
    snprintf(err, errlen, "%s", qun_store_errmsg(r->st));
    goto fail;
  }
  r->loading = 1;
  int rc = qun_playbook_eval(o->path, &po, &r->pb, &r->sb, err, errlen);
  r->loading = 0;
  if (rc == 0 && check_group_params(r, err, errlen) < 0)
    rc = -2;
  if (rc < 0 || qun_run__ensure(r) < 0) {
    if (rc == 0)
      snprintf(err, errlen, "%s: %s", o->path, qun_store_errmsg(r->st));
    qun_store_rollback(r->st);
    goto fail;
  }
  for (size_t i = 0; i < r->ndecls; i++)
    qun_run__arm_decl(r, i);
  /* The pending jobs, the new ones included, come from the store. */
  free(r->fx);
  r->fx = NULL, r->nfx = r->capfx = 0;
  qun_store_jobs_pending(r->st, r->run_id, qun_run__restore_job, r);
  if (qun_store_commit(r->st) < 0) {
    snprintf(err, errlen, "%s: %s", o->path, qun_store_errmsg(r->st));
    goto fail;
  }
  qun_run__flush(r);
  qun_run__deliver(r); /* what waited in the outbox, and what the top level queued */
  *out = r;
  return 0;
fail:
  qun_run_close(r);
  return -1;
}

static void free_run(struct qun_sched *s, void *ud) {
  (void)s;
  free(ud);
}

void qun_run_close(struct qun_run *r) {
  if (!r)
    return;
  qun_worker_free(r->worker); /* in flight stays queued: the next start sends it */
  qun_sandbox_free(r->sb);
  qun_playbook_clear(&r->pb);
  for (size_t i = 0; i < r->ndecls; i++)
    free(r->decls[i].name);
  free(r->decls);
  for (size_t i = 0; i < r->nons; i++)
    free(r->ons[i].type);
  free(r->ons);
  free(r->fx);
  for (size_t i = 0; i < r->nwarns; i++)
    free(r->warns[i]);
  free(r->warns);
  free(r->held);
  if (r->tfile)
    fclose(r->tfile);
  qun_sched_close(r->sched, free_run, r);
}
