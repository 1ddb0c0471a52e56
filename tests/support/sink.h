/* sink.h — a local HTTP server for the tests (libmicrohttpd, its own
 * thread): it records every request exactly (method, path and query,
 * headers, body bytes, arrival time) and answers from a script — status,
 * one extra header, body, an optional delay — falling back to a default
 * answer when the script is empty. Channels point their base_url or url
 * at sink_base(). */
#ifndef QUN_TEST_SINK_H
#define QUN_TEST_SINK_H

#include <stddef.h>
#include <stdint.h>

struct sink_req {
  char method[16];
  char url[1024];      /* path and query, as sent */
  char headers[4096];  /* "Name: value\n" each, in arrival order */
  char *body;          /* NUL-terminated */
  size_t len;
  int64_t at_ms;       /* wall clock at arrival */
};

struct sink;

/* Starts on 127.0.0.1 and a free port; NULL on failure. */
struct sink *sink_start(void);
void sink_stop(struct sink *s);
const char *sink_base(const struct sink *s); /* "http://127.0.0.1:PORT" */

/* The next answers, in order; header is "Name: value" or NULL. */
void sink_push(struct sink *s, int status, const char *header, const char *body, int delay_ms);
/* The answer when the script is empty (initially 200 "{}"). */
void sink_default(struct sink *s, int status, const char *body);

int sink_count(struct sink *s);
/* A copy of request i (0-based), or 0 if there is none; free with sink_req_free. */
int sink_get(struct sink *s, int i, struct sink_req *out);
void sink_req_free(struct sink_req *r);
/* The value of a header of a recorded request, or NULL (into buf). */
const char *sink_header(const struct sink_req *r, const char *name, char *buf, size_t n);
/* Waits until at least n requests arrived or ms passed; returns the count. */
int sink_wait(struct sink *s, int n, int ms);

#endif
