set -e; false | true; echo survived; true | false; echo notreached
