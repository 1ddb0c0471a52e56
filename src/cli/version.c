/* version.c — `qun version`: qun's version and the libraries it runs on. */
#include "cli/cli.h"

#include <curl/curl.h>
#include <jansson.h>
#include <lua.h>
#include <sqlite3.h>
#include <stdio.h>
#include <uv.h>

static int version_exec(const struct qun_cmd *self, int argc, char **argv) {
  if (argc > 1)
    return qun_cli_usage(self, "takes no arguments");
  printf("qun %s\n", QUN_VERSION);
  printf("  %s, libuv %s, SQLite %s, %s, jansson %s\n", LUA_RELEASE, uv_version_string(),
         sqlite3_libversion(), curl_version(), JANSSON_VERSION);
  return QUN_EXIT_OK;
}

const struct qun_cmd qun_cmd_version = {
    .name = "version",
    .args = "",
    .summary = "print qun's version and its libraries'",
    .exec = version_exec,
};
