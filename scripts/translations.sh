#!/usr/bin/env bash
# Extract messages into messages.pot and merge them into the ro and en catalogs (make translations).
# New Romanian entries come out empty: the test suite fails until they are translated.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
"$PYBABEL" -q extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-wrap --sort-by-file \
  --omit-header -o portal/translations/messages.pot . >/dev/null
for locale in ro en; do
  if [ -f "portal/translations/$locale/LC_MESSAGES/messages.po" ]; then
    "$PYBABEL" -q update --no-wrap --no-fuzzy-matching -i portal/translations/messages.pot \
      -d portal/translations -l "$locale" >/dev/null
  else
    "$PYBABEL" -q init -i portal/translations/messages.pot -d portal/translations -l "$locale" --no-wrap >/dev/null
  fi
done
echo "messages.pot and the ro/en catalogs are up to date."
