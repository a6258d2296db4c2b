case "a*" in a\*) echo escaped;; esac
