set -e; if false; then :; fi; echo survived
