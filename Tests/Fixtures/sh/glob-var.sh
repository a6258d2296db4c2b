touch v1 v2; p="v*"; echo $p "$p"
