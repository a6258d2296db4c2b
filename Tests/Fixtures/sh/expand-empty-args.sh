f() { echo $#; }; f "" ""; e=; f $e $e; f "$e"
