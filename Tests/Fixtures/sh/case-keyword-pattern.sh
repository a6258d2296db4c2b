case esac in esac) echo kw;; esac
