case x in a) ;; esac; esac
