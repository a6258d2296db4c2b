e=; set -- $e; echo $#; set -- "$e"; echo $#; set -- $e$e; echo $#
