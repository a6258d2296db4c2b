readonly q=1; unset q
echo notreached
