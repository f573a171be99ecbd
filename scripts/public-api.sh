#!/usr/bin/env bash
# The exact public API of petition-core, recorded in petition-core/public-api.txt so a change to
# it shows in review: every item an embedder can name (by its reachable path), its methods,
# fields and variants, read from rustdoc's JSON output (macro-made items included, nothing
# unreachable). rustdoc's JSON is a nightly feature: RUSTC_BOOTSTRAP=1 asks the stable compiler
# for it (no nightly toolchain can be installed here).
#   scripts/public-api.sh            checks the record against the source (CI runs this)
#   scripts/public-api.sh --update   rewrites the record after a deliberate change
set -euo pipefail
cd "$(dirname "$0")/.."
target=target/public-api
RUSTC_BOOTSTRAP=1 cargo rustdoc -q -p petition-core --lib --features postgres --target-dir "$target" \
    -- -Z unstable-options --output-format json
python3 scripts/public_api.py "$target/doc/petition_core.json" > "$target/public-api.txt"
if [ "${1:-}" = --update ]; then
    cp "$target/public-api.txt" petition-core/public-api.txt
    tail -1 petition-core/public-api.txt
elif ! diff -u petition-core/public-api.txt "$target/public-api.txt"; then
    echo "petition-core's public API differs from petition-core/public-api.txt (above): if the change is meant, run scripts/public-api.sh --update and commit the record" >&2
    exit 1
fi
