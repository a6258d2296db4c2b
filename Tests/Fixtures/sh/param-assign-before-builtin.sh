x=outer; x=inner true; echo $x
