case "*" in "*") echo star;; esac; case a in "*") echo no;; *) echo fallthrough;; esac
