/* status.c — `qun status [--db PATH] [--json]`: each run with the file it
 * runs (version, sha256), its next due jobs, pending and failed counts and
 * its recent errors. Reads only: safe while the daemon runs (WAL). */
#include "cli/cli.h"
#include "cli/team.h"
#include "core/tz.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NEXT_JOBS 5
#define RECENT_ERRORS 5

struct ctx {
  struct qun_store *st;
  json_t *runs;
};

static json_t *time_str(int64_t ms) {
  char buf[40];
  qun_tz_rfc3339(ms / 1000, buf, sizeof buf);
  return json_string(buf);
}

static int add_job(void *ud, const struct qun_store_job *j) {
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(j->id));
  json_object_set_new(o, "job", json_string(j->handler));
  json_object_set_new(o, "due", time_str(j->due));
  json_array_append_new(ud, o);
  return 0;
}

static int add_error(void *ud, const struct qun_store_log *l) {
  json_t *o = json_object();
  json_object_set_new(o, "t", time_str(l->t));
  json_object_set_new(o, "job", json_string(l->job ? l->job : ""));
  size_t n = strcspn(l->msg ? l->msg : "", "\n"); /* the first line; --json has them all */
  json_object_set_new(o, "message", json_stringn(l->msg ? l->msg : "", n));
  json_array_append_new(ud, o);
  return 0;
}

static int add_schedule(void *ud, const struct qun_store_schedule *sc) {
  json_t *o = json_object();
  json_object_set_new(o, "name", json_string(sc->name));
  json_object_set_new(o, "next", sc->next_due >= 0 ? time_str(sc->next_due) : json_null());
  json_array_append_new(ud, o);
  return 0;
}

static int add_dead(void *ud, const struct qun_out *m, int64_t at) {
  json_t *o = json_object();
  json_object_set_new(o, "t", time_str(at));
  json_object_set_new(o, "to", json_string(m->target));
  json_object_set_new(o, "channel", json_string(m->channel));
  json_object_set_new(o, "attempts", json_integer(m->attempts));
  json_object_set_new(o, "reason", json_string(m->reason ? m->reason : ""));
  json_array_append_new(ud, o);
  return 0;
}

static json_t *str(const char *s) {
  return s ? json_string(s) : json_null();
}

static int add_run(void *ud, const struct qun_run_info *r) {
  struct ctx *c = ud;
  json_t *o = json_object(), *next = json_array(), *errors = json_array(), *sched = json_array();
  json_object_set_new(o, "playbook", str(r->playbook));
  json_object_set_new(o, "version", str(r->version));
  json_object_set_new(o, "sha256", str(r->sha256));
  json_object_set_new(o, "path", str(r->path));
  json_object_set_new(o, "mode", str(r->mode));
  json_object_set_new(o, "started", time_str(r->started_at));
  json_object_set_new(o, "pending", json_integer(qun_store_jobs_count(c->st, r->run_id, QUN_JOB_PENDING)));
  json_object_set_new(o, "failed", json_integer(qun_store_jobs_count(c->st, r->run_id, QUN_JOB_FAILED)));
  json_t *out = json_object();
  static const struct { const char *name; int state; } states[] = {
      {"queued", QUN_OUT_QUEUED}, {"deferred", QUN_OUT_DEFERRED}, {"sent", QUN_OUT_SENT},
      {"dropped", QUN_OUT_DROPPED}, {"dead", QUN_OUT_DEAD}};
  for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
    json_object_set_new(out, states[i].name, json_integer(qun_store_out_count(c->st, r->run_id, states[i].state)));
  json_object_set_new(out, "retrying", json_integer(qun_store_out_retrying(c->st, r->run_id)));
  json_object_set_new(o, "messages", out);
  json_t *dead = json_array();
  qun_store_out_dead(c->st, r->run_id, RECENT_ERRORS, add_dead, dead);
  json_object_set_new(o, "dead", dead);
  qun_store_schedules(c->st, r->run_id, add_schedule, sched);
  qun_store_jobs_next(c->st, r->run_id, NEXT_JOBS, add_job, next);
  json_object_set_new(o, "schedules", sched);
  qun_store_log_last(c->st, r->run_id, "error", RECENT_ERRORS, add_error, errors);
  json_object_set_new(o, "next", next);
  json_object_set_new(o, "errors", errors);
  json_array_append_new(c->runs, o);
  return 0;
}

static void print_text(json_t *runs, const char *db) {
  if (json_array_size(runs) == 0) {
    printf("no runs in %s\n", db);
    return;
  }
  size_t i, k;
  json_t *r, *x;
  json_array_foreach(runs, i, r) {
    const char *sha = json_string_value(json_object_get(r, "sha256"));
    printf("%s%s %s (sha256 %.12s, %s)\n", i ? "\n" : "",
           json_string_value(json_object_get(r, "playbook")),
           json_string_value(json_object_get(r, "version")), sha ? sha : "?",
           json_string_value(json_object_get(r, "path")));
    printf("  started  %s\n", json_string_value(json_object_get(r, "started")));
    printf("  jobs     %lld pending, %lld failed\n",
           (long long)json_integer_value(json_object_get(r, "pending")),
           (long long)json_integer_value(json_object_get(r, "failed")));
    json_t *m = json_object_get(r, "messages");
    printf("  messages %lld queued (%lld retrying), %lld deferred, %lld sent, %lld dropped, %lld dead\n",
           (long long)json_integer_value(json_object_get(m, "queued")),
           (long long)json_integer_value(json_object_get(m, "retrying")),
           (long long)json_integer_value(json_object_get(m, "deferred")),
           (long long)json_integer_value(json_object_get(m, "sent")),
           (long long)json_integer_value(json_object_get(m, "dropped")),
           (long long)json_integer_value(json_object_get(m, "dead")));
    json_array_foreach(json_object_get(r, "schedules"), k, x) {
      json_t *nx = json_object_get(x, "next");
      printf("  schedule %s  %s\n", json_is_string(nx) ? json_string_value(nx) : "(done)",
             json_string_value(json_object_get(x, "name")));
    }
    json_array_foreach(json_object_get(r, "next"), k, x)
      printf("  next     %s  %s (job %lld)\n", json_string_value(json_object_get(x, "due")),
             json_string_value(json_object_get(x, "job")),
             (long long)json_integer_value(json_object_get(x, "id")));
    json_array_foreach(json_object_get(r, "dead"), k, x)
      printf("  dead     %s  %s via %s after %lld attempt%s: %s\n", json_string_value(json_object_get(x, "t")),
             json_string_value(json_object_get(x, "to")), json_string_value(json_object_get(x, "channel")),
             (long long)json_integer_value(json_object_get(x, "attempts")),
             json_integer_value(json_object_get(x, "attempts")) == 1 ? "" : "s",
             json_string_value(json_object_get(x, "reason")));
    json_array_foreach(json_object_get(r, "errors"), k, x)
      printf("  error    %s  %s: %s\n", json_string_value(json_object_get(x, "t")),
             json_string_value(json_object_get(x, "job")),
             json_string_value(json_object_get(x, "message")));
  }
}

static int status_exec(const struct qun_cmd *self, int argc, char **argv) {
  const char *db = NULL;
  int as_json = 0;
  for (int i = 1; i < argc; i++) {
    const char *val;
    int r = qun_cli_optarg(argc, argv, &i, "--db", &val);
    if (r < 0 || (r > 0 && !*val))
      return qun_cli_usage(self, "--db needs a path");
    if (r > 0)
      db = val;
    else if (strcmp(argv[i], "--json") == 0)
      as_json = 1;
    else
      return qun_cli_usage(self, "unexpected '%s'", argv[i]);
  }
  /* Reading only: a database that is not there is not created. */
  const char *path = db ? db : QUN_STORE_DEFAULT_PATH;
  if (access(path, F_OK) != 0)
    return qun_cli_fail("qun status: no database at %s (qun run creates it; give --db PATH)", path);
  struct qun_team team;
  if (qun_team_open_store(db, &team) != 0)
    return QUN_EXIT_FAIL;
  struct ctx c = {team.store, json_array()};
  int rc = qun_store_runs(team.store, add_run, &c);
  if (rc < 0) {
    rc = qun_cli_fail("qun status: %s", qun_store_errmsg(team.store));
  } else if (as_json) {
    json_dumpf(c.runs, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
  } else {
    print_text(c.runs, team.db_path);
  }
  json_decref(c.runs);
  qun_team_close(&team);
  return rc < 0 ? QUN_EXIT_FAIL : QUN_EXIT_OK;
}

const struct qun_cmd qun_cmd_status = {
    .name = "status",
    .args = "[--db PATH] [--json]",
    .summary = "show the runs in a database: the file each runs, next jobs, failures",
    .exec = status_exec,
};
