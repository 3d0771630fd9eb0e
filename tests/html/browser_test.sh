#!/usr/bin/env bash
# report.html in a real browser: headless Chromium opens a page from a short run, with a
# checker added that records script errors and the page's network requests and counts what
# each lesson rendered; then a screenshot must not be blank. Skipped (exit 77) where Chromium
# is missing; CI installs it. Usage: browser_test.sh SCHEDLAB_BIN CHECKER_JS
set -euo pipefail
bin=$1
checker=$2
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "SKIP: no Chromium here (Debian: apt-get install chromium; scripts/install-deps.sh does)"
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/schedlab_browser.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$bin" run -S slow-arithmetic -S sleeplock -S fib -s sync -s threads -s processes -w 1 -w 2 \
  --unit 5ms --repeat 1 --out "$work/out" -q >/dev/null
test -s "$work/out/report.html"

# The checker goes in twice: its recorder first in <head> (to see every error), its counter
# last in <body> (after the page's own script ran).
awk -v checker="$checker" '
  /<head>/ { print; print "<script>window.SCHEDLAB_RECORD = true;</script>";
             while ((getline line < checker) > 0) { if (line ~ /^\/\/ RECORD/) rec = 1;
               if (line ~ /^\/\/ COUNT/) rec = 0; if (rec) head = head line "\n"; else tail = tail line "\n" }
             print "<script>" head "</script>"; next }
  /<\/body>/ { print "<script>" tail "</script>" }
  { print }' "$work/out/report.html" >"$work/checked.html"

run_browser() {
  # No sandbox: CI runs as root. Every host name resolves to nothing, so that a request for
  # the network could not succeed even if the checker missed it.
  timeout 120 "$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
    --no-first-run --host-resolver-rules="MAP * ~NOTFOUND" --enable-logging=stderr --v=0 "$@"
}
run_browser --virtual-time-budget=3000 --dump-dom "file://$work/checked.html" \
  >"$work/dom.html" 2>"$work/browser.log"
result=$(sed -n 's/.*<pre id="schedlab-check">\(.*\)<\/pre>.*/\1/p' "$work/dom.html")
echo "checker: $result"
fail() { echo "FAIL: $*"; cat "$work/browser.log" | grep -i console || true; exit 1; }
[ -n "$result" ] || fail "the checker did not run"
grep -q '"errors":\[\]' <<<"$result" || fail "script errors on the page"
grep -q '"requests":\[\]' <<<"$result" || fail "the page asked for something over the network"
grep -qi 'Uncaught' "$work/browser.log" && fail "uncaught error in the browser log"
[ "$(grep -o '"lesson":' <<<"$result" | wc -l)" -eq 3 ] || fail "expected 3 lesson sections"
# Every lesson drew its bars (one per cell: 5), speedup points, its graph and its timelines.
grep -qE '"bars":[0-4],' <<<"$result" && fail "a lesson lacks bars"
grep -qE '"points":0,' <<<"$result" && fail "a lesson lacks speedup points"
if command -v dot >/dev/null; then
  grep -qE '"graphs":0,' <<<"$result" && fail "a lesson lacks its graph picture"
fi
grep -qE '"timelines":[0-4][,}]' <<<"$result" && fail "a lesson lacks timelines"
grep -qE '"toggled":[1-9]' <<<"$result" || fail "the legend did not hide its series"
# Class mode hides every answer and keeps the questions (the graphs); a lesson's button reveals
# its own charts, not the verdicts at the top; turning class mode off shows everything again.
grep -qE '"classHidden":0,' <<<"$result" || fail "class mode left an answer on the page"
grep -qE '"classButtons":4,' <<<"$result" || fail "class mode shows no reveal button per lesson"
if command -v dot >/dev/null; then
  grep -qE '"classGraphs":0,' <<<"$result" && fail "class mode hid the graphs (the questions)"
fi
grep -qE '"revealedCharts":[1-9]' <<<"$result" || fail "a reveal button did not show its charts"
grep -qE '"revealedVerdicts":0,' <<<"$result" || fail "a lesson's button revealed the verdicts"
grep -qE '"afterClassVerdicts":[1-9]' <<<"$result" || fail "leaving class mode hid the verdicts"

# Not blank: a page with charts compresses far worse than an empty one of the same size.
run_browser --window-size=1280,2000 --screenshot="$work/page.png" "file://$work/out/report.html" \
  >/dev/null 2>&1
run_browser --window-size=1280,2000 --screenshot="$work/blank.png" "about:blank" >/dev/null 2>&1
page=$(stat -c %s "$work/page.png")
blank=$(stat -c %s "$work/blank.png")
echo "screenshot: $page bytes (a blank page: $blank)"
[ "$page" -gt $((blank * 10)) ] || fail "the screenshot looks blank"
echo "PASS"
