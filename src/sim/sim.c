/* sim.c — a dry-run (see sim.h).
 *
 * Everything runs on the run's one virtual clock: the playbook's
 * schedules and jobs, the outbox (rate limits show as lateness), and the
 * audience, whose reactions wait in its own queue behind one owner wake
 * in the run's heap — so a reaction due at 20:00:05 fires after a job due
 * at 20:00:04 and before one due at 20:00:06, whatever was scheduled first. */
#include "sim/sim.h"
#include "sim/audience.h"
#include "sim/model.h"
#include "sim/summary.h"
#include "core/transcript.h"
#include "deliver/channel.h"
#include "host/config.h"
#include "host/playbook.h"
#include "host/run.h"
#include "ingest/event_in.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct scripted {
  int64_t at_ms; /* when it happens (not before the start) */
  size_t row;    /* its line in the file: ties keep the file's order */
  json_t *obj;
};

struct sim {
  const struct qun_sim_opts *o;
  struct qun_store *st;
  struct qun_run *run;
  struct qun_audience *aud;
  struct scripted *ev; /* --events, by time */
  size_t nev, next_ev;
  FILE *requests;
  json_t *kept_requests;
  int64_t sends, events;
};

/* ---- the groups an audience is spread over ---- */

struct groups {
  char **ids;
  size_t n;
};

static int add_id(struct groups *g, const char *id) {
  for (size_t i = 0; i < g->n; i++)
    if (strcmp(g->ids[i], id) == 0)
      return 0;
  char **p = realloc(g->ids, (g->n + 1) * sizeof *p);
  if (!p)
    return -1;
  g->ids = p;
  return (g->ids[g->n++] = strdup(id)) ? 0 : -1;
}

static void free_groups(struct groups *g) {
  for (size_t i = 0; i < g->n; i++)
    free(g->ids[i]);
  free(g->ids);
}

static int64_t header_now;
static int64_t header_clock(void *ud) {
  (void)ud;
  return header_now;
}

static void no_log(void *ud, const char *msg, size_t len) {
  (void)ud, (void)msg, (void)len;
}

/* The config's groups but its internal ones (the operators' own: nobody of
 * the audience is in them); without any, the groups the playbook's params
 * name and synthetic g1…gK, so that about QUN_SIM_GROUP_SIZE share a group. */
static int pick_groups(const struct qun_sim_opts *o, struct groups *g, char *err, size_t errlen) {
  for (size_t i = 0; o->cfg && i < o->cfg->ngroups; i++)
    if (!o->cfg->groups[i].internal && add_id(g, o->cfg->groups[i].id) < 0)
      return -1;
  if (g->n)
    return 0;
  struct qun_playbook pb = {0};
  struct qun_sandbox *sb = NULL;
  header_now = o->start_ms;
  struct qun_playbook_opts po = {.mode = QUN_PB_HEADER, .sets = o->sets, .nsets = o->nsets,
                                 .now_ms = o->start_ms,
                                 .sandbox = {.seed = o->seed, .now_ms = header_clock, .log = no_log}};
  int rc = qun_playbook_eval(o->playbook, &po, &pb, &sb, err, errlen);
  qun_sandbox_free(sb);
  for (size_t i = 0; rc == 0 && i < pb.nparams; i++) {
    const struct qun_param *p = &pb.params[i];
    int is_group = p->type == QUN_P_GROUP || (p->type == QUN_P_LIST && p->of == QUN_P_GROUP);
    if (!is_group || !p->value)
      continue;
    char *copy = strdup(p->value), *save = NULL;
    for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
      if (*t)
        add_id(g, t);
    free(copy);
  }
  qun_playbook_clear(&pb);
  if (rc < 0)
    return -1;
  int want = (o->audience + QUN_SIM_GROUP_SIZE - 1) / QUN_SIM_GROUP_SIZE;
  for (int k = 1; (int)g->n < want; k++) {
    char id[32];
    snprintf(id, sizeof id, "g%d", k);
    if (add_id(g, id) < 0)
      return -1;
  }
  return 0;
}

/* ---- the run's owner callbacks ---- */

static void on_record(void *owner, const char *channel, const char *type, const struct qun_chan_req *req,
                      int64_t at) {
  struct sim *s = owner;
  if (!s->requests && !s->kept_requests)
    return;
  json_t *o = json_object(), *h = json_array();
  json_object_set_new(o, "t", qun_transcript_time(at));
  json_object_set_new(o, "channel", json_string(channel));
  json_object_set_new(o, "type", json_string(type));
  json_object_set_new(o, "method", req->method ? json_string(req->method) : json_null());
  json_object_set_new(o, "url", req->shown_url ? json_string(req->shown_url) : json_null());
  for (int i = 0; i < QUN_CHAN_MAX_HEADERS && req->headers[i]; i++)
    json_array_append_new(h, json_string(req->headers[i]));
  json_object_set_new(o, "headers", h);
  json_object_set_new(o, "body", json_stringn_nocheck(req->body ? req->body : "", req->len));
  if (s->requests) {
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (line) {
      fputs(line, s->requests);
      fputc('\n', s->requests);
    }
    free(line);
  }
  if (s->kept_requests)
    json_array_append(s->kept_requests, o);
  json_decref(o);
}

/* The run wakes for the earlier of the audience's next reaction and the
 * next event of the file. */
static void wake_next(struct sim *s) {
  int64_t next = qun_audience_next(s->aud);
  if (s->next_ev < s->nev && (next < 0 || s->ev[s->next_ev].at_ms < next))
    next = s->ev[s->next_ev].at_ms;
  if (next >= 0)
    qun_run_wake(s->run, next);
}

static void on_sent(void *owner, const char *target, const char *member, json_t *msg, int64_t at) {
  (void)member;
  struct sim *s = owner;
  s->sends++;
  qun_audience_sent(s->aud, target, msg, at);
  wake_next(s);
}

static void store_event(void *ud, const char *type, const char *member, const char *group,
                        const char *data) {
  struct sim *s = ud;
  int64_t now = qun_run_now(s->run);
  qun_store_event_add(s->st, type, member, group, now, data, now);
  s->events++;
}

/* The file's events due by now, stored as `qun import events` stores them
 * (an event with the same id or content is stored once). */
static void store_scripted(struct sim *s, int64_t now) {
  for (; s->next_ev < s->nev && s->ev[s->next_ev].at_ms <= now; s->next_ev++) {
    struct qun_event_in ev;
    char why[300];
    if (qun_event_in_read(s->ev[s->next_ev].obj, now, &ev, why, sizeof why) < 0)
      continue; /* checked when the file was read */
    if (qun_event_in_store(s->st, &ev, now) == 0)
      s->events++;
    qun_event_in_free(&ev);
  }
}

/* Events due now (the file's, then the audience's reactions) are stored
 * and handled in one transaction, as the HTTP endpoint's group commit
 * does live. */
static void on_wake(void *owner, int64_t now) {
  struct sim *s = owner;
  if (qun_store_begin(s->st) == 0) {
    store_scripted(s, now);
    qun_audience_due(s->aud, now, store_event, s);
    qun_run_dispatch_in_tx(s->run);
    int ok = qun_store_commit(s->st) == 0;
    if (!ok)
      qun_store_rollback(s->st);
    qun_run_after_commit(s->run, ok);
  }
  wake_next(s);
}

static int by_time(const void *a, const void *b) {
  const struct scripted *x = a, *y = b;
  if (x->at_ms != y->at_ms)
    return x->at_ms < y->at_ms ? -1 : 1;
  return x->row < y->row ? -1 : x->row > y->row;
}

static void free_scripted(struct sim *s) {
  for (size_t i = 0; i < s->nev; i++)
    json_decref(s->ev[i].obj);
  free(s->ev);
  s->ev = NULL, s->nev = 0;
}

/* --events FILE.jsonl: one event a line, as `qun import events` reads
 * them; each is checked now (the file and the line name a mistake). An
 * event without "at" happens at the start, one before the start at the
 * start (keeping its "at"), one at or after the end never. */
static int load_scripted(struct sim *s, const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: cannot read the file (%s)", path, strerror(errno));
    return -1;
  }
  char *line = NULL;
  size_t cap = 0, row = 0, room = 0;
  ssize_t n;
  int rc = 0;
  while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
    row++;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      line[--n] = '\0';
    if (strspn(line, " \t") == (size_t)n)
      continue;
    json_error_t jerr;
    json_t *o = json_loadb(line, (size_t)n, 0, &jerr);
    struct qun_event_in ev;
    char why[300];
    if (!o) {
      snprintf(err, errlen, "%s:%zu: not JSON: %s (column %d)", path, row, jerr.text, jerr.column);
      rc = -1;
    } else if (qun_event_in_read(o, s->o->start_ms, &ev, why, sizeof why) < 0) {
      snprintf(err, errlen, "%s:%zu: %s", path, row, why);
      rc = -1;
    } else {
      int64_t at = ev.at_ms < s->o->start_ms ? s->o->start_ms : ev.at_ms;
      qun_event_in_free(&ev);
      if (at < s->o->end_ms) {
        if (s->nev == room) {
          size_t more = room ? 2 * room : 64;
          struct scripted *p = realloc(s->ev, more * sizeof *p);
          if (!p) {
            snprintf(err, errlen, "out of memory");
            json_decref(o);
            rc = -1;
            break;
          }
          s->ev = p, room = more;
        }
        s->ev[s->nev++] = (struct scripted){at, row, o};
        o = NULL;
      }
    }
    json_decref(o);
  }
  if (rc == 0 && ferror(f)) {
    snprintf(err, errlen, "%s: read error", path);
    rc = -1;
  }
  free(line);
  fclose(f);
  if (s->nev)
    qsort(s->ev, s->nev, sizeof *s->ev, by_time);
  return rc;
}

/* ---- facts for the summary ---- */

static int run_info(void *ud, const struct qun_run_info *r) {
  json_t *pb = ud;
  json_object_set_new(pb, "name", json_string(r->playbook));
  json_object_set_new(pb, "version", r->version ? json_string(r->version) : json_null());
  json_object_set_new(pb, "sha256", r->sha256 ? json_string(r->sha256) : json_null());
  json_object_set_new(pb, "path", r->path ? json_string(r->path) : json_null());
  return 0;
}

static json_t *facts(struct sim *s) {
  const struct qun_sim_opts *o = s->o;
  json_t *f = qun_audience_facts(s->aud), *pb = json_object(), *sim = json_object(), *warn = json_array();
  qun_store_runs(s->st, run_info, pb);
  json_object_set_new(sim, "start", qun_transcript_time(o->start_ms));
  json_object_set_new(sim, "end", qun_transcript_time(o->end_ms));
  json_object_set_new(sim, "days", json_real((double)(o->end_ms - o->start_ms) / 86400000.0));
  json_object_set_new(sim, "seed", json_integer((json_int_t)o->seed));
  json_object_set_new(sim, "timezone", json_string(o->cfg && o->cfg->timezone ? o->cfg->timezone : "Asia/Shanghai"));
  const char *const *w;
  size_t nw = qun_run_warnings(s->run, &w);
  for (size_t i = 0; i < nw; i++)
    json_array_append_new(warn, json_string(w[i]));
  json_object_set_new(f, "playbook", pb);
  json_object_set_new(f, "sim", sim);
  json_object_set_new(f, "warnings", warn);
  return f;
}

struct lines {
  struct qun_summary *sum;
  json_t *keep, *errors;
  FILE *file;
};

/* Each line parsed once: for the summary, the kept lines, the errors. */
static int add_line(void *ud, int64_t id, const char *line) {
  (void)id;
  struct lines *l = ud;
  if (l->file) {
    fputs(line, l->file);
    fputc('\n', l->file);
  }
  json_t *j = json_loads(line, 0, NULL);
  if (!j) {
    qun_summary_line(l->sum, line, strlen(line)); /* counted as a bad line */
    return 0;
  }
  qun_summary_object(l->sum, j);
  const char *ev = json_string_value(json_object_get(j, "ev"));
  if (ev && strcmp(ev, "error") == 0)
    json_array_append(l->errors, j);
  if (l->keep)
    json_array_append(l->keep, j);
  json_decref(j);
  return 0;
}

static void progress(const struct sim *s, int64_t now, int done) {
  const struct qun_sim_opts *o = s->o;
  double span = (double)(o->end_ms - o->start_ms);
  fprintf(stderr, "\r  simulating %s: %3.0f%%  %lld sends, %lld reactions%s", o->playbook,
          span > 0 ? 100.0 * (double)(now - o->start_ms) / span : 100.0, (long long)s->sends,
          (long long)s->events, done ? "\n" : "");
  fflush(stderr);
}

int qun_sim_run(const struct qun_sim_opts *o, struct qun_sim_result *res, char *err, size_t errlen) {
  memset(res, 0, sizeof *res);
  struct sim s = {.o = o};
  struct qun_model model;
  struct groups groups = {0};
  int rc = -1, have_model = 0;
  FILE *tfile = NULL;
  if (qun_model_load(o->model, &model, err, errlen) < 0)
    return -1;
  have_model = 1;
  if (qun_store_open_private(&s.st, err, errlen) < 0)
    goto out;
  if (pick_groups(o, &groups, err, errlen) < 0)
    goto out;
  struct qun_audience_opts ao = {.store = s.st, .model = &model, .seed = o->seed, .size = o->audience,
                                 .members_csv = o->members_csv, .groups = (const char *const *)groups.ids,
                                 .ngroups = groups.n, .start_ms = o->start_ms, .end_ms = o->end_ms};
  if (!(s.aud = qun_audience_new(&ao, err, errlen)))
    goto out;
  if (o->events && load_scripted(&s, o->events, err, errlen) < 0)
    goto out;
  if (o->requests && !(s.requests = fopen(o->requests, "w"))) {
    snprintf(err, errlen, "%s: cannot write the requests file", o->requests);
    goto out;
  }
  if (o->keep)
    s.kept_requests = json_array();
  /* written once at the end: a dry-run has no crash to survive */
  if (o->transcript && !(tfile = fopen(o->transcript, "w"))) {
    snprintf(err, errlen, "%s: cannot write the transcript", o->transcript);
    goto out;
  }
  struct qun_run_opts ro = {.path = o->playbook, .sets = o->sets, .nsets = o->nsets, .store = s.st,
                            .start_ms = o->start_ms, .grace_ms = o->grace_ms, .mode = "sim",
                            .cfg = o->cfg, .seed = o->seed,
                            .record = on_record, .sent = on_sent, .wake = on_wake, .owner = &s};
  /* The run's callbacks may fire while it opens (the top level sends). */
  if (qun_run_open(&ro, &s.run, err, errlen) < 0)
    goto out;
  wake_next(&s);
  int tty = o->progress && isatty(2);
  for (int64_t t = o->start_ms; t < o->end_ms && !qun_run_dead(s.run);) {
    t = t + 3600000 < o->end_ms ? t + 3600000 : o->end_ms; /* an hour at a time, for the progress line */
    qun_run_until(s.run, t);
    if (tty)
      progress(&s, t, t >= o->end_ms);
  }
  struct lines l = {qun_summary_new(), o->keep ? json_array() : NULL, json_array(), tfile};
  qun_store_transcript_since(s.st, qun_run_id(s.run), 0, -1, add_line, &l);
  json_t *f = facts(&s);
  res->warnings = json_incref(json_object_get(f, "warnings"));
  res->errors = l.errors;
  res->summary = qun_summary_finish(l.sum, f, &res->timeline);
  json_decref(f);
  res->lines = l.keep;
  res->requests = s.kept_requests;
  s.kept_requests = NULL;
  rc = 0;
out:
  qun_run_close(s.run);
  qun_audience_free(s.aud);
  free_scripted(&s);
  qun_store_close(s.st);
  if (s.requests)
    fclose(s.requests);
  if (tfile && fclose(tfile) != 0 && rc == 0) {
    snprintf(err, errlen, "%s: cannot write the transcript", o->transcript);
    rc = -1;
  }
  json_decref(s.kept_requests);
  free_groups(&groups);
  if (have_model)
    qun_model_free(&model);
  return rc;
}

void qun_sim_result_free(struct qun_sim_result *res) {
  json_decref(res->summary);
  json_decref(res->timeline);
  json_decref(res->lines);
  json_decref(res->requests);
  json_decref(res->warnings);
  json_decref(res->errors);
  memset(res, 0, sizeof *res);
}
