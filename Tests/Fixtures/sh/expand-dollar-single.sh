echo $'abc'
