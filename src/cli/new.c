/* new.c — `qun new NAME [--dir DIR]`: a new playbook to start from — the
 * playbook, its test and an example team config, which `qun check` and
 * `qun test` accept as they are. Never overwrites a file. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* @NAME@ is the playbook's name ("weekly-checkin"), @FILE@ its file stem
 * ("weekly_checkin"). */
static const char playbook_tpl[] =
    "-- @FILE@.lua — TODO: the SOP this runs, and where it comes from (an article,\n"
    "-- a team's checklist). Each part of the code says which step it is.\n"
    "playbook {\n"
    "  name    = \"@NAME@\",\n"
    "  version = \"0.1.0\",\n"
    "  title   = \"TODO 中文标题\",\n"
    "  summary = \"TODO: what it does, in one line.\",\n"
    "  params  = {\n"
    "    group   = { type = \"group\",  doc = \"the group it runs in\" },\n"
    "    morning = { type = \"string\", default = \"09:00\", doc = \"when the morning message goes (HH:MM)\" },\n"
    "    points  = { type = \"integer\", default = 10, doc = \"points for a check-in\" },\n"
    "  },\n"
    "}\n"
    "local P = params\n"
    "\n"
    "-- Step 1: the morning message, every day.\n"
    "schedule.every(P.morning, \"morning\", function()\n"
    "  send(P.group, \"早安!今天签到领 {points} 积分 ☀️\", { points = P.points })\n"
    "end)\n"
    "\n"
    "-- Step 2: members who check in are tagged.\n"
    "on(\"checkin\", function(ev)\n"
    "  tag.add(ev.member, \"checked-in\")\n"
    "end)\n";

static const char test_tpl[] =
    "-- @FILE@_test.lua — run with: qun test @FILE@_test.lua\n"
    "local r = sim.run(\"@FILE@.lua\", {\n"
    "  config   = \"@FILE@.team.lua\",\n"
    "  env      = { WECOM_KEY = \"test-key\" },\n"
    "  start    = \"2026-01-05 00:00\", -- a Monday\n"
    "  days     = 7,\n"
    "  audience = 100,\n"
    "})\n"
    "\n"
    "test(\"a morning message every day at 09:00\", function()\n"
    "  local m = r:sends{ to = \"group:sh-1\", contains = \"早安\" }\n"
    "  expect(m):to_have_length(7)\n"
    "  expect(m[1].t):to_be(\"2026-01-05T09:00:00+08:00\")\n"
    "end)\n"
    "\n"
    "test(\"members who check in are tagged\", function()\n"
    "  expect(#r:events{ type = \"checkin\" }):to_be_at_least(1)\n"
    "  expect(#r:lines{ ev = \"tag\" }):to_be_at_least(1)\n"
    "end)\n"
    "\n"
    "test(\"no handler raised an error\", function()\n"
    "  expect(r:lines{ ev = \"error\" }):to_have_length(0)\n"
    "end)\n";

static const char team_tpl[] =
    "-- @FILE@.team.lua — an example team config for @FILE@.lua. Secrets come from\n"
    "-- the environment (export WECOM_KEY=...), never from the playbook.\n"
    "timezone    = \"Asia/Shanghai\"\n"
    "quiet_hours = \"22:00-08:00\"\n"
    "caps        = { member_per_day = 3 }\n"
    "channels = {\n"
    "  wx = { type = \"wecom\", key = env(\"WECOM_KEY\") },\n"
    "}\n"
    "groups = {\n"
    "  [\"sh-1\"] = { name = \"上海1群\", channel = \"wx\" },\n"
    "}\n"
    "params = { group = \"sh-1\" }\n";

/* tpl with @NAME@ and @FILE@ replaced; malloc'd. */
static char *fill(const char *tpl, const char *name, const char *file) {
  size_t n = strlen(tpl) + 1;
  for (const char *p = tpl; (p = strchr(p, '@')); p++)
    n += strlen(name) + strlen(file);
  char *out = malloc(n), *o = out;
  if (!out)
    return NULL;
  for (const char *p = tpl; *p;) {
    if (strncmp(p, "@NAME@", 6) == 0)
      o += sprintf(o, "%s", name), p += 6;
    else if (strncmp(p, "@FILE@", 6) == 0)
      o += sprintf(o, "%s", file), p += 6;
    else
      *o++ = *p++;
  }
  *o = '\0';
  return out;
}

static int write_new(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0)
    return -1;
  size_t len = strlen(text);
  ssize_t w = write(fd, text, len);
  int rc = close(fd);
  return w == (ssize_t)len && rc == 0 ? 0 : -1;
}

/* mkdir -p */
static int make_dir(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s", dir);
  for (char *p = path + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(path, 0777) < 0 && errno != EEXIST)
        return -1;
      *p = '/';
    }
  return mkdir(path, 0777) < 0 && errno != EEXIST ? -1 : 0;
}

static int new_exec(const struct qun_cmd *self, int argc, char **argv) {
  const char *name = NULL, *dir = ".";
  for (int i = 1; i < argc; i++) {
    const char *v;
    int r = qun_cli_optarg(argc, argv, &i, "--dir", &v);
    if (r < 0 || (r > 0 && !*v))
      return qun_cli_usage(self, "--dir needs a directory");
    if (r > 0)
      dir = v;
    else if (argv[i][0] == '-')
      return qun_cli_usage(self, "unknown option '%s'", argv[i]);
    else if (name)
      return qun_cli_usage(self, "one name at a time");
    else
      name = argv[i];
  }
  if (!name)
    return qun_cli_usage(self, "what is the playbook called? e.g. qun new weekly-checkin");
  /* The name is the header's (kebab-case); files use underscores. */
  char kebab[64], file[64];
  size_t n = strlen(name);
  int ok = n > 0 && n < sizeof kebab && name[0] >= 'a' && name[0] <= 'z';
  for (size_t i = 0; ok && i < n; i++) {
    char c = name[i];
    ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    kebab[i] = c == '_' ? '-' : c;
    file[i] = c == '-' ? '_' : c;
  }
  if (!ok)
    return qun_cli_usage(self, "'%s': a name is lowercase letters, digits and - (e.g. weekly-checkin)", name);
  kebab[n] = file[n] = '\0';
  if (make_dir(dir) < 0)
    return qun_cli_fail("qun new: cannot create %s (%s)", dir, strerror(errno));
  static const struct { const char *suffix; const char *tpl; } files[] = {
      {".lua", playbook_tpl}, {"_test.lua", test_tpl}, {".team.lua", team_tpl}};
  char paths[3][4200];
  for (int k = 0; k < 3; k++) {
    snprintf(paths[k], sizeof paths[k], "%s/%s%s", dir, file, files[k].suffix);
    if (access(paths[k], F_OK) == 0)
      return qun_cli_fail("qun new: %s exists already: nothing was written", paths[k]);
  }
  for (int k = 0; k < 3; k++) {
    char *text = fill(files[k].tpl, kebab, file);
    if (!text || write_new(paths[k], text) < 0) {
      free(text);
      for (int j = 0; j < k; j++)
        remove(paths[j]);
      return qun_cli_fail("qun new: cannot write %s (%s): nothing was written", paths[k], strerror(errno));
    }
    free(text);
  }
  printf("wrote %s, %s and %s\n"
         "next: fill in the TODOs, then\n"
         "  export WECOM_KEY=...    # the robot's key (a dry-run needs none)\n"
         "  qun check %s --config %s\n"
         "  qun test  %s\n"
         "  qun sim   %s --config %s --audience 500 --out out\n",
         paths[0], paths[1], paths[2], paths[0], paths[2], paths[1], paths[0], paths[2]);
  return QUN_EXIT_OK;
}

const struct qun_cmd qun_cmd_new = {
    .name = "new",
    .args = "NAME [--dir DIR]",
    .summary = "start a playbook: NAME.lua, its test and an example team config",
    .help = "options:\n"
            "  --dir DIR           where the files go (default: here)\n"
            "\nNAME is lowercase letters, digits and - (weekly-checkin); the files use _\n"
            "(weekly_checkin.lua, weekly_checkin_test.lua, weekly_checkin.team.lua).\n"
            "Existing files are never overwritten.\n",
    .exec = new_exec,
};
