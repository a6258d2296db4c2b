unset u; echo ${u=new} $u; e=; echo ${e:=filled} $e; echo ${e=x}
