case abc in a*) echo first;; *c) echo second;; esac
