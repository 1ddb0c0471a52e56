# header.sh — mistakes in the playbook{} header, each with its exact message.
. tests/lib.sh
D=tests/cli/fixtures

expect 1 "$D/bad_field.lua:1: playbook{}: unknown field 'titel' (fields: name, version, title, summary, params)" -- check $D/bad_field.lua
expect 1 "$D/no_header.lua: no header: start the file with playbook { name = \"my-sop\", version = \"1.0.0\" }" -- check $D/no_header.lua
expect 1 "$D/bad_name.lua:1: playbook{}: name 'Weekend_Sale' is not kebab-case (lower-case letters, digits and single dashes, e.g. \"weekend-flash-sale\")" -- check $D/bad_name.lua
expect 1 "$D/no_version.lua:1: playbook{}: no version (e.g. version = \"1.0.0\"; it is recorded with every run)" -- check $D/no_version.lua
expect 1 "$D/money_float.lua:1: param 'budget': write money as a string, e.g. default = \"88.88\" (a float cannot hold fen exactly)" -- check $D/money_float.lua
expect 1 "$D/bad_type.lua:1: param 'when': unknown type 'datetime' (types: string, number, integer, boolean, time, duration, money, group, enum, list)" -- check $D/bad_type.lua
expect 1 "$D/bad_param_field.lua:1: param 'when': unknown field 'defualt' (fields: type, default, doc, required, values, of)" -- check $D/bad_param_field.lua
expect 1 "$D/bad_default.lua:1: param 'when': cannot read \"sat 25:00\" as a time (expected e.g. \"sat 20:00\" or \"2026-11-28 20:00\")" -- info $D/bad_default.lua
expect 1 "$D/twice.lua:3: playbook{} declared twice (first at line 1)" -- check $D/twice.lua
expect 1 "$D/params_readonly.lua:2: params are read-only: set them with --set NAME=VALUE or in the team config" -- check $D/params_readonly.lua
expect 1 "$D/params_typo.lua:2: params.strat: the playbook declares no param 'strat'" -- check $D/params_typo.lua
expect 1 "$D/syntax.lua:2: unexpected symbol near '='" -- check $D/syntax.lua
expect 1 "$D/enum_no_values.lua:1: param 'mode': an enum needs values = { \"a\", \"b\", ... }" -- check $D/enum_no_values.lua
expect 1 "$D/required_default.lua:1: param 'g': has a default, so it cannot be required" -- check $D/required_default.lua
expect 1 "$D/missing.lua: cannot read the file (No such file or directory)" -- check $D/missing.lua

# qun info stops after the header: a required param needs no value there.
cat >"$TMP/want" <<'OUT'
name     empty-one
version  2.0.0
file     tests/cli/fixtures/no_params.lua

params   none
OUT
expect_out "$TMP/want" -- info $D/no_params.lua
finish
