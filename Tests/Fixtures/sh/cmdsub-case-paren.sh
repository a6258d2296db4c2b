echo $(case a in a) echo matched;; esac)
