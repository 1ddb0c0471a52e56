# extract.awk — the fenced code blocks of one Markdown file, for run.sh.
# Usage: awk -v out=DIR -f extract.awk FILE.md
# Writes DIR/NNN.info (the info string), DIR/NNN.code (the content, the
# fence's indentation removed) and DIR/NNN.line (the line of the opening
# fence), NNN counting from 001; and DIR/problems, one "LINE: what" per
# line, for what is not a fenced block but looks like code (an indented
# code block) or a fence that never closes.
function flush_code() {
  printf "%s", code > (out "/" id ".code")
  close(out "/" id ".code")
}
BEGIN { n = 0; inblock = 0; prev_blank = 1; last_top = "" ; probs = out "/problems"; printf "" > probs }
{
  line = $0
  if (inblock) {
    t = line
    sub(/^ +/, "", t)
    if (substr(t, 1, length(fence)) == fence && t ~ ("^" fchar "+[ \t]*$")) {
      flush_code()
      inblock = 0
      prev_blank = 0
      next
    }
    # remove at most the fence's indentation
    k = 0
    while (k < indent && substr(line, 1, 1) == " ") { line = substr(line, 2); k++ }
    code = code line "\n"
    next
  }
  if (match(line, /^ *(```+|~~~+)/)) {
    pre = line
    sub(/[`~].*$/, "", pre)
    indent = length(pre)
    rest = substr(line, indent + 1)
    fchar = substr(rest, 1, 1)
    f = rest
    if (fchar == "`") { sub(/[^`].*$/, "", f); fchar = "`" } else { sub(/[^~].*$/, "", f); fchar = "~" }
    fence = f
    info = substr(rest, length(f) + 1)
    sub(/^[ \t]+/, "", info)
    sub(/[ \t]+$/, "", info)
    n++
    id = sprintf("%03d", n)
    printf "%s\n", info > (out "/" id ".info"); close(out "/" id ".info")
    printf "%d\n", NR > (out "/" id ".line"); close(out "/" id ".line")
    code = ""
    inblock = 1
    openline = NR
    next
  }
  # An indented code block: four spaces after a blank line, where the
  # paragraph before is not a list (whose items may hold indented text).
  if (prev_blank && line ~ /^    [^ ]/ && last_top != "" && last_top !~ /^([-*+]|[0-9]+\.) /)
    printf "%d: an indented code block: use a fenced block with a language (docs/CONTRIBUTING-docs.md)\n", NR >> probs
  if (line ~ /^[ \t]*$/) { prev_blank = 1 } else {
    prev_blank = 0
    if (line !~ /^ /) last_top = line
  }
}
END {
  if (inblock) {
    flush_code()
    printf "%d: the code block opened here is never closed\n", openline >> probs
  }
}
