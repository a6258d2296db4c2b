echo ${0##*/} | sed s/dash/sh/ >/dev/null; echo ok
