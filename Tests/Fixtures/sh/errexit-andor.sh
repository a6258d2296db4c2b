set -e; false && true; echo survived1; false || true; echo survived2
