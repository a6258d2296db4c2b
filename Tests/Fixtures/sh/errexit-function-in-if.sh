set -e; f() { false; echo continued-in-f; }; if f; then echo then; fi
