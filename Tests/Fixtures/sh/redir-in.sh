echo content > f; read x < f; echo $x
