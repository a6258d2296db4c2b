x=1; echo $x_y "$x-y" ${x}_y
