p="a*"; case abc in $p) echo unquoted-matches;; esac; case abc in "$p") echo no;; *) echo quoted-literal;; esac
