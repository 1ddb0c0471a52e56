/* run.c — `qun run FILE [--config F] [--set k=v]... [--db PATH]
 * [--transcript FILE]`: the live daemon. Runs until SIGINT or SIGTERM;
 * every handler commits before its effects leave, so a SIGKILL loses
 * nothing that was acknowledged. */
#include "cli/cli.h"
#include "cli/team.h"
#include "host/config.h"
#include "host/run.h"
#include "ingest/http.h"
#include "store/store.h"

#include <signal.h>
#include <stdio.h>
#include <uv.h>

#define EVENT_POLL_MS 200

#define DRAIN_MS 5000 /* how long a stop waits for requests in flight */

struct daemon {
  struct qun_run *run;
  struct qun_http *http;
  uv_idle_t reaper;
  int killed;
  uv_signal_t sigint, sigterm;
  uv_timer_t poll, drain;
  int stopping, finished;
};

static void close_cb(uv_handle_t *h) {
  (void)h;
}

/* The end: the run closes (its scheduler and worker with it). */
static void finish(struct daemon *d) {
  if (d->finished)
    return;
  d->finished = 1;
  uv_close((uv_handle_t *)&d->sigint, close_cb);
  uv_close((uv_handle_t *)&d->sigterm, close_cb);
  uv_close((uv_handle_t *)&d->drain, close_cb);
  qun_run_close(d->run);
  d->run = NULL;
}

static void on_drained(void *ud) {
  finish(ud);
}

static void on_drain_timeout(uv_timer_t *t) {
  struct daemon *d = t->data;
  if (d->run && qun_run_inflight(d->run))
    fprintf(stderr, "qun: %d request%s still in flight: they stay queued and go out at the next start\n",
            qun_run_inflight(d->run), qun_run_inflight(d->run) == 1 ? "" : "s");
  finish(d);
}

/* A stop takes nothing new (events, schedules) and lets what is in flight
 * finish, so that its outcome is recorded and not sent again next time. */
static void stop(struct daemon *d) {
  if (d->stopping)
    return;
  d->stopping = 1;
  qun_http_stop(d->http); /* answers what is waiting first */
  d->http = NULL;
  uv_close((uv_handle_t *)&d->poll, close_cb);
  if (!d->run) {
    finish(d);
    return;
  }
  int n = qun_run_inflight(d->run);
  if (n)
    fprintf(stderr, "qun: waiting up to %d s for %d request%s in flight (again to stop at once)\n",
            DRAIN_MS / 1000, n, n == 1 ? "" : "s");
  uv_timer_start(&d->drain, on_drain_timeout, DRAIN_MS, 0);
  qun_run_drain(d->run, on_drained, d);
}

static void on_signal(uv_signal_t *h, int signum) {
  struct daemon *d = h->data;
  if (d->stopping) { /* a second one: now */
    finish(d);
    return;
  }
  fprintf(stderr, "qun: %s, stopping\n", signum == SIGINT ? "interrupted" : "terminated");
  stop(d);
}

/* The run was stopped by a memory kill: end the daemon from the loop. */
static void on_reap(uv_idle_t *i) {
  struct daemon *d = i->data;
  uv_close((uv_handle_t *)i, close_cb);
  stop(d);
}

static void on_stopped(void *ud) {
  struct daemon *d = ud;
  if (d->killed)
    return;
  d->killed = 1;
  uv_idle_start(&d->reaper, on_reap);
}

static void on_poll(uv_timer_t *t) {
  struct daemon *d = t->data;
  if (d->run)
    qun_run_poll_events(d->run);
}

/* The events of a group commit are handled in its transaction. */
static void before_commit(void *ud) {
  struct daemon *d = ud;
  if (d->run)
    qun_run_dispatch_in_tx(d->run);
}

static void after_commit(void *ud, int committed) {
  struct daemon *d = ud;
  if (d->run)
    qun_run_after_commit(d->run, committed);
}

/* POST /redpacket/claim: one claim, committed before the answer. */
static int claim(void *ud, const char *packet, const char *member, struct qun_claim_share *share,
                 char *err, size_t errlen) {
  struct daemon *d = ud;
  if (!d->run) {
    snprintf(err, errlen, "the daemon is stopping");
    return -1;
  }
  struct qun_rp_claim c;
  int rc = qun_run_rp_claim_tx(d->run, packet, member, &c, err, errlen);
  share->fen = c.fen, share->seq = c.seq;
  return rc;
}

static int run_exec(const struct qun_cmd *self, int argc, char **argv) {
  struct qun_cli_load ld;
  int rc = qun_cli_parse_load(self, argc, argv, QUN_OPT_CONFIG | QUN_OPT_DB | QUN_OPT_TRANSCRIPT | QUN_OPT_LISTEN,
                              &ld, NULL, NULL);
  if (rc)
    return rc;
  struct qun_team team;
  if (qun_team_open(&ld, QUN_TEAM_STORE, &team) != 0)
    return QUN_EXIT_FAIL;
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct daemon d = {0};
  uv_idle_init(&loop, &d.reaper);
  d.reaper.data = &d;
  struct qun_run_opts o = {
      .path = ld.file, .sets = team.sets, .nsets = team.nsets, .store = team.store,
      .loop = &loop, .grace_ms = team.grace_ms, .mode = "live", .transcript = ld.transcript,
      .echo = stderr, .seed = 0, .stopped = on_stopped, .stopped_ud = &d, .cfg = team.cfg};
  char err[1024];
  if (qun_run_open(&o, &d.run, err, sizeof err) < 0) {
    rc = qun_cli_fail("%s", err);
  } else {
    const char *listen = ld.listen ? ld.listen : team.cfg ? team.cfg->listen_addr : NULL;
    if (listen) {
      struct qun_http_opts ho = {
          .loop = &loop, .store = team.store, .addr = listen,
          .token = team.cfg ? team.cfg->listen_token : NULL,
          .max_body = team.cfg ? (size_t)team.cfg->listen_max_body : 1 << 20,
          .before_commit = before_commit, .after_commit = after_commit, .ud = &d,
          .claim = claim, .claim_ud = &d};
      if (qun_http_start(&ho, &d.http, err, sizeof err) < 0) {
        rc = qun_cli_fail("%s", err);
        qun_run_close(d.run);
        uv_close((uv_handle_t *)&d.reaper, close_cb);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        qun_team_close(&team);
        return rc;
      }
      fprintf(stderr, "qun: events at http://%s/events\n", listen);
    }
    fprintf(stderr, "qun: running %s (%s, database %s); Ctrl-C stops\n", ld.file, team.tz,
            team.db_path);
    uv_signal_init(&loop, &d.sigint);
    uv_signal_init(&loop, &d.sigterm);
    uv_timer_init(&loop, &d.poll);
    uv_timer_init(&loop, &d.drain);
    d.sigint.data = d.sigterm.data = d.poll.data = d.drain.data = &d;
    uv_signal_start(&d.sigint, on_signal, SIGINT);
    uv_signal_start(&d.sigterm, on_signal, SIGTERM);
    uv_timer_start(&d.poll, on_poll, 0, EVENT_POLL_MS);
    uv_run(&loop, UV_RUN_DEFAULT);
    stop(&d);
    uv_run(&loop, UV_RUN_DEFAULT); /* the close callbacks */
    if (d.killed)
      rc = QUN_EXIT_FAIL;
  }
  if (!uv_is_closing((uv_handle_t *)&d.reaper))
    uv_close((uv_handle_t *)&d.reaper, close_cb);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  qun_team_close(&team);
  return rc;
}

const struct qun_cmd qun_cmd_run = {
    .name = "run",
    .args = "FILE [--config F] [--set NAME=VALUE]... [--db PATH] [--transcript FILE] [--listen HOST:PORT]",
    .summary = "run a playbook live: schedules, jobs and events, durable in SQLite",
    .help = "options:\n"
            "  --config F          the team config (time zone, grace, params, channels, groups)\n"
            "  --set NAME=VALUE    give a param a value (after the config's; repeatable)\n"
            "  --db PATH           the database (default ./qun.db)\n"
            "  --transcript FILE   append the run's transcript lines (JSON) to FILE\n"
            "  --listen HOST:PORT  take events over HTTP: POST /events (Bearer listen.token),\n"
            "                      and red-packet claims: POST /redpacket/claim\n"
            "\nSIGINT or SIGTERM stops it; starting it again resumes the run: missed\n"
            "occurrences younger than the grace fire, older ones are recorded as skipped.\n",
    .exec = run_exec,
};
