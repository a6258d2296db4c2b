set -u; echo ${undefined:-ok} ${undefined-ok2}
