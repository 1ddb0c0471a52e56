/* luajson.h — Lua values to and from JSON (jansson), for the data a
 * playbook hands to the host: job args, event data, send variables.
 * Only plain data crosses: strings (UTF-8), numbers, booleans, and tables
 * that are either lists (keys 1..n) or maps with string keys. */
#ifndef QUN_LUAJSON_H
#define QUN_LUAJSON_H

#include <jansson.h>
#include <lua.h>
#include <stddef.h>

/* Converts the value at idx. Returns the new JSON value, or NULL with the
 * reason in err naming the path from `what` ("args.items[2] is a function:
 * ..."). Never raises: nothing is held if it fails. */
json_t *qun_lua_tojson(lua_State *L, int idx, const char *what, char *err, size_t errlen);

/* Pushes j as a Lua value (objects and arrays become tables; null → nil).
 * May raise a memory error: the caller must not hold resources but j. */
void qun_lua_pushjson(lua_State *L, const json_t *j);

/* Pushes a JSON text as a Lua value (nil if it is not JSON). The decoded
 * value lives in a userdata box whose __gc frees it, so nothing leaks if
 * pushing raises. */
void qun_lua_pushjson_text(lua_State *L, const char *text, size_t len);

/* Pushes a userdata that owns j (freed by __gc if a Lua error unwinds
 * past it) and returns j: build JSON in C while Lua may raise. */
json_t *qun_lua_jsonbox(lua_State *L, json_t *j);
/* Takes j back from the box at idx (the box then owns nothing). */
json_t *qun_lua_jsonbox_take(lua_State *L, int idx);

#endif
