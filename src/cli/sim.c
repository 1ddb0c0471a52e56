/* sim.c — `qun sim FILE [--config F] [--set k=v]... [--audience N |
 * --members CSV] [--start TIME] [--days D] [--seed S] [--runs N]
 * [--model FILE.lua] [--events FILE.jsonl] [--vs OTHER.lua | --variant k=v]...
 * [--out DIR]`:
 * the dry-run. Writes DIR/transcript.jsonl, DIR/requests.jsonl,
 * DIR/summary.json and DIR/report.html and prints the key numbers. */
#include "cli/cli.h"
#include "cli/team.h"
#include "host/config.h"
#include "sim/report.h"
#include "sim/sim.h"
#include "sim/summary.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_RUNS 1000
#define DEFAULT_AUDIENCE 500

struct variant {
  const char *label;
  const char *file;
  const char *sets[2 * QUN_CLI_MAX_SETS + 8];
  int nsets;
  json_t *summary, *timeline;
};

static int write_json(const char *path, const json_t *j) {
  if (json_dump_file(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
    return -1;
  FILE *f = fopen(path, "a"); /* end the file with a newline */
  return f && fputc('\n', f) != EOF && fclose(f) == 0 ? 0 : -1;
}

static json_int_t get_int(const json_t *o, const char *path) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  const json_t *v = o;
  for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
    v = json_object_get(v, k);
  return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* "a 3, b 2" from an object of counts, the largest first, at most n. */
static void top(const json_t *o, int n, char *buf, size_t len) {
  buf[0] = '\0';
  size_t used = 0;
  json_t *left = json_deep_copy(o);
  for (int k = 0; k < n && json_object_size(left); k++) {
    const char *best = NULL, *key;
    json_int_t most = -1;
    json_t *v;
    json_object_foreach(left, key, v)
      if (json_integer_value(v) > most)
        most = json_integer_value(v), best = key;
    used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s %lld", k ? ", " : "", best,
                             (long long)most);
    json_object_del(left, best);
  }
  if (json_object_size(left) && used < len)
    snprintf(buf + used, len - used, ", …");
  json_decref(left);
}

static void money(json_int_t fen, char *buf, size_t len) {
  snprintf(buf, len, "%lld.%02lld", (long long)(fen / 100), (long long)(fen % 100));
}

/* The key numbers, for the terminal. */
static void print_summary(const char *label, const json_t *s) {
  const json_t *pb = json_object_get(s, "playbook"), *sim = json_object_get(s, "sim");
  const char *name = json_string_value(json_object_get(pb, "name"));
  const char *version = json_string_value(json_object_get(pb, "version"));
  char a[512], b[512], c[32], d[32];
  printf("%s%s %s: %g days from %s, %lld members in %lld groups, seed %lld\n", label ? label : "",
         name ? name : "?", version ? version : "", json_number_value(json_object_get(sim, "days")),
         json_string_value(json_object_get(sim, "start")) ? json_string_value(json_object_get(sim, "start")) : "?",
         (long long)get_int(s, "audience.members"), (long long)get_int(s, "audience.groups"),
         (long long)get_int(s, "sim.seed"));
  top(json_object_get(json_object_get(s, "sends"), "by_channel"), 4, a, sizeof a);
  printf("  sends       %lld%s%s%s; deferred %lld, dropped %lld\n", (long long)get_int(s, "sends.total"),
         *a ? " (" : "", a, *a ? ")" : "", (long long)get_int(s, "deferred.total"),
         (long long)get_int(s, "dropped.total"));
  printf("  lateness    p99 %lld ms, max %lld ms\n", (long long)get_int(s, "lateness.p99_ms"),
         (long long)get_int(s, "lateness.max_ms"));
  top(json_object_get(json_object_get(s, "events"), "by_type"), 5, b, sizeof b);
  printf("  events      %lld%s%s%s\n", (long long)get_int(s, "events.total"), *b ? " (" : "", b, *b ? ")" : "");
  json_int_t bp = get_int(s, "conversions.rate_bp");
  printf("  buyers      %lld of %lld (%lld.%02lld%%), %lld purchases; %lld members left\n",
         (long long)get_int(s, "conversions.buyers"), (long long)get_int(s, "conversions.audience"),
         (long long)(bp / 100), (long long)(bp % 100), (long long)get_int(s, "conversions.purchases"),
         (long long)get_int(s, "audience.left"));
  if (get_int(s, "redpackets.packets")) {
    money(get_int(s, "redpackets.total_fen"), c, sizeof c);
    money(get_int(s, "redpackets.claimed_fen"), d, sizeof d);
    printf("  red packets %lld, %s 元, %s 元 claimed in %lld claims\n", (long long)get_int(s, "redpackets.packets"),
           c, d, (long long)get_int(s, "redpackets.claims"));
  }
  printf("  errors      %lld; warnings %zu\n", (long long)get_int(s, "errors.total"),
         json_array_size(json_object_get(s, "warnings")));
}

static int sim_exec(const struct qun_cmd *self, int argc, char **argv) {
  struct qun_cli_load ld;
  static const char *const flags[] = {"--audience=", "--members=", "--start=", "--days=", "--seed=",
                                      "--runs=", "--model=", "--vs=", "--out=", "--events=", NULL};
  const char *val[10] = {NULL};
  int rc = qun_cli_parse_load(self, argc, argv, QUN_OPT_CONFIG | QUN_OPT_VARIANT, &ld, flags, val);
  if (rc)
    return rc;
  long audience = DEFAULT_AUDIENCE, days = 7, seed = 1, runs = 1;
  const char *members = val[1], *model = val[6], *vs = val[7], *out = val[8] ? val[8] : "out";
  if ((rc = qun_cli_int(self, "--audience", val[0], 1, 10000000, &audience)) ||
      (rc = qun_cli_int(self, "--days", val[3], 1, 366, &days)) ||
      (rc = qun_cli_int(self, "--seed", val[4], 0, LONG_MAX, &seed)) ||
      (rc = qun_cli_int(self, "--runs", val[5], 1, MAX_RUNS, &runs)))
    return rc;
  if (members && val[0])
    return qun_cli_usage(self, "--audience and --members: one or the other");
  if (vs && ld.nvariants)
    return qun_cli_usage(self, "--vs and --variant: one or the other");
  struct qun_team team;
  int64_t start_ms;
  if ((rc = qun_team_open_dry(self, &ld, val[2], &team, &start_ms)))
    return rc;
  if (mkdir(out, 0777) < 0 && errno != EEXIST) {
    rc = qun_cli_fail("qun sim: cannot create %s (%s)", out, strerror(errno));
    qun_team_close(&team);
    return rc;
  }
  struct variant vars[2] = {{.label = "A", .file = ld.file}, {.label = "B", .file = vs ? vs : ld.file}};
  int nvars = vs || ld.nvariants ? 2 : 1;
  for (int k = 0; k < nvars; k++) {
    for (int i = 0; i < team.nsets; i++)
      vars[k].sets[vars[k].nsets++] = team.sets[i];
    for (int i = 0; k == 1 && i < ld.nvariants; i++)
      vars[k].sets[vars[k].nsets++] = ld.variants[i];
  }
  char path[3][PATH_MAX];
  char err[1024];
  for (int k = 0; k < nvars && rc == QUN_EXIT_OK; k++) {
    json_t *all[MAX_RUNS];
    long done = 0;
    for (long n = 0; n < runs; n++) {
      const char *suffix = nvars == 2 ? (k ? "-B" : "-A") : "";
      snprintf(path[0], sizeof path[0], "%s/transcript%s.jsonl", out, suffix);
      snprintf(path[1], sizeof path[1], "%s/requests%s.jsonl", out, suffix);
      struct qun_sim_opts so = {
          .playbook = vars[k].file, .cfg = team.cfg, .sets = vars[k].sets, .nsets = vars[k].nsets,
          .audience = members ? 0 : (int)audience, .members_csv = members, .model = model,
          .events = val[9], .start_ms = start_ms, .end_ms = start_ms + days * 86400000LL,
          .seed = (uint64_t)(seed + n), .grace_ms = team.grace_ms,
          .transcript = n == 0 ? path[0] : NULL, .requests = n == 0 ? path[1] : NULL, .progress = 1};
      struct qun_sim_result res;
      if (qun_sim_run(&so, &res, err, sizeof err) < 0) {
        rc = qun_cli_fail("%s", err);
        break;
      }
      all[done++] = res.summary;
      if (n == 0) {
        vars[k].timeline = res.timeline;
        res.timeline = NULL;
      }
      res.summary = NULL;
      qun_sim_result_free(&res);
    }
    if (rc == QUN_EXIT_OK) {
      vars[k].summary = json_incref(all[0]);
      if (runs > 1)
        json_object_set_new(vars[k].summary, "runs", qun_summary_aggregate(all, (size_t)done));
    }
    for (long n = 0; n < done; n++)
      json_decref(all[n]);
  }
  if (rc == QUN_EXIT_OK) {
    json_t *summary;
    if (nvars == 1) {
      summary = json_incref(vars[0].summary);
    } else {
      summary = json_object();
      json_t *list = json_array();
      for (int k = 0; k < 2; k++) {
        json_t *v = json_object(), *sets = json_array();
        json_object_set_new(v, "label", json_string(vars[k].label));
        json_object_set_new(v, "playbook", json_string(vars[k].file));
        for (int i = 0; k == 1 && i < ld.nvariants; i++)
          json_array_append_new(sets, json_string(ld.variants[i]));
        json_object_set_new(v, "variant", sets);
        json_object_set(v, "summary", vars[k].summary);
        json_array_append_new(list, v);
      }
      json_object_set_new(summary, "variants", list);
    }
    snprintf(path[0], sizeof path[0], "%s/summary.json", out);
    snprintf(path[2], sizeof path[2], "%s/report.html", out);
    struct qun_report_variant rv[2];
    for (int k = 0; k < nvars; k++)
      rv[k] = (struct qun_report_variant){vars[k].label, vars[k].summary, vars[k].timeline};
    if (write_json(path[0], summary) < 0)
      rc = qun_cli_fail("qun sim: cannot write %s", path[0]);
    else if (qun_report_write(path[2], rv, (size_t)nvars, err, sizeof err) < 0)
      rc = qun_cli_fail("qun sim: %s", err);
    json_decref(summary);
    for (int k = 0; k < nvars && rc == QUN_EXIT_OK; k++)
      print_summary(nvars == 2 ? (k ? "B: " : "A: ") : NULL, vars[k].summary);
    if (rc == QUN_EXIT_OK)
      printf("wrote %s/transcript%s.jsonl, %s/requests%s.jsonl, %s, %s\n", out, nvars == 2 ? "-{A,B}" : "",
             out, nvars == 2 ? "-{A,B}" : "", path[0], path[2]);
  }
  for (int k = 0; k < 2; k++)
    json_decref(vars[k].summary), json_decref(vars[k].timeline);
  qun_team_close(&team);
  return rc;
}

const struct qun_cmd qun_cmd_sim = {
    .name = "sim",
    .args = "FILE [--config F] [--set NAME=VALUE]... [--audience N | --members CSV] [--start TIME] "
            "[--days D] [--seed S] [--runs N] [--model FILE.lua] [--events FILE.jsonl] "
            "[--vs OTHER.lua | --variant NAME=VALUE]... [--out DIR]",
    .summary = "rehearse a playbook on a virtual clock with a simulated audience: transcript, summary, report",
    .help = "options:\n"
            "  --config F          the team config (groups, channels, quiet hours, caps)\n"
            "  --set NAME=VALUE    give a param a value (after the config's; repeatable)\n"
            "  --audience N        simulate N members (default 500), spread over the groups\n"
            "  --members CSV       a real roster instead (as qun import members reads it); nothing is sent\n"
            "  --start TIME        where the virtual clock starts (default: now), e.g. \"2026-11-23 00:00\"\n"
            "  --days D            how long to simulate (default 7)\n"
            "  --seed S            the random seed (default 1): same inputs and seed, same transcript\n"
            "  --runs N            repeat with seeds S..S+N-1; the summary gets p5/p50/p95\n"
            "  --model FILE.lua    the behaviour model (default: the built-in qun.model)\n"
            "  --events FILE.jsonl events that happen at their \"at\" besides the audience's (as qun import\n"
            "                      events reads them): a profile answer, a lesson your backend reports\n"
            "  --vs OTHER.lua      run a second playbook on the same audience and seeds, side by side\n"
            "  --variant NAME=VALUE  the same playbook with this param changed, side by side (repeatable)\n"
            "  --out DIR           where the files go (default ./out)\n"
            "\nA dry-run never touches a database or a channel: members and state live in memory,\n"
            "and each request a channel would have made is written to DIR/requests.jsonl.\n",
    .exec = sim_exec,
};
