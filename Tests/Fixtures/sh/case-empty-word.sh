case "" in "") echo empty;; esac
