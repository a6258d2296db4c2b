echo $% $, "$."
