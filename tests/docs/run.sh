#!/bin/sh
# run.sh — checks every fenced code block of the docs, so that they cannot
# drift from the code (the conventions: docs/CONTRIBUTING-docs.md).
#
# Usage: sh tests/docs/run.sh QUN [PAGE.md...]
#   QUN    the built binary (build/qun)
#   PAGE   pages to check (default: README.md and every docs/**/*.md, and
#          then the English and 中文 pages must pair up, block for block)
# Prints one FAIL line per problem (page:line: what) and a summary; exit
# status 1 if anything failed. Needs sh, awk, sed, diff, cmp; sqlite3 and
# python3 are used when present (a block that needs a missing one is
# reported as skipped, by name).
set -u

[ $# -ge 1 ] || { echo "usage: sh tests/docs/run.sh QUN [PAGE.md...]" >&2; exit 2; }
case $1 in /*) QUN=$1 ;; *) QUN=$(pwd)/$1 ;; esac
shift
[ -x "$QUN" ] || { echo "run.sh: $QUN is not an executable" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 2

T=$(mktemp -d "${TMPDIR:-/tmp}/qun-docs.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT INT TERM
mkdir -p "$T/bin" "$T/blocks" "$T/work" "$T/frag"
ln -s "$QUN" "$T/bin/qun"
: > "$T/empty.jsonl"
export LC_ALL=C.UTF-8 # qun info aligns CJK text by display width
START="2026-11-23 00:00" # a Monday: what the docs' playbook blocks are rehearsed from

nfail=0 nchecked=0 nunchecked=0 nskipped=0 npages=0 nsame=0
fail() { # fail WHERE MESSAGE [FILE-TO-SHOW]
  echo "FAIL $1: $2"
  if [ $# -ge 3 ] && [ -s "$3" ]; then sed -n '1,40s/^/     | /p' "$3"; fi
  nfail=$((nfail + 1))
}
skip() { echo "skip $1: $2"; nskipped=$((nskipped + 1)); }
have() { command -v "$1" >/dev/null 2>&1; }

# The commands and each one's usage, for the options a doc gives them.
"$QUN" help | awk '/^commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 }' > "$T/commands"
while read -r c; do
  echo "$c"
  "$QUN" help "$c" 2>&1 | grep -oE -- '--[a-z][a-z-]*' | sed "s/^/$c /"
done < "$T/commands" > "$T/opts"

# ---- pages ----
if [ $# -gt 0 ]; then
  pages=$*
  pair=0
else
  pages="README.md $(find docs -name '*.md' | LC_ALL=C sort)"
  pair=1
fi

if [ "$pair" = 1 ]; then # every page in both languages
  for p in $pages; do
    case $p in
      README.md) ;;
      docs/zh/*) en=docs/${p#docs/zh/}; [ -f "$en" ] || fail "$p" "no English page $en (every page is in both languages)" ;;
      docs/*) zh=docs/zh/${p#docs/}; [ -f "$zh" ] || fail "$p" "no 中文 page $zh (every page is in both languages)" ;;
    esac
  done
fi

# ---- checks, one per kind of block ----

# identical WHERE BODY PATH: the block is the file PATH, byte for byte
identical() {
  if [ ! -f "$ROOT/$3" ]; then fail "$1" "-- file: $3: no such file in the repository"; return 1; fi
  if ! cmp -s "$2" "$ROOT/$3"; then
    diff -u "$ROOT/$3" "$2" > "$T/diff" 2>&1
    fail "$1" "the block differs from $3 (--- the file, +++ the block)" "$T/diff"
    return 1
  fi
}

# excerpt_of WHERE BODY PATH: the block's lines are lines of PATH, in a row
excerpt_of() {
  if [ ! -f "$ROOT/$3" ]; then fail "$1" "from: $3: no such file in the repository"; return 1; fi
  if ! awk 'NR == FNR { want[++n] = $0; next }
            { got[++m] = $0 }
            END { for (i = 1; i + n - 1 <= m; i++) { for (k = 1; k <= n && got[i + k - 1] == want[k]; k++) ;
                    if (k > n) exit 0 }
                  exit 1 }' "$2" "$ROOT/$3"; then
    fail "$1" "the block is not a verbatim excerpt of $3 (copy the lines again)"
    return 1
  fi
}

# playbook WHERE FILE: `qun check` accepts it, rehearsed for 7 days from
# $START with tests/docs/team.lua; required params get a value by type.
playbook() {
  if ! "$QUN" info "$2" --json > "$T/info.json" 2> "$T/info.err"; then
    fail "$1" "qun info cannot read the playbook" "$T/info.err"
    return 1
  fi
  sets=$(awk '
    /"name":/ { n = $2; gsub(/[",]/, "", n) }
    /"type":/ { t = $2; gsub(/[",]/, "", t) }
    /"required": true/ {
      v = "x"
      if (t == "group") v = "sh-1"; else if (t == "time") v = "sat 20:00"
      else if (t == "duration") v = "1h"; else if (t == "money") v = "1.00"
      else if (t == "integer" || t == "number") v = "1"; else if (t == "boolean") v = "true"
      printf "--set\n%s=%s\n", n, v
    }' "$T/info.json")
  old_ifs=$IFS
  IFS='
'
  # shellcheck disable=SC2086 # one --set and one NAME=VALUE per line
  "$QUN" check "$2" --config "$HERE/team.lua" --start "$START" $sets > "$T/check.out" 2>&1
  rc=$?
  IFS=$old_ifs
  if [ $rc -ne 0 ]; then
    fail "$1" "qun check fails on the playbook (exit $rc)" "$T/check.out"
    return 1
  fi
}

# config WHERE FILE: a team config that loads (every setting checked);
# each env("NAME") it reads gets a placeholder value.
config() {
  cwhere=$1 cfile=$2
  envs=$(grep -o 'env("[A-Za-z_][A-Za-z0-9_]*"' "$cfile" | sed 's/env("//; s/"$//' | sort -u)
  set --
  for e in $envs; do set -- "$@" "$e=https://doc.example/$e-0123456789"; done
  if ! env "$@" "$QUN" import events "$T/empty.jsonl" --config "$cfile" --db :memory: > "$T/cfg.out" 2>&1; then
    fail "$cwhere" "the team config does not load (or, if it is a playbook, it has no playbook{} header at the start of a line)" "$T/cfg.out"
    return 1
  fi
}

# fragment WHERE LINE BODY: appended to a test file that load()s each
# fragment (syntax only) in qun's own Lua; errors name the page's line.
nfrag=0
fragment() {
  nfrag=$((nfrag + 1))
  eq="="
  while grep -q "]$eq]" "$3"; do eq="$eq="; done
  {
    printf 'test(%s, function()\n' "\"$1\""
    printf '  local f, e = load([%s[\n' "$eq"
    awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++) print "" }'
    cat "$3"
    printf ']%s], "=%s")\n' "$eq" "${1%:*}"
    printf '  if not f then error(e, 0) end\nend)\n'
  } >> "$T/frag/fragments_test.lua"
}

# options WHERE BODY: every `qun COMMAND --option` names a command and its
# options (one awk pass; $T/opts lists "COMMAND --option" from qun help)
options() {
  awk -v where="$1" '
    FILENAME == ARGV[1] { known[$1] = 1; if (NF > 1) opt[$1 " " $2] = 1; next }
    { line = $0 }
    /\\$/ { sub(/\\$/, " ", line); acc = acc line; next }
    { line = acc line; acc = "" }
    {
      sub(/(^|[ \t])#.*$/, "", line)
      gsub(/\|\||&&|\$\(|[|;()`]/, "\n", line)
      nseg = split(line, seg, "\n")
      for (s = 1; s <= nseg; s++) {
        nw = split(seg[s], w, /[ \t]+/)
        i = 1
        while (i <= nw && (w[i] == "" || w[i] ~ /^[A-Za-z_][A-Za-z0-9_]*=/ || w[i] ~ /^(exec|env|nohup|time|then|do|else|if|while|until|!)$/)) i++
        if (w[i] == "sudo") { i++; if (w[i] == "-u") i += 2 }
        if (w[i] == "timeout") { i++; while (w[i] ~ /^-/) i++; i++ }
        if (w[i] != "qun" && w[i] !~ /\/qun$/) continue
        cmd = w[i + 1]
        if (!(cmd in known)) { printf "FAIL %s: qun %s: no such command (qun help lists them)\n", where, cmd == "" ? "(nothing)" : cmd; bad++; continue }
        for (k = i + 2; k <= nw; k++) if (w[k] ~ /^--/) {
          o = w[k]; sub(/=.*/, "", o)
          if (!((cmd " " o) in opt)) { printf "FAIL %s: qun %s %s: no such option (qun help %s)\n", where, cmd, o, cmd; bad++ }
        }
      }
    }
    END { exit bad > 0 }' "$T/opts" "$2" > "$T/uses" || {
    cat "$T/uses"
    nfail=$((nfail + $(grep -c '^FAIL' "$T/uses")))
  }
}

# compare WHERE MODE EXPECTED ACTUAL MASKS: output (the same lines) or
# excerpt (the expected lines appear in the actual ones, in order), after
# trailing blanks are cut and each mask (an ERE) is replaced in both.
compare() {
  sedexp="s/[[:space:]]*\$//"
  for m in $5; do sedexp="$sedexp;s${m}<masked>/g"; done
  sed -E "$sedexp" "$3" > "$T/want" && sed -E "$sedexp" "$4" > "$T/got" || {
    fail "$1" "a mask is not a valid regular expression: $5"
    return 1
  }
  if [ "$2" = output ]; then
    awk 1 "$T/want" > "$T/want.n"
    awk 1 "$T/got" > "$T/got.n"
    if ! cmp -s "$T/want.n" "$T/got.n"; then
      diff -u "$T/want.n" "$T/got.n" > "$T/diff" 2>&1
      fail "$1" "the output differs (--- the doc, +++ the command's)" "$T/diff"
      return 1
    fi
  else
    if ! awk 'NR == FNR { got[++m] = $0; next }
              { while (++i <= m && got[i] != $0) ; if (i > m) { print "not found (in order): " $0; exit 1 } }' \
         "$T/got" "$T/want" > "$T/diff"; then
      fail "$1" "a line of the excerpt is not in the output" "$T/diff"
      return 1
    fi
  fi
}

# ---- the pages, block by block ----
for page in $pages; do
  [ -f "$page" ] || { fail "$page" "no such page"; continue; }
  npages=$((npages + 1))
  key=$(printf '%s' "$page" | tr '/.' '__')
  B=$T/blocks/$key
  mkdir -p "$B"
  awk -v out="$B" -f "$HERE/extract.awk" "$page"
  while IFS= read -r p; do fail "$page:${p%%:*}" "${p#*: }"; done < "$B/problems"

  # A 中文 page has the same blocks as its English twin: compared, not run again.
  case $page in
    docs/zh/*)
      en=docs/${page#docs/zh/}
      EB=$T/blocks/$(printf '%s' "$en" | tr '/.' '__')
      if [ -f "$en" ]; then
        [ -d "$EB" ] || { mkdir -p "$EB"; awk -v out="$EB" -f "$HERE/extract.awk" "$en"; }
        nz=$(ls "$B" | grep -c '\.code$')
        ne=$(ls "$EB" | grep -c '\.code$')
        if [ "$nz" != "$ne" ]; then
          fail "$page" "$nz code blocks, $en has $ne: the two languages have the same blocks, in the same order"
        else
          for c in "$B"/*.code; do
            [ -e "$c" ] || break
            b=${c##*/}
            b=${b%.code}
            if ! cmp -s "$c" "$EB/$b.code" || ! cmp -s "$B/$b.info" "$EB/$b.info"; then
              fail "$page:$(cat "$B/$b.line")" "this block differs from $en:$(cat "$EB/$b.line") (the languages share their code blocks)"
            else
              nsame=$((nsame + 1))
            fi
          done
        fi
        continue
      fi
      ;;
  esac

  # The page's working directory: docs/examples/ at its top, and the
  # repository's docs/examples/, playbooks/ and build/qun at their paths.
  W=$T/work/$key
  mkdir -p "$W/docs" "$W/build"
  cp -R docs/examples/. "$W/"
  cp -R docs/examples "$W/docs/examples"
  [ -d playbooks ] && cp -R playbooks "$W/playbooks"
  ln -s "$QUN" "$W/build/qun"
  prev="" # the output of the last command run on this page

  for c in "$B"/*.code; do
    [ -e "$c" ] || break
    b=${c##*/}
    b=${b%.code}
    read -r line < "$B/$b.line"
    where=$page:$line
    IFS= read -r info < "$B/$b.info"
    lang=${info%% *}
    mode=""
    [ "$lang" = "$info" ] || mode=${info#* }
    IFS= read -r first < "$c" || first=""
    case $first in "-- file: "* | "-- from: "* | "# file: "* | "// from: "* | "/* from: "*) tail -n +2 "$c" > "$T/body" ;; esac
    after_cmd=$prev
    prev=""
    case $lang in
      lua)
        [ -z "$mode" ] || { fail "$where" "\`\`\`lua takes no words after it (markers go on the block's first line)"; continue; }
        case $first in
          "-- file: "*)
            f=${first#-- file: }
            identical "$where" "$T/body" "$f" || continue
            if grep -q '^playbook *[{(]' "$T/body"; then playbook "$where" "$ROOT/$f" || continue; fi ;;
          "-- from: "*) excerpt_of "$where" "$T/body" "${first#-- from: }" || continue ;;
          "-- fragment"*) fragment "$where" "$line" "$c" ;;
          *)
            cp "$c" "$T/block.lua"
            if grep -q '^playbook *[{(]' "$c"; then
              mkdir -p "$W/.blocks" && cp "$c" "$W/.blocks/block$line.lua"
              playbook "$where" "$W/.blocks/block$line.lua" || continue
            else
              config "$where" "$T/block.lua" || continue
            fi ;;
        esac ;;
      sh)
        options "$where" "$c"
        case $first in
          "# file: "*)
            identical "$where" "$T/body" "${first#\# file: }" || continue
            sh -n "$T/body" 2> "$T/err" || { fail "$where" "not valid sh" "$T/err"; continue; } ;;
          *)
            want=0 norun="" missing="" bad=""
            for w in $mode; do
              case $w in
                norun) norun=1 ;;
                exit=[0-9]*) want=${w#exit=} ;;
                needs=?*) have "${w#needs=}" || missing="$missing ${w#needs=}" ;;
                *) bad=$w ;;
              esac
            done
            [ -z "$bad" ] || { fail "$where" "unknown word '$bad' after \`\`\`sh (norun, exit=N, needs=TOOL)"; continue; }
            if [ -n "$norun" ]; then
              sh -n "$c" 2> "$T/err" || { fail "$where" "not valid sh" "$T/err"; continue; }
              nchecked=$((nchecked + 1))
              continue
            fi
            if [ -n "$missing" ]; then
              skip "$where" "not run:$missing not installed (the output blocks after it are not compared)"
              prev=skipped
              continue
            fi
            out=$T/out.$b
            # Variables a block exports hold for the page's later blocks.
            (cd "$W" && PATH="$T/bin:$PATH" timeout 120 sh -e -c \
              '[ -f "$1" ] && . "$1"; trap "export -p > \"$1\"" EXIT; . "$2"' sh "$W/.env" "$c") > "$out" 2>&1
            rc=$?
            if [ $rc -ne "$want" ]; then
              fail "$where" "the commands exit with $rc, not $want" "$out"
              continue
            fi
            prev=$out ;;
        esac ;;
      text | json)
        m="" file="" masks=""
        for w in $mode; do
          case $w in
            output | excerpt | unchecked) [ -z "$m" ] && m=$w || { fail "$where" "two modes: $mode"; m=bad; } ;;
            file=*) file=${w#file=} ;;
            mask=*) masks="$masks ${w#mask=}" ;;
            *) fail "$where" "unknown word '$w' after \`\`\`$lang (output, excerpt, unchecked; file=PATH, mask=/RE/)"; m=bad ;;
          esac
        done
        case $m in
          bad) continue ;;
          "") fail "$where" "an unmarked \`\`\`$lang block: say output, excerpt or unchecked"; continue ;;
          unchecked) nunchecked=$((nunchecked + 1)); continue ;;
        esac
        if [ "$after_cmd" = skipped ]; then
          skip "$where" "the command before it was not run"
          prev=skipped
          continue
        fi
        if [ -n "$file" ]; then
          actual=$W/$file
          [ -f "$actual" ] || { fail "$where" "file=$file: the commands before it made no such file"; continue; }
        else
          actual=$after_cmd
          [ -n "$actual" ] || { fail "$where" "an $m block must follow a \`\`\`sh block that runs (or name file=PATH)"; continue; }
          prev=$after_cmd # several output blocks may follow one command
        fi
        compare "$where" "$m" "$c" "$actual" "$masks" || continue ;;
      c)
        case $first in
          "// from: "* | "/* from: "*)
            f=${first#*from: }
            excerpt_of "$where" "$T/body" "${f% \*/}" || continue ;;
          *) fail "$where" "a \`\`\`c block is an excerpt: its first line is // from: PATH"; continue ;;
        esac ;;
      ini | nginx)
        case $first in
          "# file: "*) identical "$where" "$T/body" "${first#\# file: }" || continue ;;
          *) fail "$where" "an \`\`\`$lang block is a file of the repository: its first line is # file: PATH"; continue ;;
        esac ;;
      python)
        case $first in
          "# file: "*) identical "$where" "$T/body" "${first#\# file: }" || continue ;;
        esac
        if have python3; then
          python3 -c 'import ast, sys; ast.parse(open(sys.argv[1], encoding="utf-8").read())' "$c" 2> "$T/err" ||
            { fail "$where" "not valid Python" "$T/err"; continue; }
        else
          skip "$where" "python3 is not installed: the block's syntax is not checked"
          continue
        fi ;;
      sql)
        if have sqlite3; then
          [ -f "$T/schema.db" ] || "$QUN" import events "$T/empty.jsonl" --db "$T/schema.db" > /dev/null 2>&1
          sqlite3 -bail "$T/schema.db" < "$c" > /dev/null 2> "$T/err" ||
            { fail "$where" "the SQL does not run on qun's schema" "$T/err"; continue; }
        else
          skip "$where" "sqlite3 is not installed: the SQL is not run"
          continue
        fi ;;
      markdown)
        [ "$mode" = unchecked ] || { fail "$where" "a \`\`\`markdown block is shown, not run: mark it \`\`\`markdown unchecked"; continue; }
        nunchecked=$((nunchecked + 1))
        continue ;;
      "") fail "$where" "a code block without a language (lua, sh, text, json, c, ini, nginx, python, sql, markdown)"; continue ;;
      *) fail "$where" "unknown language '$lang' (lua, sh, text, json, c, ini, nginx, python, sql, markdown)"; continue ;;
    esac
    nchecked=$((nchecked + 1))
  done
done

# The fragments, compiled at once by qun's own Lua (load, text only).
if [ "$nfrag" -gt 0 ]; then
  if (cd "$T/frag" && "$QUN" test fragments_test.lua) > "$T/frag.out" 2>&1; then
    nchecked=$((nchecked + nfrag))
  else
    awk '/^FAIL fragments_test.lua: / { w = substr($0, 26); getline m; sub(/^ +/, "", m)
                                         print "FAIL " w ": the fragment is not valid Lua: " m }' "$T/frag.out"
    nbad=$(grep -c '^FAIL' "$T/frag.out")
    [ "$nbad" -gt 0 ] || { cat "$T/frag.out"; nbad=1; }
    nfail=$((nfail + nbad))
    nchecked=$((nchecked + nfrag - nbad))
  fi
fi

echo "docs: $npages pages; $nchecked blocks checked, $nsame more the same in 中文, $nunchecked shown unchecked (marked), $nskipped skipped (a tool is missing), $nfail failed"
[ "$nfail" -eq 0 ]
