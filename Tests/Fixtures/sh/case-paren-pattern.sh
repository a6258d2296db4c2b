case x in (x) echo paren;; esac
