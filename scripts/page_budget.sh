#!/usr/bin/env bash
# Lighthouse (mobile defaults) on the public pages of a fresh demo served by waitress.
# Prints one line per page (scores and KB); budget: performance >= 0.95, accessibility 1.00,
# best practices >= 0.95, <= 60 KB. Uses ../shared/tools/page-budget (PAGE_BUDGET_TOOL to override).
set -euo pipefail
cd "$(dirname "$0")/.."
tool=${PAGE_BUDGET_TOOL:-../shared/tools/page-budget}
port=${PORT:-8765}
instance=$(mktemp -d)
export COMUNITAR_INSTANCE="$instance"
.venv/bin/flask --app portal migrate >/dev/null
.venv/bin/flask --app portal demo >/dev/null
.venv/bin/flask --app portal serve --port "$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$instance"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.2; done
# One detail page of each kind, found on the demo's own list pages.
first_link() { curl -fs "http://127.0.0.1:$port$1" | grep -o "href=\"$2[^\"?#]*\"" | head -1 | cut -d'"' -f2; }
details=()
for pair in "/evenimente /evenimente/[0-9]" "/voluntariat /voluntariat/[0-9]" "/noutati /noutati/[0-9]" \
            "/rezultate /rezultate/[^\"/]*/galerie"; do
  set -- $pair
  link=$(first_link "$1" "$2" || true)
  [ -n "$link" ] && details+=("$link")
done
"$tool" "http://127.0.0.1:$port" / /voluntariat /voluntariat/arhiva /evenimente /evenimente/arhiva /noutati \
  /rezultate /rezultate/155550 /rezultate/BC-SDL-2022 /accesibilitate /confidentialitate "${details[@]}" \
  /portal/autentificare
