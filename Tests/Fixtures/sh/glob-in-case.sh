case foo.c in *.c) echo c-file;; esac
