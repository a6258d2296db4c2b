x=foobar; p=foo; echo ${x#$p} ${x%"bar"}
