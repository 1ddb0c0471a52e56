/* main.c — the qun binary: everything happens in src/cli/. */
#include "cli/cli.h"

int main(int argc, char **argv) {
  return qun_cli_main(argc, argv);
}
