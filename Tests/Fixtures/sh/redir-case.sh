case x in x) echo in-case;; esac > f; cat f
