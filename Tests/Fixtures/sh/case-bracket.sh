case b in [abc]) echo in-class;; esac; case 5 in [!0-4]) echo not-low;; esac
